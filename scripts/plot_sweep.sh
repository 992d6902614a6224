#!/usr/bin/env bash
# Renders PNG plots of any nm_sweep CSV with gnuplot (scripts/setup.sh installs it).
# usage: scripts/plot_sweep.sh SWEEP.csv OUT_DIR [--x AXIS] [--series AXIS] [--y METRIC[,METRIC...]]
#
# The sweep's axes are the CSV's columns between `workload` and `latency_s`; the ones with more
# than one value among the successful rows are its varying axes. One panel per workload:
#   <metric>_vs_<axis>.png  METRIC against AXIS, one line per value of the series axis; without
#                           --x, one plot per varying axis (the next varying axis is the series);
#                           further varying axes are held at their first value (the title says so)
#   pareto.png              energy against latency of every successful point, the Pareto front over
#                           those two (per workload) in red with each front point's configuration
# METRIC: throughput_per_watt and latency_s by default; also energy_j, power_w, throughput_per_s,
# pe_utilization, area_mm2, dram_bytes, cycles. Axis values are shown with units (KiB/MiB for
# bytes, Gbit/s, GHz). Prints the PNGs written; exits 2 with one line when the CSV cannot be
# plotted (not a sweep CSV, no successful row, nothing varies, an unknown axis or metric).
set -euo pipefail
usage="usage: plot_sweep.sh SWEEP.csv OUT_DIR [--x AXIS] [--series AXIS] [--y METRIC[,METRIC...]]"
fail() { echo "plot_sweep: $*" >&2; exit 2; }
[ $# -ge 2 ] || fail "$usage"
csv="$1"; out="$2"; shift 2
x_axis=""; series_axis=""; metrics="throughput_per_watt,latency_s"
while [ $# -gt 0 ]; do
  case "$1" in
    --x) x_axis="${2:?$usage}"; shift 2 ;;
    --series) series_axis="${2:?$usage}"; shift 2 ;;
    --y) metrics="${2:?$usage}"; shift 2 ;;
    *) fail "unknown argument '$1' ($usage)" ;;
  esac
done
command -v gnuplot >/dev/null || fail "gnuplot not found; run scripts/setup.sh"
[ -r "$csv" ] && [ -f "$csv" ] || fail "$csv: cannot read"
header="$(head -1 "$csv" | tr -d '\r')"
col() { echo "$header" | tr ',' '\n' | grep -nx -- "$1" | cut -d: -f1 | head -1; }
for c in task workload latency_s energy_j status; do
  [ -n "$(col "$c")" ] || fail "$csv: not an nm_sweep CSV (no column '$c'; nm_sweep --out writes one)"
done
c_w=$(col workload); c_lat=$(col latency_s); c_e=$(col energy_j); c_s=$(col status)
[ "$c_lat" -gt $((c_w + 1)) ] || fail "$csv: the sweep has no axis (no column between workload and latency_s)"

# Metric: column, scale, label, file tag.
metric_info() {
  case "$1" in
    throughput_per_watt) echo "1|throughput per watt (inferences/s/W)|tpw" ;;
    latency_s) echo "1e3|latency (ms)|latency" ;;
    energy_j) echo "1e3|energy per inference (mJ)|energy" ;;
    power_w) echo "1|power (W)|power" ;;
    throughput_per_s) echo "1|throughput (inferences/s)|throughput" ;;
    pe_utilization) echo "100|PE utilization (%)|utilization" ;;
    area_mm2) echo "1|area (mm^2)|area" ;;
    dram_bytes) echo "9.5367431640625e-07|DRAM traffic (MiB)|dram" ;;
    cycles) echo "1|cycles|cycles" ;;
    *) return 1 ;;
  esac
}
IFS=',' read -r -a metric_list <<< "$metrics"
for m in "${metric_list[@]}"; do
  metric_info "$m" >/dev/null || fail "unknown metric '$m' (throughput_per_watt, latency_s, energy_j, power_w, throughput_per_s, pe_utilization, area_mm2, dram_bytes, cycles)"
  [ -n "$(col "$m")" ] || fail "$csv: no column '$m'"
done

mkdir -p "$out" 2>/dev/null || fail "$out: cannot create the output directory"
[ -w "$out" ] || fail "$out: cannot write there"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

# Shared awk helpers: humane axis values, axis names, short labels.
cat > "$tmp/lib.awk" <<'AWK'
function unq(s) { gsub(/^"|"$/, "", s); return s }
function isnum(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
function human(key, v) {
  if (key == "config") { sub(/.*\//, "", v); sub(/\.yaml$/, "", v); return v }
  if (key ~ /bytes/ && isnum(v) && v + 0 >= 1024) {
    if (v % 1048576 == 0) return (v / 1048576) " MiB"
    if (v % 1024 == 0) return (v / 1024) " KiB"
    return v " B"
  }
  if (key ~ /bytes/) return v " B"
  if (key ~ /_gbps$/) return v " Gbit/s"
  if (key ~ /_ghz$/) return v " GHz"
  if (key ~ /_ns$/) return v " ns"
  if (key ~ /_cycles$/) return v " cycles"
  if (key == "pe.count") return v " PEs"
  return v
}
function axis_name(key) {
  if (key == "pe.count") return "PE count"
  if (key == "config") return "config file"
  if (key == "pe.clusters") return "PE clusters"
  if (key == "l2.bytes") return "L2 size"
  if (key == "l1.bytes_per_pe") return "L1 size per PE"
  if (key == "dram.bandwidth_gbps") return "DRAM bandwidth (Gbit/s)"
  if (key == "noc.bandwidth_gbps") return "NoC bandwidth (Gbit/s)"
  if (key == "clock_ghz") return "clock (GHz)"
  if (key == "workload.width") return "network width multiplier"
  if (key == "workload.depth") return "network depth multiplier"
  if (key == "workload.seq_len") return "sequence length (tokens)"
  if (key == "pwl.granularity") return "PWL granularity"
  if (key ~ /_gbps$/) return key " (Gbit/s)"
  if (key ~ /_ghz$/) return key " (GHz)"
  if (key ~ /_ns$/) return key " (ns)"
  if (key ~ /_cycles$/) return key " (cycles)"
  return key
}
function short(key,    n, parts) {
  if (key == "pe.count" || key == "config") return ""
  if (key == "l2.bytes") return "L2 "
  if (key == "l1.bytes_per_pe") return "L1/PE "
  if (key == "dram.bandwidth_gbps") return "DRAM "
  if (key == "noc.bandwidth_gbps") return "NoC "
  if (key == "workload.width") return "width "
  if (key == "workload.depth") return "depth "
  if (key == "workload.seq_len") return "seq "
  n = split(key, parts, "."); return parts[n] " "
}
AWK

# Each axis: column, key, numeric (1/0), count, its distinct values over successful rows in order
# ('|'-separated).
awk -F, -v OFS='\t' -v cw="$c_w" -v cl="$c_lat" -v cs="$c_s" -f "$tmp/lib.awk" -f <(echo '
  NR == 1 { for (c = cw + 1; c < cl; c++) key[c] = unq($c); next }
  unq($cs) == "ok" {
    rows++
    for (c = cw + 1; c < cl; c++) {
      v = unq($c)
      if (!((c, v) in seen)) { seen[c, v] = 1; vals[c] = vals[c] (n[c]++ ? "|" : "") v; if (!isnum(v)) text[c] = 1 }
    }
  }
  END {
    if (!rows) exit 3
    for (c = cw + 1; c < cl; c++) print c, key[c], (c in text ? 0 : 1), n[c], vals[c]
  }') "$csv" > "$tmp/axes" || fail "$csv: no successful row (status ok) to plot"
mapfile -t varying < <(awk -F'\t' '$4 > 1 { print $2 }' "$tmp/axes")
[ ${#varying[@]} -gt 0 ] || fail "$csv: nothing varies (every axis has one value), so there is no trend to plot"
axis_known() { awk -F'\t' -v k="$1" '$2 == k { f = 1 } END { exit !f }' "$tmp/axes"; }
axis_count() { awk -F'\t' -v k="$1" '$2 == k { print $4 }' "$tmp/axes"; }
for a in "$x_axis" "$series_axis"; do
  [ -z "$a" ] && continue
  axis_known "$a" || fail "$csv: no axis '$a' (axes: $(cut -f2 "$tmp/axes" | tr '\n' ' '))"
  [ "$(axis_count "$a")" -gt 1 ] || [ "$a" = "$series_axis" ] || fail "$csv: axis '$a' has one value; nothing to plot against it"
done
[ -n "$x_axis" ] && [ "$x_axis" = "$series_axis" ] && fail "--x and --series are the same axis"

# Workloads in order of appearance; panels are numbered, so a workload given by path is fine.
awk -F, -v cw="$c_w" -v cs="$c_s" -f "$tmp/lib.awk" -f <(echo '
  NR > 1 && unq($cs) == "ok" && !seen[unq($cw)]++ { w = unq($cw); sub(/.*\//, "", w); sub(/\.yaml$/, "", w); print w }') \
  "$csv" > "$tmp/workloads"
nw=$(wc -l < "$tmp/workloads")
panel_w=$((nw > 1 ? 560 : 860))

written=()
run_gnuplot() {  # script file, png
  if ! gnuplot "$1" 2> "$tmp/gnuplot.err" || [ ! -s "$2" ]; then
    rm -f "$2"
    fail "gnuplot failed on $2: $(head -1 "$tmp/gnuplot.err")"
  fi
  written+=("$2")
}

# One <metric>_vs_<x>.png per metric and x axis.
plot_trend() {  # x axis, series axis ("" for none)
  local x="$1" s="$2" xtag
  xtag=$(echo "$x" | sed 's/^pe\.count$/pe/; s/^l2\.bytes$/l2/; s/^workload\.//; s/\.bytes_per_pe$//; s/\.bandwidth_gbps$/_bw/; s/\./_/g')
  # Data: per workload panel p and series value v, "x y1 y2 ..." (category index for text axes);
  # other varying axes held at their first value.
  rm -f "$tmp"/trend_*
  awk -F, -v OFS=' ' -v cw="$c_w" -v cs="$c_s" -v x="$x" -v s="$s" -v metrics="$metrics" -v dir="$tmp" \
      -v header="$header" -f "$tmp/lib.awk" -f <(echo '
    BEGIN {
      nh = split(header, h, ","); nm = split(metrics, m, ",")
      for (c = 1; c <= nh; c++) col[h[c]] = c
      while ((getline line < (dir "/axes")) > 0) {
        split(line, a, "\t"); cnum[a[2]] = a[1]; numeric[a[2]] = a[3]
        split(a[5], first, "|"); fixed[a[2]] = (a[4] > 1 && a[2] != x && a[2] != s) ? first[1] : ""
        nv = split(a[5], vs, "|"); for (i = 1; i <= nv; i++) pos[a[2], vs[i]] = i
      }
      for (k in fixed) if (fixed[k] != "") held = held (held ? ", " : "") k " = " human(k, fixed[k])
      print held > (dir "/held")
    }
    NR > 1 && unq($cs) == "ok" {
      w = unq($cw); if (!(w in panel)) panel[w] = ++np  # numbered as in $tmp/workloads
      for (k in fixed) if (fixed[k] != "" && unq($cnum[k]) != fixed[k]) next
      xv = unq($cnum[x]); xpos = numeric[x] ? xv : pos[x, xv]
      sv = s == "" ? "" : unq($cnum[s]); si = s == "" ? 1 : pos[s, sv]
      line = xpos; for (i = 1; i <= nm; i++) line = line OFS unq($col[m[i]])
      print line > (dir "/trend_" panel[w] "_" si)
    }') "$csv"
  local held; held=$(cat "$tmp/held")
  # x ticks at the sweep's values, with units; log2 scale for wide numeric ranges.
  local xinfo; xinfo=$(awk -F'\t' -v k="$x" -f "$tmp/lib.awk" -f <(echo '
    $2 == k {
      n = split($5, v, "|"); lo = hi = ""
      for (i = 1; i <= n; i++) {
        p = $3 ? v[i] : i
        tics = tics (i > 1 ? ", " : "") "\"" human(k, v[i]) "\" " p
        if ($3) { if (lo == "" || v[i] + 0 < lo) lo = v[i] + 0; if (hi == "" || v[i] + 0 > hi) hi = v[i] + 0 }
      }
      logx = ($3 && lo > 0 && hi / lo >= 8) ? 1 : 0
      if (!$3) { lo = 0.5; hi = n + 0.5 }
      else if (logx) { lo = lo / 1.25; hi = hi * 1.25 }
      else { pad = (hi - lo) * 0.05; lo -= pad; hi += pad }
      printf "%s|%d|%s|%s|%s\n", tics, logx, lo, hi, axis_name(k)
    }') "$tmp/axes")
  IFS='|' read -r xtics logx xlo xhi xlabel <<< "$xinfo"
  local series_defs=""
  if [ -n "$s" ]; then
    series_defs=$(awk -F'\t' -v k="$s" -f "$tmp/lib.awk" -f <(echo '
      $2 == k { n = split($5, v, "|"); for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "|" : ""), short(k) human(k, v[i]) }') \
      "$tmp/axes")
  fi
  local i=0
  for m in "${metric_list[@]}"; do
    i=$((i + 1))
    local info scale ylabel tag png
    info=$(metric_info "$m"); IFS='|' read -r scale ylabel tag <<< "$info"
    png="$out/${tag}_vs_${xtag}.png"
    {
      echo "set terminal pngcairo size $((panel_w * nw)),560 font ',10' noenhanced"
      echo "set output '$png'"
      echo "set grid; set key outside right top vertical font ',9'"
      echo "set xtics ($xtics) rotate by -30"
      echo "set xrange [$xlo:$xhi]"
      [ "$logx" = 1 ] && echo "set logscale x 2"
      echo "set xlabel '$xlabel'; set ylabel '$ylabel'"
      local title="${ylabel} vs ${xlabel}"
      [ -n "$held" ] && title="$title, at $held"
      echo "set multiplot layout 1,$nw title '$title (one panel per workload; $(basename "$csv"))'"
      local p=0
      while IFS= read -r w; do
        p=$((p + 1))
        echo "set title '$w'"
        local plots=() sidx=0
        if [ -n "$s" ]; then
          IFS='|' read -r -a labels <<< "$series_defs"
          for label in "${labels[@]}"; do
            sidx=$((sidx + 1))
            [ -s "$tmp/trend_${p}_${sidx}" ] || continue
            plots+=("'$tmp/trend_${p}_${sidx}' using 1:(\$$((i + 1)) * $scale) smooth unique with linespoints lw 2 pt 7 title '$label'")
          done
        elif [ -s "$tmp/trend_${p}_1" ]; then
          plots+=("'$tmp/trend_${p}_1' using 1:(\$$((i + 1)) * $scale) smooth unique with linespoints lw 2 pt 7 notitle")
        fi
        if [ ${#plots[@]} -eq 0 ]; then
          echo "set label 1 'no successful point' at graph 0.5, 0.5 center; unset key; plot [$xlo:$xhi] [0:1] NaN notitle; unset label 1; set key"
        else
          local joined; joined=$(printf '%s, ' "${plots[@]}"); echo "plot ${joined%, }"
        fi
      done < "$tmp/workloads"
      echo "unset multiplot"
    } > "$tmp/trend.gp"
    run_gnuplot "$tmp/trend.gp" "$png"
  done
}

if [ -n "$x_axis" ]; then
  xs=("$x_axis")
else
  xs=("${varying[@]}")
fi
for x in "${xs[@]}"; do
  s="$series_axis"
  if [ -z "$s" ]; then  # the next varying axis after x (cyclically), if any
    for ((k = 0; k < ${#varying[@]}; k++)); do
      [ "${varying[$k]}" = "$x" ] && s="${varying[$(((k + 1) % ${#varying[@]}))]}"
    done
    [ "$s" = "$x" ] && s=""
  fi
  [ "$s" = "$x" ] && s=""
  plot_trend "$x" "$s"
done

# Pareto: per workload, energy vs latency; the 2-D front over the two axes drawn.
rm -f "$tmp"/pareto_*
awk -F, -v OFS='\t' -v cw="$c_w" -v cs="$c_s" -v cl="$c_lat" -v ce="$c_e" -v dir="$tmp" -f "$tmp/lib.awk" -f <(echo '
  BEGIN { while ((getline line < (dir "/axes")) > 0) { split(line, a, "\t"); if (a[4] > 1) { vc[++nv] = a[1]; vk[nv] = a[2] } } }
  NR > 1 && unq($cs) == "ok" {
    w = unq($cw); if (!(w in panel)) panel[w] = ++np
    label = ""; for (i = 1; i <= nv; i++) label = label (i > 1 ? ", " : "") short(vk[i]) human(vk[i], unq($vc[i]))
    print unq($cl) * 1e3, unq($ce) * 1e3, label > (dir "/pareto_" panel[w])
  }') "$csv"
for f in "$tmp"/pareto_*; do
  # Sorted by latency then energy, a point is on the front when its energy is below every faster one's.
  # Labels alternate above and below (.above, .below), so neighbours on the front overlap less.
  sort -t$'\t' -k1,1g -k2,2g "$f" | awk -F'\t' -v OFS='\t' 'NR == 1 || $2 < best { best = $2; print }' > "$f.front"
  awk 'NR % 2' "$f.front" > "$f.above"; awk '!(NR % 2)' "$f.front" > "$f.below"
done
png="$out/pareto.png"
{
  echo "set terminal pngcairo size $((panel_w * nw + 120)),560 font ',10' noenhanced"
  echo "set output '$png'"
  echo "set grid; unset key"
  echo 'set datafile separator "\t"'
  echo "set xlabel 'latency (ms)'; set ylabel 'energy per inference (mJ)'"
  echo "set offsets graph 0.05, graph 0.25, graph 0.08, graph 0.05"
  echo "set multiplot layout 1,$nw title 'Energy vs latency: grey every point, red the Pareto front over latency and energy (the two axes drawn; area is not considered), each labelled with its configuration ($(basename "$csv"))'"
  p=0
  while IFS= read -r w; do
    p=$((p + 1))
    echo "set title '$w'"
    # Log axes where the points span more than a decade and a half (a width or depth sweep).
    awk -F'\t' 'NR == 1 { x0 = x1 = $1; y0 = y1 = $2 }
      { if ($1 < x0) x0 = $1; if ($1 > x1) x1 = $1; if ($2 < y0) y0 = $2; if ($2 > y1) y1 = $2 }
      END { print (x0 > 0 && x1 / x0 > 30 ? "set" : "unset"), "logscale x;",
                  (y0 > 0 && y1 / y0 > 30 ? "set" : "unset"), "logscale y" }' "$tmp/pareto_$p"
    echo "plot '$tmp/pareto_$p' using 1:2 with points pt 7 ps 0.7 lc rgb 'gray60' notitle, \\"
    echo "     '$tmp/pareto_$p.front' using 1:2 with steps lw 1 lc rgb 'red' notitle, \\"
    echo "     '$tmp/pareto_$p.front' using 1:2 with points pt 7 ps 1.1 lc rgb 'red' notitle \\"
    # (gnuplot crashes on a label plot with no point, so an empty side is left out.)
    for side in above below; do
      [ -s "$tmp/pareto_$p.$side" ] || continue
      offset=$([ $side = above ] && echo "0.8,0.55" || echo "0.8,-0.55")
      echo "     , '$tmp/pareto_$p.$side' using 1:2:3 with labels left offset $offset font ',8' notitle \\"
    done
    echo ""
  done < "$tmp/workloads"
  echo "unset multiplot"
} > "$tmp/pareto.gp"
run_gnuplot "$tmp/pareto.gp" "$png"
printf '%s\n' "${written[@]}"
