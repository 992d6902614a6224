#!/usr/bin/env bash
# Times nm_sim on each workload: wall time and peak resident memory over several runs.
# usage: scripts/bench.sh [runs=5] [workloads...]   (needs GNU time: Debian package `time`, from setup.sh)
# NM_BENCH_ARGS adds nm_sim arguments to every run, e.g. NM_BENCH_ARGS=--functional.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NM_BUILD_DIR:-$root/build}"  # as scripts/build.sh
"$root/scripts/build.sh" >/dev/null
[ -x /usr/bin/time ] || { echo "bench: GNU time (/usr/bin/time) not found; run scripts/setup.sh" >&2; exit 2; }
runs="${1:-5}"; shift || true
read -r -a extra <<< "${NM_BENCH_ARGS:-}"
workloads=("$@"); [ ${#workloads[@]} -eq 0 ] && workloads=(resnet50 bert_base gcn)
[ ${#extra[@]} -gt 0 ] && echo "nm_sim arguments: ${extra[*]}"
printf "%-10s %5s %10s %10s %10s %12s\n" workload runs "min_s" "median_s" "max_s" "peak_rss_MB"
for w in "${workloads[@]}"; do
  times=(); peak=0
  for ((i = 0; i < runs; i++)); do
    out=$( { /usr/bin/time -f "%e %M" "$build/nm_sim" --workload "$w" "${extra[@]}" >/dev/null; } 2>&1 | tail -1)
    times+=("${out% *}"); kb="${out#* }"; [ "$kb" -gt "$peak" ] && peak=$kb
  done
  sorted=($(printf "%s\n" "${times[@]}" | sort -g))
  printf "%-10s %5d %10s %10s %10s %12.1f\n" "$w" "$runs" "${sorted[0]}" "${sorted[$((runs / 2))]}" \
    "${sorted[$((runs - 1))]}" "$(echo "$peak / 1024" | bc -l)"
done
