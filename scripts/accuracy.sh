#!/usr/bin/env bash
# The paper's accuracy experiment (Fig. 3, Table 4) in miniature, end to end and offline: trains a
# ResNet-style CNN, a transformer encoder and a 2-layer GCN on scikit-learn's bundled digits,
# evaluates post- and pre-finetuning NeuralMatrix variants (PWL granularity 0.25 / 0.5 / 1.0,
# uniform and elastic, fp16 and int8) with nm_sim --functional, and PyTorch's emulation of the same
# PWL beside it. Writes OUT/accuracy.csv and OUT/accuracy.md (and the ONNX models and nm_sim runs).
#
# usage: scripts/accuracy.sh [OUT=accuracy_out] [extra accuracy.py options, e.g. --models cnn]
# About 4.5 CPU-minutes, one thread (see the README section "Accuracy ..."). Nothing is downloaded.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NM_BUILD_DIR:-$root/build}"  # as scripts/build.sh
out="${1:-accuracy_out}"
[ $# -gt 0 ] && shift
"$root/scripts/build.sh" nm_sim nm_pwl >/dev/null
# Debian's interpreter: its python3-torch, python3-sklearn and python3-onnx (scripts/setup.sh).
exec /usr/bin/python3 "$root/scripts/accuracy/accuracy.py" --nm-sim "$build/nm_sim" --nm-pwl "$build/nm_pwl" \
  --out "$out" "$@"
