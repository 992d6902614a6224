#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh), then configures and builds into build/.
#
# usage: scripts/build.sh [TARGET...]
#   TARGET: nm_sim, nm_sweep, nm_pwl, unit_tests, tlm_tests, regression_tests, onnx_tests; none given: all of
#   them (what scripts/test.sh and CI need). scripts/run.sh builds only nm_sim.
# NM_BUILD_DIR overrides the build directory; NM_BUILD_JOBS the parallel jobs (default: nproc).
# ccache, when installed, is used as the compiler launcher (it is never installed here).
# Progress and timing notes go to stderr; cmake's own output goes to stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NM_BUILD_DIR:-$root/build}"
jobs="${NM_BUILD_JOBS:-$(nproc)}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(all)

"$root/scripts/setup.sh"

launcher=(-UCMAKE_CXX_COMPILER_LAUNCHER)  # drop a launcher cached by an earlier configure
launcher_note="no ccache"
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  launcher_note="ccache"
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null

# A first build's compile cost, measured on a clean clone (g++ 12, Release, 2 jobs, 2026): the
# libraries with nm_sim about 3.5 CPU-minutes; unit_tests, tlm_tests, regression_tests and
# onnx_tests about 7 more. In tenths of a CPU-minute:
names=("${targets[@]}")
[ "${targets[*]}" = all ] && names=(nm_sim nm_sweep nm_pwl unit_tests tlm_tests regression_tests onnx_tests)
missing=()
for t in "${names[@]}"; do [ -e "$build/$t" ] || missing+=("$t"); done
if [ ${#missing[@]} -eq 0 ]; then
  estimate="only what changed since the last build is recompiled (seconds when nothing did)"
else
  cost=0
  [ -e "$build/libnm_tlm.a" ] || cost=35
  case " ${missing[*]} " in *" unit_tests "* | *" tlm_tests "* | *" regression_tests "* | *" onnx_tests "*) cost=$((cost + 70)) ;; esac
  [ $cost -eq 0 ] && cost=5
  estimate="first build of ${missing[*]}: roughly $(((cost + 10 * jobs - 1) / (10 * jobs))) min with $jobs jobs on an idle machine ($((cost / 10)).$((cost % 10)) CPU-minutes of compiling; ccache speeds up rebuilds from scratch)"
fi
echo "build: building ${targets[*]} in $build with $jobs jobs, $launcher_note; $estimate" >&2
start=$SECONDS
cmake --build "$build" -j "$jobs" --target "${targets[@]}"
echo "build: ${targets[*]} up to date after $((SECONDS - start)) s" >&2
