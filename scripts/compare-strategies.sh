#!/usr/bin/env bash
# Runs the same seeds with the same proposer and evaluator under `map-elites` and its two control arms,
# `best-of-n` (every child from a seed, no selection) and `hill-climb` (every child from the best), side by
# side with one process each, stopping all at the same number of selection evaluations (first evaluations
# plus racing repeats: `max_evaluations`), with a wall-clock cap. Then prints for each arm: the seeds'
# scores, the best (mean ± SE over its training seeds), its re-score on fresh training seeds on validation
# and on the held-out test split, evaluations per hour, and the curve that says whether selection helps:
# the best's fresh-seed mean at 10, 20, 40, 60 and 80 selection evaluations (as far as the run went;
# scripts/lib/arm-curve.py) with the run's QD-score and coverage. Unattended. At 80 selection evaluations
# on the default suite, hours per arm: the curve's fresh-seed re-scores (FRESH per checkpoint) add to that.
#   scripts/compare-strategies.sh [selection evaluations=80] [hours cap=4] [seed dir=Programs/]
# EVOLVE_BIN: an evolve binary to use instead of building the release one; FRESH (3): fresh training seeds
# per checkpoint; ARMS: the arms to run (default "map-elites best-of-n hill-climb").
set -euo pipefail
cd "$(dirname "$0")/.."
evaluations="${1:-80}"
hours="${2:-4}"
seed="$(cd "${3:-Programs/}" && pwd)"
arms="${ARMS:-map-elites best-of-n hill-climb}"
fresh="${FRESH:-3}"
source scripts/lib/evolve-bin.sh
# The run's configuration: the first seed's evolve.yaml plus the evaluation limit. Its `suite:` and `brief:`
# are made absolute, since the copy lives elsewhere.
first="$(find "$seed" -name evolve.yaml | sort | head -1)"
config="$EVOLVE_RUNS/compare-$stamp.yaml"
sed -e "s|^suite: *\([^ #]*\)|suite: $(dirname "$first")/\1|" -e "s|^brief: *\([^ #]*\)|brief: $(dirname "$first")/\1|" "$first" >"$config"
# No scale check: at the end of a run it retrains the best and its seed on 3 seeds each at 4× the budget
# (~24 evaluations' time per arm), which this comparison does not report.
printf 'max_evaluations: %s\nscale_check: off\n' "$evaluations" >>"$config"
start=$(date +%s)
for strategy in $arms; do
  "$evolve" run --seed "$seed" --config "$config" --name "compare-$stamp-$strategy" --strategy "$strategy" \
    --hours "$hours" --parallel 1 >"$EVOLVE_RUNS/compare-$stamp-$strategy.out" 2>&1 &
done
wait
echo "compare-strategies: all arms done in $(( ($(date +%s) - start) / 60 )) min; logs in $EVOLVE_RUNS/compare-$stamp-*.out"
for strategy in $arms; do
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
  # The curve: the best a reader would have named at each checkpoint, re-scored on fresh training seeds.
  python3 scripts/lib/arm-curve.py "$EVOLVE_RUNS/$name/evolve.sqlite" "$evolve" --config "$config" --run "$name" \
    --checkpoints 10,20,40,60,80 --fresh "$fresh" >"$EVOLVE_RUNS/$name.curve.jsonl"
  python3 - "$EVOLVE_RUNS/$name.curve.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def fresh(l):
    if l.get("fresh_mean") is None: return "not measured"
    return f"{l['fresh_mean']:.3f}" + (f" ± {l['fresh_se']:.3f}" if l.get("fresh_se") is not None else "") + f" (n {l['fresh_n']})"
for l in lines:
    if l.get("final"):
        print(f"{'':>10}  end ({l['selection_evaluations']} selection evaluations): best {l['best'][:8] if l['best'] else '-'} "
              f"fresh {fresh(l)}; QD-score {l.get('qd_score', '?')}, coverage {l.get('coverage', '?')}")
    else:
        print(f"{'':>10}  at {l['selection_evaluations']:>3}: best {l['best'][:8]} mean {l['mean']:.3f} (n {l['n']}), fresh {fresh(l)}")
PY
done
