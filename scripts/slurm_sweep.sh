#!/usr/bin/env bash
# A Slurm job array that splits one nm_sweep across machines, one shard per array task.
#   sbatch --array=1-8 scripts/slurm_sweep.sh configs/sweeps/pe_x_buffers.yaml resnet50,bert_base,gcn sweep
# Each task writes sweep.shard<I>.csv (and resumes it if the task is re-queued); when all are
# done, join them:   build/nm_sweep --merge sweep.csv sweep.shard*.csv
#SBATCH --job-name=nm_sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
#SBATCH --output=nm_sweep.%A_%a.log
set -euo pipefail
sweep="${1:?usage: slurm_sweep.sh SWEEP.yaml WORKLOADS PREFIX}"
workloads="${2:?usage: slurm_sweep.sh SWEEP.yaml WORKLOADS PREFIX}"
prefix="${3:-sweep}"
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=1-N}"
count="${SLURM_ARRAY_TASK_COUNT:-$SLURM_ARRAY_TASK_MAX}"
# The repository: NM_SIM_ROOT if set; else this script's own checkout when it is run in place;
# else the directory sbatch was run from (Slurm runs a copy of this script from its spool
# directory, so its own path says nothing; the README submits from the repository root).
root="${NM_SIM_ROOT:-}"
if [ -z "$root" ]; then
  for candidate in "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" "${SLURM_SUBMIT_DIR:-}"; do
    if [ -n "$candidate" ] && [ -x "${NM_BUILD_DIR:-$candidate/build}/nm_sweep" ]; then
      root="$candidate"
      break
    fi
  done
fi
if [ -z "$root" ]; then
  echo "slurm_sweep.sh: cannot find build/nm_sweep: submit from the repository root (after scripts/build.sh)" \
    "or set NM_SIM_ROOT=/path/to/nm_sim" >&2
  exit 2
fi
build="${NM_BUILD_DIR:-$root/build}"  # as scripts/build.sh
out="${prefix}.shard${SLURM_ARRAY_TASK_ID}.csv"
resume=(); [ -f "$out" ] && resume=(--resume)
exec "$build/nm_sweep" --sweep "$sweep" --workloads "$workloads" --out "$out" \
  --shard "${SLURM_ARRAY_TASK_ID}/${count}" --jobs "${SLURM_CPUS_PER_TASK:-2}" "${resume[@]}"
