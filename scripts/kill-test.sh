#!/usr/bin/env bash
# Crash-safety of `evolve run`: SIGKILL it at N random moments, `evolve resume` each time, then check
# that the database is intact, git fsck is clean, every evaluated program has its commit (set in the
# database and present in the lineage repository), and no
# evaluation was repeated. Uses a fast command evaluator and the offline mutator, so it needs no LLM.
#   scripts/kill-test.sh [kills=20]
# Worker mode: the run's evaluations go through a private PostgreSQL queue to two `evolve worker`s; most
# kills SIGKILL a worker (a fresh one takes its place, as a requeued Slurm task would), every fourth the
# coordinator (then `evolve resume`, which re-attaches to its jobs). The same checks, plus the queue's:
# every job done by exactly one delivery, none failed, none left running.
#   scripts/kill-test.sh workers [kills=20]     (EVOLVE_BUILD=debug: use the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=run
if [ "${1:-}" = workers ]; then mode=workers; shift; fi
kills="${1:-20}"
# EVOLVE_BUILD=debug reuses the tests' build instead of a release build (slow to make on a small machine).
build="${EVOLVE_BUILD:-release}"
swift build -c "$build" --product evolve >/dev/null
evolve="$PWD/.build/$build/evolve"
work="$(mktemp -d /tmp/evolve-kill-XXXXXX)"
chmod 755 "$work"  # the sandbox user must reach the run's work dirs
worker_pids=()
stop_all() {
  for pid in "${worker_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [ "$mode" = workers ]; then pg_stop; fi
  rm -rf "$work"
}
trap stop_all EXIT
mkdir -p "$work/seed" "$work/runs"
cat > "$work/seed/value.txt" <<'SEED'
# EVOLVE-BLOCK-START
rate = 0.5
width = 16
# EVOLVE-BLOCK-END
SEED
cat > "$work/seed/evolve.yaml" <<'CONFIG'
max_iterations: 100000
parallel: 2
evaluator:
  command: [/bin/sh, -c, 'r=$(grep -o "rate = [0-9.e+-]*" "$1/value.txt" | cut -d" " -f3); w=$(grep -o "width = [0-9]*" "$1/value.txt" | cut -d" " -f3); sleep 0.05; printf "{\"combined_score\": %f}\n" $(echo "1 - ($r - 0.3)^2 - ($w - 24)^2/1000" | bc -l)', sh]
database:
  num_islands: 2
CONFIG
command -v bc >/dev/null || { echo "kill-test: needs bc (apt-get install -y bc)"; exit 1; }
export EVOLVE_RUNS="$work/runs"
queue=()
if [ "$mode" = workers ]; then
  source scripts/private-postgres.sh
  pg_start "$work/pg"
  queue=(--queue env:EVOLVE_QUEUE_URL)
  # Heartbeats every second: a killed worker's job goes back to the queue after six silent seconds.
  start_worker() {
    "$evolve" worker --queue env:EVOLVE_QUEUE_URL --name "w$1" --heartbeat 1 --grace 5 >>"$work/workers.log" 2>&1 &
    worker_pids+=($!)
  }
  start_worker a; start_worker b
fi
"$evolve" run --seed "$work/seed" --name kill "${queue[@]}" >"$work/log" 2>&1 &
pid=$!
live=0
worker_kills=0
for i in $(seq 1 "$kills"); do
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.3, 2.5), 2))')"
  if [ "$mode" = workers ] && [ $((i % 4)) -ne 0 ]; then
    # A worker mid-job (or between jobs): SIGKILL, no chance to give its job back.
    victim=$((RANDOM % ${#worker_pids[@]}))
    kill -9 "${worker_pids[$victim]}" 2>/dev/null || true
    wait "${worker_pids[$victim]}" 2>/dev/null || true
    worker_pids=("${worker_pids[@]:0:$victim}" "${worker_pids[@]:$((victim + 1))}")
    worker_kills=$((worker_kills + 1))
    start_worker "$i"
    echo "kill $i: a worker; $(pg_sql "select count(*) filter (where state = 'done') || ' jobs done, ' || count(*) filter (where state = 'running') || ' running, ' || count(*) filter (where attempts > 1) || ' claimed again' from evolve_jobs")"
    continue
  fi
  # A kill only tests something if it lands on a run that is still working.
  if kill -0 "$pid" 2>/dev/null; then live=$((live + 1)); fi
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "kill $i: $(python3 - "$work/runs/kill/evolve.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("select count(*) from programs").fetchone()[0], "programs,", db.execute("select count(*) from evaluations").fetchone()[0], "evaluations")
PY
)"
  "$evolve" resume kill >>"$work/log" 2>&1 &
  pid=$!
done
if [ "$mode" = workers ]; then
  # Every worker killed in the last six seconds left a job the survivors reap only then.
  sleep 7
fi
# The run would go on for minutes: the last resume gets a moment to work, then the stop file ends it
# cleanly (in-flight evaluations finish; the best is re-scored).
sleep 2
touch "$work/runs/kill/STOP"
wait "$pid" || true
if [ "$mode" = workers ]; then
  for pid in "${worker_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${worker_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  worker_pids=()
  "$evolve" inspect workers --queue env:EVOLVE_QUEUE_URL --stale 6 | tail -4
  echo "worker kills: $worker_kills; coordinator kills: $((kills - worker_kills))"
  q_done="$(pg_sql "select count(*) from evolve_jobs where state = 'done'")"
  q_again="$(pg_sql "select count(*) from evolve_jobs where attempts > 1")"
  q_failed="$(pg_sql "select count(*) from evolve_jobs where state = 'failed'")"
  q_open="$(pg_sql "select count(*) from evolve_jobs where state in ('running', 'queued')")"
  echo "queue: $q_done jobs done, $q_again of them claimed again after a kill, $q_failed failed, $q_open queued or running"
  # A job left queued is one the stopped coordinator no longer waits for (its evaluation is redone on resume
  # under the same id); one failed means a job lost its worker three times: neither loses a program, but say it.
  live=$((live + worker_kills))
fi
echo "kills that landed on a live run: $live of $kills"
echo "last lines of the runs' output:"; tail -5 "$work/log"
python3 - "$work/runs/kill/evolve.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ok = db.execute("pragma integrity_check").fetchone()[0]
print("integrity_check:", ok)
missing = db.execute("select count(*) from programs where status in ('evaluated','failed','rejected') and commit_id is null").fetchone()[0]
# Racing evaluates a program several times, each with its own training seed: a seed used twice for one
# program is an evaluation repeated; so is a race beyond its target.
repeated = db.execute("select count(*) from (select program_id, training_seed, count(*) c from evaluations group by program_id, training_seed having c > 1)").fetchone()[0]
repeated += db.execute("select count(*) from programs where migrated_from is null and score_n > max(3, race_target)").fetchone()[0]
unfinished = db.execute("select count(*) from programs where status in ('queued','evaluating')").fetchone()[0]
total = db.execute("select count(*) from programs").fetchone()[0]
print(f"programs {total}, without commit {missing}, evaluated twice {repeated}, unfinished {unfinished}")
if total < 10:
    print("too few programs: the run made no progress between kills (see the log above)")
sys.exit(0 if ok == "ok" and missing == 0 and repeated == 0 and total >= 10 else 1)
PY
# A commit id in the database must name a commit the lineage holds (a crash between the two writes is
# repaired on resume), not just be set.
python3 - "$work/runs/kill/evolve.sqlite" <<'PY' >"$work/commit-ids"
import sqlite3, sys
for (commit,) in sqlite3.connect(sys.argv[1]).execute("select commit_id from programs where commit_id is not null"):
    print(commit + "^{commit}")
PY
absent="$(git -C "$work/runs/kill/lineage" cat-file --batch-check <"$work/commit-ids" | grep -v ' commit ' || true)"
echo "commit ids in the database: $(wc -l <"$work/commit-ids"), absent from the lineage: $(printf '%s' "$absent" | grep -c . || true)"
if [ -n "$absent" ]; then echo "kill-test: commits the database names but the lineage lacks:"; echo "$absent" | head; exit 1; fi
git -C "$work/runs/kill/lineage" fsck --strict 2>&1 | grep -v '^dangling' || true
if git -C "$work/runs/kill/lineage" fsck --strict 2>&1 | grep -qE '^(error|fatal)'; then echo "git fsck: errors"; exit 1; fi
echo "git fsck: clean"
if [ "$live" -lt "$kills" ]; then
  echo "kill-test: only $live of $kills kills hit a live run (the run finished first); raise max_iterations"; exit 1
fi
