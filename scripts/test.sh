#!/usr/bin/env bash
# Install what is missing, build, and run every test (unit, SystemC, regression) with ctest.
#   scripts/test.sh              the Release build in build/ (or $NM_BUILD_DIR)
#   scripts/test.sh --sanitize   an AddressSanitizer + UndefinedBehaviorSanitizer build in
#                                build-asan/ (RelWithDebInfo), every test under it
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NM_BUILD_DIR:-$root/build}"  # as scripts/build.sh
if [ "${1:-}" = "--sanitize" ]; then
  "$root/scripts/setup.sh"
  dir="$root/build-asan"
  echo "test: building with -fsanitize=address,undefined into $dir (about 15 minutes on 2 cores the first time)" >&2
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
    >/dev/null
  cmake --build "$dir" -j "$(nproc)"
  # Any report fails the test that produced it; no suppressions. detect_stack_use_after_return
  # stays off: its fake stack frames do not survive SystemC's coroutine stack switches (every
  # SC_THREAD then faults in ASan itself).
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:check_initialization_order=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  cd "$dir"
  ctest --output-on-failure -j "$(nproc)"
  exit 0
fi
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j "$(nproc)"
