#!/usr/bin/env bash
# Prints the README's functional-accuracy tables: nm_sim --functional on bert_base (sequence 128),
# resnet50 and gcn at int8 and fp16 (PWL uniform, granularity 0.25, random weights, seed 1), every
# figure read from nm_sim's own summary. usage: scripts/functional_table.sh [samples=8]
#  1. per network, the errors of one layer's output (ResNet-50: the fc head; BERT: the last
#     encoder layer, as its 2-class classifier output is too small for a meaningful cosine) and
#     the top-1 agreement of the class scores over the samples;
#  2. BERT-base's cosine after encoder layers 0, 2, 5, 8 and 11 (how the error compounds).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NM_BUILD_DIR:-$root/build}"  # as scripts/build.sh
"$root/scripts/build.sh" >/dev/null
samples="${1:-8}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
# Layer rows: "  NAME  max_abs  rel_l2  cosine  pwl_rel  pwl_cos".
row() { grep -m1 "^  $2 " "$1" | awk '{ print $2, $3, $4, $5, $6 }'; }
top1() { grep -m1 '^  output ' "$1" | sed -n 's/.*top-1 agreement \([0-9]*\/[0-9]* ([0-9.]*%)\).*/\1/p'; }
echo "| workload | datatype | layer output | rel L2 | cosine | PWL alone: rel L2 | PWL alone: cosine | top-1 agreement ($samples samples) |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
for w in bert_base resnet50 gcn; do
  case "$w" in bert_base) layer=encoder.11 ;; resnet50) layer=head ;; gcn) layer=classifier ;; esac
  for dt in int8 fp16; do
    "$build/nm_sim" --workload "$w" --datatype "$dt" --functional --samples "$samples" > "$tmp/$w-$dt.txt"
    read -r max rel cosine prel pcos <<< "$(row "$tmp/$w-$dt.txt" "$layer")"
    echo "| $w | $dt | $layer | $rel | $cosine | $prel | $pcos | $(top1 "$tmp/$w-$dt.txt") |"
  done
done
echo
echo "| BERT-base, cosine after | encoder.0 | encoder.2 | encoder.5 | encoder.8 | encoder.11 |"
echo "|---|---:|---:|---:|---:|---:|"
for kind in int8 fp16 pwl; do
  line="| ${kind/pwl/PWL alone (fp32)} |"
  for l in 0 2 5 8 11; do
    read -r max rel cosine prel pcos <<< "$(row "$tmp/bert_base-${kind/pwl/int8}.txt" "encoder.$l")"
    line+=" $([ "$kind" = pwl ] && echo "$pcos" || echo "$cosine") |"
  done
  echo "$line"
done
