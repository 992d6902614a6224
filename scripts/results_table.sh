#!/usr/bin/env bash
# Prints the README's results table: the three workloads on configs/pe1024.yaml at int8 and
# fp16, with the default compiler (epilogue fusion, row-blocked softmax/layernorm) and the
# paper-literal one (one kernel per op), every figure read from nm_sim's JSON output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NM_BUILD_DIR:-$root/build}"  # as scripts/build.sh
"$root/scripts/build.sh" >/dev/null
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
field() { grep -m1 "^  \"$2\": " "$1" | sed -e 's/.*: //' -e 's/,$//'; }
unfused=(--set compiler.fusion=none --set compiler.softmax_layernorm=decomposed --set compiler.pooling=decomposed --set compiler.schedule=program_order)
echo "| workload | datatype | compiler | latency (ms) | throughput (inf/s) | energy (mJ/inf) | power (W) | throughput/W (inf/s/W) | PE util. | DRAM (MB) |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
for w in resnet50 bert_base gcn; do
  for dt in int8 fp16; do
    for compiler in fused unfused; do
      j="$tmp/$w-$dt-$compiler.json"
      extra=(); [ "$compiler" = unfused ] && extra=("${unfused[@]}")
      "$build/nm_sim" --config "$root/configs/pe1024.yaml" --workload "$w" --datatype "$dt" "${extra[@]}" \
        --json "$j" >/dev/null
      awk -v w="$w" -v dt="$dt" -v c="$compiler" -v lat="$(field "$j" latency_s)" -v thr="$(field "$j" throughput_per_s)" \
        -v en="$(field "$j" energy_j)" -v pw="$(field "$j" power_w)" -v tpw="$(field "$j" throughput_per_watt)" \
        -v ut="$(field "$j" pe_utilization)" -v dr="$(field "$j" dram_bytes)" \
        'BEGIN { printf "| %s | %s | %s | %.3f | %.1f | %.3f | %.3f | %.1f | %.1f%% | %.1f |\n", w, dt, c, lat*1e3, thr, en*1e3, pw, tpw, ut*100, dr/1e6 }'
    done
  done
done
