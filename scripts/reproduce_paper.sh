#!/usr/bin/env bash
# Reproduces the paper's evaluation with nm_sim and writes everything under docs/:
#   docs/table3.txt, docs/table3.json             Table 3 with the simulated row (nm_sim --table3)
#   docs/sweeps/*.csv                              the sweeps of configs/sweeps/
#   docs/plots/*.png                               plots of the PE x buffer sweep, Fig. 4 and the
#                                                  ResNet-50 timeline (nm_sim --trace)
#   docs/plots/paper_latency/*.png                 plots of the DRAM x NoC sweep
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NM_BUILD_DIR:-$root/build}"  # as scripts/build.sh
"$root/scripts/build.sh" >/dev/null
docs="$root/docs"
mkdir -p "$docs/sweeps" "$docs/plots"
"$build/nm_sim" --table3 --json "$docs/table3.json" > "$docs/table3.txt"
for sweep in pe_x_buffers paper_latency fig4_width_depth; do
  rm -f "$docs/sweeps/$sweep.csv"
  "$build/nm_sweep" --sweep "$root/configs/sweeps/$sweep.yaml" --workloads resnet50,bert_base,gcn \
    --out "$docs/sweeps/$sweep.csv"
done
"$root/scripts/plot_sweep.sh" "$docs/sweeps/pe_x_buffers.csv" "$docs/plots" >/dev/null
"$root/scripts/plot_sweep.sh" "$docs/sweeps/paper_latency.csv" "$docs/plots/paper_latency" >/dev/null
trace="$(mktemp --suffix=.json)"; trap 'rm -f "$trace"' EXIT
"$build/nm_sim" --workload resnet50 --trace "$trace" >/dev/null
"$root/scripts/plot_timeline.sh" "$trace" "$docs/plots/timeline_resnet50.png" >/dev/null
"$root/scripts/plot_fig4.sh" "$docs/sweeps/fig4_width_depth.csv" "$docs/plots/fig4_width_depth.png" >/dev/null
echo "written under $docs"
