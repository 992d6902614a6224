#!/usr/bin/env bash
# Rewrites tests/regression/golden/*.json from the current model. The only way goldens change:
# run it when a model change is intended, and say in the commit message why the figures moved.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NM_BUILD_DIR:-$root/build}"  # as scripts/build.sh
"$root/scripts/build.sh" >/dev/null
NM_REFRESH_GOLDENS=1 "$build/regression_tests" --gtest_filter='Runs/Golden.*'
git -C "$root" diff --stat -- tests/regression/golden
