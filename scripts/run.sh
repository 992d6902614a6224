#!/usr/bin/env bash
# The main job: install what is missing, build nm_sim (only nm_sim: the tests are built by
# scripts/test.sh), and run it. Arguments go to nm_sim (default: --workload bert_base).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh" nm_sim >&2
[ $# -eq 0 ] && set -- --workload bert_base
exec "${NM_BUILD_DIR:-$root/build}/nm_sim" "$@"
