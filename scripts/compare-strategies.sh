#!/usr/bin/env bash
# Runs the same seeds with the same proposer and evaluator under `map-elites` and under `best-of-n` (the
# control arm: every child from a seed, no selection) for the same number of iterations, side by side,
# then prints for each: the seeds' scores, the best validation score reached, its held-out test score,
# evaluations per hour. Unattended; takes about half an hour at the defaults on 2 cores.
#   scripts/compare-strategies.sh [iterations=60] [seed dir=Programs/]
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-60}"
seed="${2:-Programs/}"
swift build -c release --product evolve >/dev/null
evolve="$PWD/.build/release/evolve"
export EVOLVE_RUNS="${EVOLVE_RUNS:-$PWD/runs}"
stamp="$(date +%Y%m%d-%H%M%S)"
for strategy in map-elites best-of-n; do
  "$evolve" run --seed "$seed" --name "compare-$stamp-$strategy" --strategy "$strategy" --iterations "$iterations" --parallel 1 \
    >"$EVOLVE_RUNS/compare-$stamp-$strategy.out" 2>&1 &
done
wait
for strategy in map-elites best-of-n; do
  python3 - "$EVOLVE_RUNS/compare-$stamp-$strategy/evolve.sqlite" "$strategy" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
state = json.loads(db.execute("select value from meta where key = 'run.loop'").fetchone()[0])
seeds = state["seedIDs"]
def score(pid):
    row = db.execute("select score, test_metrics from programs where id = ?", (pid,)).fetchone()
    return row[0], (json.loads(row[1]) if row[1] else None)
seed_scores = [score(s)[0] for s in seeds]
# The run's best is the store's (racing: a confirmed program), not the highest mean of any program.
kept = db.execute("select value from meta where key = 'best_program'").fetchone()
best = db.execute("select id, score, test_metrics from programs where id = ?", (kept[0],)).fetchone() if kept else \
    db.execute("select id, score, test_metrics from programs where status = 'evaluated' and score is not null order by score desc limit 1").fetchone()
evaluations = db.execute("select count(*) from evaluations where kind = 'ordinary' and split = 'validation'").fetchone()[0]
flagged = db.execute("select count(*) from evaluations where kind = 'control' and artifacts like '%flagged%'").fetchone()[0]
hours = state["elapsedBefore"] / 3600
test = json.loads(best[2]) if best[2] else None
def combined(m):
    if m is None: return None
    b = m.get("benchmarks", {})
    return sum(v["exactAccuracy"] for v in b.values()) / len(b) if b else m.get("values", {}).get("combined_score")
print(f"{sys.argv[2]:>10}: seeds {seed_scores}; best {best[1]:.4f} (held-out test {combined(test)}); "
      f"{evaluations} evaluations in {hours*60:.1f} min ({evaluations/max(hours,1e-9):.0f}/h); {flagged} flagged by the control")
PY
done
