#!/usr/bin/env bash
# Installs exactly the Debian packages nm_sim needs to build and test; does nothing when all are present.
#   scripts/setup.sh           what build.sh, run.sh and test.sh need
#   scripts/setup.sh --fuzz    also clang and its libFuzzer runtime (scripts/fuzz.sh, the CI fuzz step)
#   scripts/setup.sh --slurm   also slurm-wlm and munge (scripts/slurm_test.sh, the CI Slurm step)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  bc time              # arithmetic and GNU time (wall time, peak memory) in scripts/bench.sh
  libsystemc-dev       # SystemC 2.3.4 kernel + TLM-2.0 headers (hw/tlm, sw/runtime)
  libyaml-cpp-dev      # config and workload YAML loaders
  libfmt-dev           # text formatting of reports and error messages
  libboost-dev         # header-only Boost (boost::hash_combine for mapping memoization)
  nlohmann-json3-dev   # JSON report writer and JSON tests
  libgtest-dev libgmock-dev  # unit, TLM and regression tests
  libonnx-dev libprotobuf-dev  # ONNX model import (sw/frontend): ONNX's protobuf messages
                               # and its C++ shape inference
  python3-onnx python3-numpy  # tests/onnx/make_models.py writes the ONNX test models
  python3-torch python3-torchvision  # ... and exports PyTorch / torchvision models to ONNX
  python3-sklearn      # scripts/accuracy.sh: the bundled handwritten digits (no download) and
                       # their k-nearest-neighbour graph for the GCN
  # Plots (scripts/plot_sweep.sh, plot_fig4.sh, plot_timeline.sh and their tests): installed here,
  # with everything else, because installing at plot time needs root and the network then.
  gnuplot-nox          # PNG rendering (pngcairo terminal), no X11
  jq                   # reads nm_sim --trace JSON in plot_timeline.sh
)
case "${1:-}" in
  --fuzz)
    # scripts/fuzz.sh builds the tests/fuzz harnesses with clang: libFuzzer and the ASan/UBSan
    # runtimes come with libclang-rt-14-dev (g++ has no libFuzzer).
    packages+=(clang libclang-rt-14-dev)
    ;;
  --slurm)
    # scripts/slurm_test.sh runs the job-array script on a one-node cluster on localhost.
    packages+=(slurm-wlm munge)
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
