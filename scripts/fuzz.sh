#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with clang (ASan + UBSan + fuzzer coverage) in
# build-fuzz/ and runs each one for SECONDS (default 60), one after the other.
#
# usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
#   HARNESS: fuzz_config, fuzz_config_set, fuzz_workload, fuzz_sweep_spec, fuzz_sweep_csv,
#   fuzz_weights, fuzz_onnx, fuzz_npy; none given: all of them.
# Each harness starts from its seeds (the repo's configs/ or workloads/ files, tests/fuzz/seeds/
# and tests/fuzz/regressions/) and keeps what it learns in build-fuzz/corpus/HARNESS, so a later
# run continues from there. A finding (crash, sanitizer report, leak, an input taking more than
# 10 s, or an error message that is not one line) stops that harness, leaves the input as
# build-fuzz/artifacts/HARNESS/crash-* (or leak-*, timeout-*, oom-*) and makes the script exit 1
# after the other harnesses have run. To keep a finding as a regression: fix it, then copy the
# input into tests/fuzz/regressions/HARNESS/ (the normal test suite replays that directory).
# NM_FUZZ_JOBS sets the build's parallel jobs (default: nproc).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
harnesses=("$@")
all=(fuzz_config fuzz_config_set fuzz_workload fuzz_sweep_spec fuzz_sweep_csv fuzz_weights fuzz_onnx fuzz_npy)
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")
case "$seconds" in '' | *[!0-9]*) echo "fuzz: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

"$root/scripts/setup.sh" --fuzz || echo "fuzz: scripts/setup.sh --fuzz could not install everything" >&2
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: skipped: clang++ not found; nothing built or run (scripts/setup.sh --fuzz installs it)" >&2
  exit 0
fi

# The seed directories of each harness (the same lists as NM_FUZZ_SEEDS_* in CMakeLists.txt).
seeds() {
  case "$1" in
    fuzz_config) echo configs configs/energy ;;
    fuzz_workload) echo workloads ;;
    fuzz_sweep_spec) echo configs/sweeps ;;
  esac
  echo "tests/fuzz/seeds/$1" "tests/fuzz/regressions/$1"
}

build="$root/build-fuzz"
jobs="${NM_FUZZ_JOBS:-$(nproc)}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DNM_FUZZ=ON >/dev/null
echo "fuzz: building ${harnesses[*]} in $build with $jobs jobs" >&2
start=$SECONDS
cmake --build "$build" -j "$jobs" --target "${harnesses[@]}"
echo "fuzz: built after $((SECONDS - start)) s; running each harness for $seconds s" >&2

# The harnesses write their scratch files under TMPDIR; keep them in the build directory.
export TMPDIR="$build/tmp"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for h in "${harnesses[@]}"; do
  corpus="$build/corpus/$h"
  artifacts="$build/artifacts/$h"
  mkdir -p "$corpus" "$artifacts" "$TMPDIR"
  dirs=()
  for d in $(seeds "$h"); do [ -d "$root/$d" ] && dirs+=("$root/$d"); done
  log="$build/$h.log"
  echo "fuzz: $h for $seconds s (log $log)" >&2
  if "$build/$h" "$corpus" "${dirs[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1; then
    summary="$(grep -E '^#[0-9]+.*DONE' "$log" | tail -1 || true)"
    execs="$(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}' || true)"
    echo "fuzz: $h: no finding; ${execs:-?} executions; ${summary:-}" >&2
  else
    echo "fuzz: $h: FINDING, see $log and $artifacts:" >&2
    grep -E 'FUZZ FINDING|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$log" | head -5 >&2 || true
    failed+=("$h")
  fi
done
rm -rf "$TMPDIR"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses, $seconds s each, no finding" >&2
