#!/usr/bin/env bash
# Prints the README's functional-accuracy table: nm_sim --functional on bert_base (sequence 128),
# resnet50 and gcn at int8 and fp16 (PWL uniform, granularity 0.25, random weights, seed 1), every
# figure read from nm_sim's own summary. usage: scripts/functional_table.sh [samples=8]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh" >/dev/null
samples="${1:-8}"
echo "| workload | datatype | output | rel L2 (sample 0) | cosine (sample 0) | worst cosine of $samples | top-1 agreement | PWL alone: cosine at the last layer |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
for w in bert_base resnet50 gcn; do
  for dt in int8 fp16; do
    out="$("$root/build/nm_sim" --workload "$w" --datatype "$dt" --functional --samples "$samples")"
    # "  output NAME: max abs A, rel L2 R, cosine C (worst of N: rel L2 R2, cosine C2); top-1 agreement a/r (P%)"
    line="$(grep -m1 '^  output ' <<< "$out")"
    # The layer table's last row before the output line: its last column is PWL alone's cosine.
    pwl="$(grep -B1 -m1 '^  output ' <<< "$out" | head -1 | awk '{ print $NF }')"
    awk -v w="$w" -v dt="$dt" -v pwl="$pwl" '{
      name = $2; sub(/:$/, "", name)
      match($0, /rel L2 [^,]+/); rel = substr($0, RSTART + 7, RLENGTH - 7)
      match($0, /cosine [0-9.-]+/); cosine = substr($0, RSTART + 7, RLENGTH - 7)
      worst = cosine
      if (match($0, /worst of [0-9]+: rel L2 [^,]+, cosine [0-9.-]+/)) {
        s = substr($0, RSTART, RLENGTH); sub(/.*cosine /, "", s); worst = s
      }
      top = "-"
      if (match($0, /top-1 agreement [0-9]+\/[0-9]+ \([0-9.]+%\)/)) top = substr($0, RSTART + 16, RLENGTH - 16)
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", w, dt, name, rel, cosine, worst, top, pwl
    }' <<< "$line"
  done
done
