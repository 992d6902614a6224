#!/usr/bin/env bash
# Renders an nm_sim --trace file as a PNG timeline (a Gantt chart: one row per track, kernels and
# layers on top, then the DMA threads, NoC, L2, each PE cluster and each DRAM channel).
# usage: scripts/plot_timeline.sh TRACE.json [OUT.png] [FROM_MS TO_MS]
#   OUT.png      default: TRACE.png next to the trace
#   FROM_MS TO_MS  draw only this window of simulated time (milliseconds); default: the whole run
# Every slice is coloured by what bounds the kernel it belongs to (compute, noc, l2, dram); layer
# slices alternate two greys and the wider ones carry the layer's name. Slices narrower than a
# pixel are merged with their neighbours on the same row (the trace keeps them all).
# Needs gnuplot and jq (scripts/setup.sh installs both).
set -euo pipefail
usage="usage: plot_timeline.sh TRACE.json [OUT.png] [FROM_MS TO_MS]"
trace="${1:?$usage}"
out="${2:-${trace%.json}.png}"
from="${3:-}"; to="${4:-}"
fail() { echo "plot_timeline: $*" >&2; exit 2; }
for tool in gnuplot jq; do command -v "$tool" >/dev/null || fail "$tool not found; run scripts/setup.sh"; done
[ -r "$trace" ] || fail "$trace: cannot read"
[ -n "$from" ] && [ -z "$to" ] && fail "FROM_MS given without TO_MS ($usage)"
jq -e '.otherData.schema == "nm_sim/trace/1"' "$trace" >/dev/null 2>&1 ||
  fail "$trace: not an nm_sim trace (expected otherData.schema nm_sim/trace/1, written by nm_sim --trace)"

tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
# Tracks, in the trace's order: tid and name.
jq -r '.otherData.tracks[] | [.tid, .name] | @tsv' "$trace" > "$tmp/tracks"
workload=$(jq -r '.otherData.workload' "$trace")
span_us=$(jq -r '.otherData.latency_s * 1e6' "$trace")
span_ms=$(awk -v s="$span_us" 'BEGIN { printf "%.3f", s / 1000 }')
# Slices: tid, start and end (ms), bound of their kernel, name.
jq -r '.traceEvents[] | select(.ph == "X") | [.tid, .ts / 1000, (.ts + .dur) / 1000, (.args.bound // "-"), .name] | @tsv' \
  "$trace" > "$tmp/slices"
[ -s "$tmp/slices" ] || fail "$trace: no slices to draw"

lo="${from:-0}"; hi="${to:-$(awk -v s="$span_us" 'BEGIN { print s / 1000 }')}"
awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(hi > lo) }' || fail "empty window: FROM_MS $lo >= TO_MS $hi"

# Rows top to bottom in track order; merge slices on a row that are closer than ~1/3 pixel
# (1400 px wide) and share a colour; clip to the window.
awk -F'\t' -v OFS='\t' -v lo="$lo" -v hi="$hi" -v dir="$tmp" '
  FNR == NR { row[$1] = n++; next }
  function colour(tid, bound, name) {
    if (tid == 1) return (layer_index[name] % 2 ? "0x9e9e9e" : "0x616161")
    if (bound == "compute") return "0x2e7d32"
    if (bound == "noc") return "0x1565c0"
    if (bound == "l2") return "0xef6c00"
    if (bound == "dram") return "0xc62828"
    return "0x757575"
  }
  function flush(r) { if (r in s0) print s0[r], s1[r], r, c[r] > (dir "/boxes") }
  {
    if ($3 < lo || $2 > hi) next
    if ($1 == 1 && !($5 in layer_index)) layer_index[$5] = layers++
    r = row[$1]; a = ($2 < lo ? lo : $2); b = ($3 > hi ? hi : $3); col = colour($1, $4, $5)
    if ($1 == 1 && (b - a) > (hi - lo) / 25) print (a + b) / 2, r, $5 > (dir "/labels")
    if ((r in s0) && c[r] == col && a - s1[r] < (hi - lo) / 4200) { if (b > s1[r]) s1[r] = b; next }
    flush(r); s0[r] = a; s1[r] = b; c[r] = col
  }
  END { for (r in s0) flush(r) }' "$tmp/tracks" "$tmp/slices"
touch "$tmp/labels"
[ -s "$tmp/boxes" ] || fail "no slice lies in the window $lo..$hi ms"

rows=$(wc -l < "$tmp/tracks")
ytics=$(awk -F'\t' '{ name = $2; sub(/^accelerator\./, "", name); printf "%s\"%s\" %d", (NR > 1 ? ", " : ""), name, NR - 1 }' "$tmp/tracks")
window=""; [ -n "$from" ] && window=", $lo..$hi ms"
height=$((160 + 26 * rows))

gnuplot <<GNUPLOT
set terminal pngcairo size 1400,$height font ',10' noenhanced
set output "$out"
set title "nm_sim timeline: $workload, $span_ms ms simulated$window; colour: what bounds the kernel a slice belongs to"
set xlabel 'simulated time (ms)'
set xrange [$lo:$hi]
set yrange [$rows - 0.5:-0.5]
set ytics ($ytics) nomirror
set grid xtics
set key outside top center horizontal
set style fill solid 1.0 noborder
plot "$tmp/boxes" using ((\$1 + \$2) / 2):3:((\$2 - \$1) / 2):(0.38):4 with boxxyerror lc rgb variable notitle, \
     "$tmp/labels" using 1:2:3 with labels font ',8' tc rgb 'white' notitle, \
     NaN with boxes lc rgb '#2e7d32' title 'compute bound', \
     NaN with boxes lc rgb '#1565c0' title 'NoC bound', \
     NaN with boxes lc rgb '#ef6c00' title 'L2 bound', \
     NaN with boxes lc rgb '#c62828' title 'DRAM bound'
GNUPLOT
[ -s "$out" ] || fail "gnuplot wrote no image to $out"
echo "$out"
