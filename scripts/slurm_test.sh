#!/usr/bin/env bash
# The README's Slurm job array on a real (one-node, localhost) Slurm cluster: starts munged,
# slurmctld and slurmd from Debian's slurm-wlm and munge in a scratch directory (own ports, own
# munge socket, nothing system-wide touched), submits scripts/slurm_sweep.sh as a 3-task array from
# the repository root, waits, merges the shards and checks the merged CSV equals a local
# unsharded nm_sweep. Stops what it started.
#
# usage: scripts/slurm_test.sh     (needs build/nm_sweep and build/nm_sim: scripts/build.sh nm_sweep)
# Exit 0 also when it cannot run here (no slurm-wlm/munge and no root to install them): it says
# "skipped" and why. Installs slurm-wlm and munge with apt-get when missing and run as root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for exe in nm_sweep nm_sim; do
  [ -x "$root/build/$exe" ] || { echo "slurm_test: build/$exe missing; run scripts/build.sh nm_sweep" >&2; exit 2; }
done
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "slurm_test: skipped: slurm-wlm and munge are not installed and installing them needs root" >&2
    exit 0
  fi
  "$root/scripts/setup.sh" --slurm >/dev/null
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm_test: skipped: slurmd must run as root to start jobs" >&2
  exit 0
fi

start=$SECONDS
dir="$(mktemp -d /tmp/nm_slurm_test_XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  rm -rf "$dir"
}
trap cleanup EXIT
chmod 755 "$dir"
mkdir -p "$dir/state" "$dir/spool" "$dir/out" "$dir/munge"
chown munge:munge "$dir/munge"

# munge with its own key and socket, so a system munged (if any) is neither used nor disturbed.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
runuser -u munge -- munged --force --key-file="$dir/munge/munge.key" --socket="$socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/seed"
for _ in $(seq 50); do [ -s "$dir/munge/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$dir/munge/munged.pid")")

host="$(hostname -s)"
port=$((20000 + RANDOM % 20000))
cat >"$dir/slurm.conf" <<CONF
ClusterName=nmtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$dir/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$dir/slurmctld.pid")")
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$dir/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$dir/slurmd.pid")")
for _ in $(seq 300); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 0.1
done
sinfo -h -o %T | grep -q idle || { echo "slurm_test: the node never became idle" >&2; cat "$dir"/*.log >&2; exit 1; }
echo "slurm_test: one-node cluster up after $((SECONDS - start)) s" >&2

# The README's command, from the repository root, with absolute output paths.
cd "$root"
sweep=configs/sweeps/pe_x_buffers.yaml
sbatch --wait --array=1-3 --output="$dir/out/%A_%a.log" scripts/slurm_sweep.sh "$sweep" gcn "$dir/out/sweep" >/dev/null ||
  { echo "slurm_test: a job array task failed:" >&2; cat "$dir"/out/*.log >&2; exit 1; }
build/nm_sweep --merge "$dir/out/merged.csv" "$dir"/out/sweep.shard{1,2,3}.csv 2>/dev/null
build/nm_sweep --sweep "$sweep" --workloads gcn --out "$dir/out/local.csv" 2>/dev/null
if ! cmp -s "$dir/out/merged.csv" "$dir/out/local.csv"; then
  echo "slurm_test: FAILED: merged shards differ from the local run" >&2
  diff "$dir/out/merged.csv" "$dir/out/local.csv" | head >&2
  exit 1
fi
echo "slurm_test: 3 array tasks merged equal the local run ($(($(wc -l <"$dir/out/local.csv") - 1)) rows) in $((SECONDS - start)) s" >&2
