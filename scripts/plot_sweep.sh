#!/usr/bin/env bash
# Renders PNG plots from an nm_sweep CSV with gnuplot (Debian's gnuplot-nox, installed if
# missing). usage: scripts/plot_sweep.sh SWEEP.csv OUT_DIR [L2_BYTES=1048576] [PE_COUNT=1024]
#   tpw_vs_pe.png      throughput per watt vs PE count, per workload, at L2_BYTES
#   latency_vs_l2.png  latency vs L2 size, per workload, at PE_COUNT
#   pareto.png         energy vs latency of every point, Pareto-optimal points marked
# Needs the axes pe.count and l2.bytes (configs/sweeps/pe_x_buffers.yaml has both).
set -euo pipefail
csv="${1:?usage: plot_sweep.sh SWEEP.csv OUT_DIR [L2_BYTES] [PE_COUNT]}"
out="${2:?usage: plot_sweep.sh SWEEP.csv OUT_DIR [L2_BYTES] [PE_COUNT]}"
l2="${3:-1048576}"
pe="${4:-1024}"
if ! command -v gnuplot >/dev/null; then
  echo "plot: installing gnuplot-nox" >&2
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq gnuplot-nox >/dev/null
fi
mkdir -p "$out"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
# One file per workload and plot, filtered by awk: gnuplot breaks a line at every skipped row.
col() { head -1 "$csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
c_w=$(col workload); c_pe=$(col pe.count); c_l2=$(col l2.bytes); c_lat=$(col latency_s); c_e=$(col energy_j)
c_tpw=$(col throughput_per_watt); c_status=$(col status); c_pareto=$(col pareto)
workloads=$(awk -F, -v c="$c_w" 'NR > 1 { print $c }' "$csv" | awk '!seen[$0]++' | tr '\n' ' ')
for w in $workloads; do
  awk -F, -v OFS=' ' -v w="$w" -v cw="$c_w" -v cs="$c_status" -v cpe="$c_pe" -v cl2="$c_l2" -v l2="$l2" -v pe="$pe" \
      -v ct="$c_tpw" -v cl="$c_lat" -v ce="$c_e" -v cp="$c_pareto" -v dir="$tmp" '
    NR > 1 && $cw == w && $cs == "ok" {
      if ($cl2 == l2) print $cpe, $ct > (dir "/" w ".pe")
      if ($cpe == pe) print $cl2 / 1024, $cl * 1e3 > (dir "/" w ".l2")
      print $cl * 1e3, $ce * 1e3, $cp > (dir "/" w ".points")
    }' "$csv"
done
gnuplot <<GNUPLOT
set terminal pngcairo size 900,600 font ',11' noenhanced
set grid
set key top left
workloads = "$workloads"
file(w, kind) = sprintf("%s/%s.%s", "$tmp", w, kind)

set output "$out/tpw_vs_pe.png"
set title "Throughput per watt vs PE count (L2 = $l2 B)"
set xlabel 'PE count'; set ylabel 'inferences / s / W'
set logscale x 2; set logscale y
plot for [w in workloads] file(w, "pe") using 1:2 smooth unique with linespoints lw 2 pt 7 title w

set output "$out/latency_vs_l2.png"
set title "Latency vs L2 size ($pe PEs)"
set xlabel 'L2 size (KiB)'; set ylabel 'latency (ms)'
set logscale x 2; unset logscale y
plot for [w in workloads] file(w, "l2") using 1:2 smooth unique with linespoints lw 2 pt 7 title w

set output "$out/pareto.png"
set terminal pngcairo size 1200,500 font ',10' noenhanced
set multiplot layout 1, words(workloads) title "Energy vs latency of every point; Pareto-optimal points (latency, energy, area) in red"
unset logscale
set format x '%.5g'; set xtics rotate by -45
set xlabel 'latency (ms)'; set ylabel 'energy (mJ)'
set key bottom left
do for [w in workloads] {
  set title w
  plot file(w, "points") using 1:2 with points pt 7 ps 0.8 lc rgb 'gray60' title 'all points', \
       file(w, "points") using 1:(\$3 == 1 ? \$2 : NaN) with points pt 7 ps 1.2 lc rgb 'red' title 'Pareto'
}
unset multiplot
GNUPLOT
ls "$out"/tpw_vs_pe.png "$out"/latency_vs_l2.png "$out"/pareto.png
