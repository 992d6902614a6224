#!/usr/bin/env bash
# The main job: install what is missing, build, and run nm_sim. Arguments go to nm_sim
# (default: --workload bert_base).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh" >&2
[ $# -eq 0 ] && set -- --workload bert_base
exec "$root/build/nm_sim" "$@"
