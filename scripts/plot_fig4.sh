#!/usr/bin/env bash
# Fig. 4-style plot from an nm_sweep CSV over workload.width and workload.depth
# (configs/sweeps/fig4_width_depth.yaml): computation efficiency against width (at depth 1) and
# against depth (at width 1), one line per workload. Efficiency is the network's MACs per second
# per watt (GMAC/s/W = MACs x inferences/s/W): inferences per watt alone falls with any growth
# in network size, while this shows how well a bigger network uses the array, as Fig. 4 does.
# usage: plot_fig4.sh SWEEP.csv OUT.png
set -euo pipefail
csv="${1:?usage: plot_fig4.sh SWEEP.csv OUT.png}"
png="${2:?usage: plot_fig4.sh SWEEP.csv OUT.png}"
command -v gnuplot >/dev/null || { echo "plot_fig4: gnuplot not found; run scripts/setup.sh" >&2; exit 2; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
col() { head -1 "$csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
c_w=$(col workload); c_wd=$(col workload.width); c_dp=$(col workload.depth); c_t=$(col throughput_per_watt); c_m=$(col macs)
c_s=$(col status)
workloads=$(awk -F, -v c="$c_w" 'NR > 1 { print $c }' "$csv" | awk '!seen[$0]++' | tr '\n' ' ')
for w in $workloads; do
  awk -F, -v w="$w" -v cw="$c_w" -v cwd="$c_wd" -v cdp="$c_dp" -v ct="$c_t" -v cm="$c_m" -v cs="$c_s" -v dir="$tmp" '
    NR > 1 && $cw == w && $cs == "ok" {
      if ($cdp == 1) print $cwd, $ct * $cm / 1e9 > (dir "/" w ".width")
      if ($cwd == 1) print $cdp, $ct * $cm / 1e9 > (dir "/" w ".depth")
    }' "$csv"
done
gnuplot <<GNUPLOT
set terminal pngcairo size 1200,500 font ',11' noenhanced
set output "$png"
set grid
set key top left
set logscale y
workloads = "$workloads"
file(w, kind) = sprintf("%s/%s.%s", "$tmp", w, kind)
set multiplot layout 1, 2 title "Computation efficiency vs network width and depth (nm_sim, configs/pe1024.yaml)"
set title 'width multiplier (depth 1)'
set xlabel 'width multiplier'; set ylabel 'GMAC / s / W'
set key bottom right
plot for [w in workloads] file(w, "width") using 1:2 smooth unique with linespoints lw 2 pt 7 title w
set title 'depth multiplier (width 1)'
set xlabel 'depth multiplier'
plot for [w in workloads] file(w, "depth") using 1:2 smooth unique with linespoints lw 2 pt 7 title w
unset multiplot
GNUPLOT
ls "$png"
