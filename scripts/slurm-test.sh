#!/usr/bin/env bash
# A real single-node Slurm in front of `evolve worker`: installs Debian's slurm-wlm and munge when missing,
# starts munged, slurmctld and slurmd by hand (no systemd; proctrack/linuxproc, no cgroups; this host the
# only node, everything under one temporary directory), starts a private PostgreSQL, submits
# scripts/slurm-worker.sbatch as a 2-task array, runs a short `evolve run --queue` (a command evaluator
# sleeping 0.3 s, the offline mutator) to completion through those workers, stops the array with SIGTERM as
# Slurm does at a time limit, checks the run, then stops everything it started. Prints how long each part took.
#   scripts/slurm-test.sh [iterations=12]
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-12}"
t0=$(date +%s.%N)
since() { printf '%.1f s' "$(echo "$(date +%s.%N) - $1" | bc -l)"; }

EVOLVE_EXTRA_PACKAGES="postgresql slurm-wlm munge bc" scripts/setup.sh --deps-only
swift build --product evolve >/dev/null
evolve="$PWD/.build/debug/evolve"
t_ready=$(date +%s.%N)

work="$(mktemp -d /tmp/evolve-slurm-XXXXXX)"
chmod 755 "$work"   # the sandbox's uid and the postgres user must reach their parts of it
source scripts/private-postgres.sh
pids=()
cleanup() {
  local status=$?
  [ -n "${array:-}" ] && scancel "$array" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; done
  pg_stop
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# munge: a key and a socket of this script's own, so a munged the host already runs is not touched.
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$work/munge"; chmod 711 "$work/munge"; chmod 400 "$work/munge/munge.key"
setpriv --reuid munge --regid munge --init-groups -- /usr/sbin/munged --force --foreground \
  --key-file="$work/munge/munge.key" --socket="$work/munge/socket" --pid-file="$work/munge/pid" \
  --seed-file="$work/munge/seed" --log-file="$work/munge/log" >"$work/munge/out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/munge/socket" ] && break; sleep 0.1; done

host="$(hostname -s)"
mkdir -p "$work/state" "$work/spool"
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=evolvetest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do sinfo -h -o %T 2>/dev/null | grep -qx idle && break; sleep 0.2; done
if ! sinfo -h -o %T | grep -qx idle; then
  echo "slurm-test: the node did not come up idle; last lines of the daemons' logs:"
  tail -5 "$work/slurmctld.log" "$work/slurmd.log" "$work/slurmctld.out" "$work/slurmd.out" 2>/dev/null; exit 1
fi
t_slurm=$(date +%s.%N)

pg_start "$work/pg"
mkdir -p "$work/seed" "$work/runs"
cat >"$work/seed/value.txt" <<'SEED'
# EVOLVE-BLOCK-START
rate = 0.5
width = 16
# EVOLVE-BLOCK-END
SEED
cat >"$work/seed/evolve.yaml" <<CONFIG
max_iterations: $iterations
parallel: 2
evaluator:
  command: [/bin/sh, -c, 'r=\$(grep -o "rate = [0-9.e+-]*" "\$1/value.txt" | cut -d" " -f3); sleep 0.3; printf "{\"combined_score\": %f}\n" \$(echo "1 - (\$r - 0.3)^2" | bc -l)', sh]
database:
  num_islands: 2
CONFIG

# The array: one worker per core, logs in the work directory.
array=$(EVOLVE="$evolve" sbatch --parsable --array=0-$(( $(nproc) - 1 )) --time=00:20:00 \
  --output="$work/worker-%a.log" scripts/slurm-worker.sbatch)
for _ in $(seq 150); do [ "$(squeue -h -j "$array" -t RUNNING | wc -l)" -ge "$(nproc)" ] && break; sleep 0.2; done
echo "slurm-test: array $array: $(squeue -h -j "$array" -t RUNNING | wc -l) worker task(s) running"
t_submitted=$(date +%s.%N)

EVOLVE_RUNS="$work/runs" "$evolve" run --seed "$work/seed" --name slurm --queue env:EVOLVE_QUEUE_URL >"$work/run.log" 2>&1 \
  || { echo "slurm-test: evolve run failed:"; tail -20 "$work/run.log"; exit 1; }
t_run=$(date +%s.%N)
"$evolve" inspect workers --queue env:EVOLVE_QUEUE_URL

# As at a time limit: SIGTERM to each task's batch shell (the worker), which exits 0 within its grace.
scancel --batch --signal=TERM "$array"
for _ in $(seq 150); do [ -z "$(squeue -h -j "$array")" ] && break; sleep 0.2; done
t_stopped=$(date +%s.%N)
left="$(squeue -h -j "$array" | wc -l)"
# Slurm keeps finished jobs' records for MinJobAge (300 s): each task's exit status after the SIGTERM.
exits="$(scontrol -o show job "$array" | grep -o 'ExitCode=[0-9:]*' | sort | uniq -c | xargs)"
array_done="$array"; array=""

jobs_done="$(pg_sql "select count(*) from evolve_jobs where state = 'done'")"
by_worker="$(pg_sql "select worker || ': ' || count(*) from evolve_jobs where state = 'done' group by worker order by worker" | paste -sd, -)"
not_slurm="$(pg_sql "select count(*) from evolve_jobs where worker not like 'slurm-$array_done-%'")"
unfinished="$(pg_sql "select count(*) from evolve_jobs where state <> 'done'")"
stopped_ok="$(grep -l 'stopped after' "$work"/worker-*.log | wc -l)"
python3 - "$work/runs/slurm/evolve.sqlite" "$iterations" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ok = db.execute("pragma integrity_check").fetchone()[0]
evaluations = db.execute("select count(*) from evaluations").fetchone()[0]
repeated = db.execute("select count(*) from (select program_id, training_seed, count(*) c from evaluations group by program_id, training_seed having c > 1)").fetchone()[0]
unfinished = db.execute("select count(*) from programs where status in ('queued','evaluating')").fetchone()[0]
print(f"run: integrity_check {ok}, {evaluations} evaluations, repeated {repeated}, unfinished programs {unfinished}")
sys.exit(0 if ok == "ok" and evaluations > int(sys.argv[2]) // 2 and repeated == 0 and unfinished == 0 else 1)
PY
git -C "$work/runs/slurm/lineage" fsck --strict 2>&1 | grep -qE '^(error|fatal)' && { echo "slurm-test: git fsck errors"; exit 1; }
echo "queue: $jobs_done jobs done ($by_worker), $not_slurm by a worker outside the array, $unfinished not done"
echo "array: $stopped_ok of $(nproc) workers logged a clean stop after SIGTERM (tasks' $exits); $left task(s) left in squeue"
for log in "$work"/worker-*.log; do echo "  $(basename "$log"): $(tail -1 "$log")"; done
echo "time: $(since "$t0") in all, of which checking the install and the build $(printf '%.1f' "$(echo "$t_ready - $t0" | bc -l)") s; Slurm up $(printf '%.1f' "$(echo "$t_slurm - $t_ready" | bc -l)") s," \
  "PostgreSQL + array running $(printf '%.1f' "$(echo "$t_submitted - $t_slurm" | bc -l)") s," \
  "evolve run ($iterations iterations) $(printf '%.1f' "$(echo "$t_run - $t_submitted" | bc -l)") s," \
  "array stopped $(printf '%.1f' "$(echo "$t_stopped - $t_run" | bc -l)") s; all but install and build $(printf '%.1f' "$(echo "$t_stopped - $t_ready" | bc -l)") s"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "cpu: $cpu, $(nproc) cores, $(grep -qw avx512f /proc/cpuinfo && echo avx512f || echo 'no avx512f')"
[ "$jobs_done" -gt 0 ] && [ "$not_slurm" = 0 ] && [ "$exits" = "$(nproc) ExitCode=0:0" ] && [ "$unfinished" = 0 ] && [ "$left" = 0 ] && [ "$stopped_ok" = "$(nproc)" ] \
  || { echo "slurm-test: FAILED (see above)"; exit 1; }
echo "slurm-test: passed"
