#!/usr/bin/env bash
# Runs the same seeds with the same proposer and evaluator under `map-elites` and under `best-of-n` (the
# control arm: every child from a seed, no selection), side by side with one core each, stopping both at the
# same number of selection evaluations (first evaluations plus racing repeats: `max_evaluations`), with a
# wall-clock cap. Then prints for each arm: the seeds' scores, the best (mean ± SE over its training seeds),
# its re-score on fresh training seeds on validation and on the held-out test split, and evaluations per hour.
# Unattended. At the defaults (16 selection evaluations, default suite) about 45 minutes on 2 cores, the
# fresh-seed re-score of each best included.
#   scripts/compare-strategies.sh [selection evaluations=16] [hours cap=0.75] [seed dir=Programs/]
set -euo pipefail
cd "$(dirname "$0")/.."
evaluations="${1:-16}"
hours="${2:-0.75}"
seed="$(cd "${3:-Programs/}" && pwd)"
swift build -c release --product evolve >/dev/null
evolve="$PWD/.build/release/evolve"
export EVOLVE_RUNS="${EVOLVE_RUNS:-$PWD/runs}"
mkdir -p "$EVOLVE_RUNS"
stamp="$(date +%Y%m%d-%H%M%S)"
# The run's configuration: the first seed's evolve.yaml plus the evaluation limit. Its `suite:` is made
# absolute, since the copy lives elsewhere.
first="$(find "$seed" -name evolve.yaml | sort | head -1)"
config="$EVOLVE_RUNS/compare-$stamp.yaml"
sed "s|^suite: *\([^ #]*\)|suite: $(dirname "$first")/\1|" "$first" >"$config"
printf 'max_evaluations: %s\n' "$evaluations" >>"$config"
start=$(date +%s)
for strategy in map-elites best-of-n; do
  "$evolve" run --seed "$seed" --config "$config" --name "compare-$stamp-$strategy" --strategy "$strategy" \
    --hours "$hours" --parallel 1 >"$EVOLVE_RUNS/compare-$stamp-$strategy.out" 2>&1 &
done
wait
echo "compare-strategies: both arms done in $(( ($(date +%s) - start) / 60 )) min; logs in $EVOLVE_RUNS/compare-$stamp-*.out"
for strategy in map-elites best-of-n; do
  name="compare-$stamp-$strategy"
  "$evolve" inspect best "$name" --json >"$EVOLVE_RUNS/$name.best.json"
  python3 - "$EVOLVE_RUNS/$name/evolve.sqlite" "$strategy" "$EVOLVE_RUNS/$name.best.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
best = json.load(open(sys.argv[3]))
state = json.loads(db.execute("select value from meta where key = 'run.loop'").fetchone()[0])
def mean(pid):
    row = db.execute("select score, score_sd, score_n from programs where id = ?", (pid,)).fetchone()
    return f"{row[0]:.3f}" + (f" ± {row[1] / row[2] ** 0.5:.3f} (n {row[2]})" if row[2] and row[2] > 1 and row[1] is not None else " (n 1)")
seeds = ", ".join(mean(s) for s in state["seedIDs"])
selection = db.execute("select count(*) from evaluations where kind = 'ordinary' and split = 'validation'").fetchone()[0]
everything = db.execute("select count(*) from evaluations").fetchone()[0]
hours = state["elapsedBefore"] / 3600
program = best["program"]
def stat(d):
    return f"{d['mean']:.3f} ± {d['se']:.3f} (n {d['n']})" if d else "not measured"
print(f"{sys.argv[2]:>10}: seeds {seeds}")
print(f"{'':>10}  best {program['validation_score']:.3f} ± {program.get('validation_se', 0):.3f} "
      f"(n {program['validation_evaluations']}); fresh validation {stat(best.get('fresh_validation'))}; "
      f"held-out test {stat(best.get('test'))}; flags {best.get('flags') or 'none'}")
print(f"{'':>10}  {selection} selection evaluations ({everything} with control, test and fresh-seed runs) "
      f"in {hours * 60:.1f} min: {selection / max(hours, 1e-9):.0f} selection evaluations/h on one core")
PY
done
