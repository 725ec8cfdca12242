#!/usr/bin/env bash
# Throughput of the search (issue 26): the same offline run of a fixed number of children of the default
# suite, once per arm, one arm after the other with both cores busy (--parallel 2), and for each arm:
#   children decided per hour (a child is decided when it is stopped, rejected or failed, or evaluated
#   with its race settled), evaluations per hour, CPU s per evaluation, and evolve's own CPU share (its
#   process alone, not the candidates, as a share of one core over the wall time).
# Rates are over the children's window (from the first child's proposal to the last evaluation), so the
# seed's own evaluations, which both arms pay alike, do not dilute them; the whole run's wall time is printed too.
#   scripts/throughput.sh [children=8] [seed dir=Programs/hrm] [arms=off,on]
# Arms: `baseline` is the behaviour when issue 26 was filed: `off`'s keys, and TRMKit with the issue's speed
# merges taken back out (THROUGHPUT_SPEED_MERGES, reverted on a copy of Sources/TRMKit and given to evolve
# as EVOLVE_TRMKIT_SOURCES; predictions are bit-identical, so both arms make the same children); `off` is
# today's TRMKit with the search mechanisms of issue 26 off (`early_stop: off`, `end_decided_races: false`:
# every child runs the whole suite, every race runs to `repeats`); `on` turns both on (the defaults);
# `shadow` runs every child to the end and prints how many it would have stopped and how many of those
# became contenders or cell elites anyway (the false stops).
# The value function needs finished evaluations to fit on: a short run lowers `early_stop_min_finished`
# to THROUGHPUT_MIN_FINISHED (default 5: the seed's 3 repeats and the first children), which a night's run
# would not (default 20). `fresh_seeds: 0` (the best's end-of-run re-scoring is the same in both arms).
# With the defaults it takes ~20–30 min on a 2-core machine; 2–3 children make a smoke run.
# EVOLVE_BIN=path/to/evolve skips the release build; THROUGHPUT_PARALLEL changes --parallel (default 2);
# EVOLVE_TARGET_CPU=znver3 measures TRMKit's AVX2 path on an AVX-512 machine (docs/cli.md).
set -euo pipefail
cd "$(dirname "$0")/.."
children="${1:-8}"
seed="${2:-Programs/hrm}"
IFS=, read -r -a arms <<<"${3:-off,on}"
parallel="${THROUGHPUT_PARALLEL:-2}"
min_finished="${THROUGHPUT_MIN_FINISHED:-5}"
for arm in "${arms[@]}"; do
  case "$arm" in baseline|off|on|shadow) ;; *) echo "unknown arm $arm: use baseline, off, on or shadow" >&2; exit 1 ;; esac
done
# The issue's speed merges of TRMKit, newest first (each is reverted against its first parent), after the
# later commits that rework their code (27d1730 folds the fourth pass's two tile constructions into one), so
# that every revert applies to the tree it was made on.
speed_merges="${THROUGHPUT_SPEED_MERGES:-27d1730 0e06a0e f90ace8 3b0ed51 21a7813}"
source scripts/lib/evolve-bin.sh
[ -f "$seed/evolve.yaml" ] || { echo "no $seed/evolve.yaml: give a seed directory with an evolve.yaml" >&2; exit 1; }
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
grep -q avx512f /proc/cpuinfo && isa="avx512f" || isa="no avx512f"
# EVOLVE_TARGET_CPU (e.g. znver3) runs every arm on TRMKit's AVX2 path of an AVX-512 machine.
isa="$isa; TRMKit and candidates built for ${EVOLVE_TARGET_CPU:-native}"
echo "throughput: $children children of $seed per arm, --parallel $parallel, on $cpu ($isa), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

for arm in "${arms[@]}"; do
  name="throughput-$stamp-$arm"
  # A copy of the seed's folder (its `suite:` is relative: copy the parent) with this arm's keys.
  work="$EVOLVE_RUNS/$name-seed"
  mkdir -p "$work"
  cp -R "$(dirname "$seed")/." "$work/"
  config="$work/$(basename "$seed")/evolve.yaml"
  mode="$arm"; ends=true; trmkit=(env)
  case "$arm" in off) ends=false ;; baseline) mode=off; ends=false ;; esac
  if [ "$arm" = baseline ]; then
    # Outside any git work tree: `git apply` run inside one only patches paths under the current folder.
    tree="$(mktemp -d /tmp/evolve-throughput-trmkit.XXXXXX)"
    trap 'rm -rf "$tree"' EXIT
    git archive HEAD Sources/TRMKit | tar -x -C "$tree"
    for merge in $speed_merges; do
      git diff "$merge^1" "$merge" -- Sources/TRMKit | (cd "$tree" && git apply -R) \
        || { echo "baseline: cannot take merge $merge back out of Sources/TRMKit" >&2; exit 1; }
    done
    trmkit=(env "EVOLVE_TRMKIT_SOURCES=$tree/Sources/TRMKit")
  fi
  {
    grep -Ev '^(end_decided_races|fresh_seeds|random_seed|evaluator):' "$seed/evolve.yaml"
    printf '\nend_decided_races: %s\nfresh_seeds: 0\nrandom_seed: 42\n' "$ends"
    printf 'evaluator:\n  early_stop: %s\n  early_stop_min_finished: %s\n' "$mode" "$min_finished"
  } >"$config"
  start=$(date +%s.%N)
  "${trmkit[@]}" "$evolve" run --seed "$work/$(basename "$seed")" --name "$name" --iterations "$children" --parallel "$parallel" \
    >"$EVOLVE_RUNS/$name.out" 2>&1 &
  pid=$!
  # evolve's own CPU (utime + stime of its process, not its children's), read until it exits.
  ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    now=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "$ticks")
    ticks=$now
    sleep 1
  done
  wait "$pid" || { echo "$arm: evolve run failed; see $EVOLVE_RUNS/$name.out" >&2; tail -5 "$EVOLVE_RUNS/$name.out" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 - "$EVOLVE_RUNS/$name/evolve.sqlite" "$arm" "$start" "$end" "$ticks" "$(getconf CLK_TCK)" "$EVOLVE_RUNS/throughput-$stamp.rates" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
arm, start, end, ticks, hz = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
kids = db.execute("select id, status, race_target, created from programs where parents != '[]' and migrated_from is null").fetchall()
if not kids:
    sys.exit(f"{arm}: the run made no children")
first_child = min(k[3] for k in kids)
last_eval = db.execute("select max(created) from evaluations").fetchone()[0]
window = max(last_eval - first_child, 1.0)
decided = sum(1 for _, status, target, _ in kids if status in ("stopped", "rejected", "failed") or (status == "evaluated" and target == 0))
stopped = sum(1 for k in kids if k[1] == "stopped")
evals = db.execute("select metrics, created from evaluations").fetchall()
in_window = [e for e in evals if e[1] >= first_child]
def cpu(metrics):
    if not metrics: return 0.0
    return sum(b.get("cpuSeconds", 0) for b in json.loads(metrics).get("benchmarks", {}).values())
cpu_window = sum(cpu(m) for m, _ in in_window)
wall = end - start
own = ticks / hz
shadow = db.execute("select count(distinct program_id) from early_stops where mode = 'shadow'").fetchone()[0]
false_stops = db.execute("""select count(distinct e.program_id) from early_stops e join programs p on p.id = e.program_id
    where e.mode = 'shadow' and (p.score >= e.bar or p.score_n > 1 or exists (select 1 from cells c where c.program_id = p.id))""").fetchone()[0]
print(f"{arm:>6}: {len(kids)} children, {decided} decided ({stopped} stopped), {len(evals)} evaluations ({len(in_window)} in the children's window of {window/60:.1f} min; run {wall/60:.1f} min)")
print(f"{arm:>6}: {decided / window * 3600:.1f} children decided/h, {len(in_window) / window * 3600:.1f} evaluations/h, "
      f"{cpu_window / max(len(in_window), 1):.1f} CPU s per evaluation (candidates' scored runs), "
      f"evolve's own CPU {own:.1f} s = {100 * own / wall:.1f}% of a core")
with open(sys.argv[7], "a") as rates:
    rates.write(f"{arm} {decided / window * 3600}\n")
if arm == "shadow":
    print(f"{arm:>6}: would have stopped {shadow} children; {false_stops} of them became contenders or cell elites (false stops)")
PY
done
# Children decided per hour against the first arm's (the baseline of the comparison), all from this run.
python3 - "$EVOLVE_RUNS/throughput-$stamp.rates" <<'PY'
import sys
rates = [line.split() for line in open(sys.argv[1])]
first, base = rates[0][0], float(rates[0][1])
for arm, rate in rates[1:]:
    print(f"{arm:>8}: {float(rate) / base:.2f}x the children decided per hour of {first}")
PY
