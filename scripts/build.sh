#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh), then configures and builds into build/.
#
# usage: scripts/build.sh [TARGET...]
#   TARGET: nm_sim, nm_sweep, nm_pwl, unit_tests, tlm_tests, regression_tests; none given: all of
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

# Rough compile cost of a first build in CPU-minutes, measured at -j1 (2026, Release, g++):
# the libraries and nm_sim are about 5, everything (three test binaries included) about 15.
if [ -e "$build/libnm_sw.a" ]; then
  estimate="only what changed since the last build is recompiled (seconds when nothing did)"
else
  cpu_min=15
  [ "${targets[*]}" = "nm_sim" ] && cpu_min=5
  estimate="first build: roughly $(((cpu_min + jobs - 1) / jobs)) min with $jobs jobs ($cpu_min CPU-minutes; faster with ccache on a rebuild)"
fi
echo "build: building ${targets[*]} in $build with $jobs jobs, $launcher_note; $estimate" >&2
start=$SECONDS
cmake --build "$build" -j "$jobs" --target "${targets[@]}"
echo "build: ${targets[*]} up to date after $((SECONDS - start)) s" >&2
