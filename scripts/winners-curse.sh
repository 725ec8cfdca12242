#!/usr/bin/env bash
# The winner's-curse figure (issue 16): two offline runs of equal evaluation count, one selecting on a
# single evaluation (`repeats: 1`) and one racing over training seeds (the default `repeats`), each
# ending with its best re-scored on 5 fresh training seeds. For each run it prints the best's selection
# score (the mean over the seeds it was selected on, ± SE, n), its mean over the 5 fresh validation
# seeds, the re-run drift (selection − fresh) and the fresh test mean. With racing the drift should be
# within about one standard error; with one evaluation it is the size of a lucky seed.
#   scripts/winners-curse.sh [evaluations=60] [seed dir=Programs/trm] [repeats=3] [arms=single,raced]
# Arms: `single` (repeats 1), `raced` (`repeats`, races end once decided: the default rule) and
# `raced-full` (`repeats`, `end_decided_races: false`: every race runs to `repeats`, the rule before
# issue 26). `raced,raced-full` checks that ending decided races keeps the best's drift within one SE
# of the full races' at equal evaluations (and shows how many more children the saved seeds bought).
# The arms run side by side with --parallel 1 each. The lead runs it at full size; it takes hours.
# EVOLVE_BIN=path/to/evolve skips the release build (e.g. a debug binary for a quick try).
set -euo pipefail
cd "$(dirname "$0")/.."
evaluations="${1:-60}"
seed="${2:-Programs/trm}"
repeats="${3:-3}"
IFS=, read -r -a arms <<<"${4:-single,raced}"
for arm in "${arms[@]}"; do
  case "$arm" in single|raced|raced-full) ;; *) echo "unknown arm $arm: use single, raced or raced-full" >&2; exit 1 ;; esac
done
source scripts/lib/evolve-bin.sh
base="$seed/evolve.yaml"
[ -f "$base" ] || { echo "no $base: give a seed directory with an evolve.yaml" >&2; exit 1; }
for arm in "${arms[@]}"; do
  config="$EVOLVE_RUNS/curse-$stamp-$arm.yaml"
  count="$repeats"; ends=true
  [ "$arm" = single ] && count=1
  [ "$arm" = raced-full ] && ends=false
  {
    # The seed's own settings, less the keys this experiment sets.
    grep -Ev '^(repeats|max_evaluations|fresh_seeds|max_iterations|end_decided_races):' "$base"
    printf '\nrepeats: %s\nend_decided_races: %s\nmax_evaluations: %s\nfresh_seeds: 5\n' "$count" "$ends" "$evaluations"
  } >"$config"
  # Iterations are not the limit (evaluations are): a generous cap only.
  "$evolve" run --seed "$seed" --config "$config" --name "curse-$stamp-$arm" --iterations $((evaluations * 10)) --parallel 1 \
    >"$EVOLVE_RUNS/curse-$stamp-$arm.out" 2>&1 &
done
wait
for arm in "${arms[@]}"; do
  python3 - "$EVOLVE_RUNS/curse-$stamp-$arm/evolve.sqlite" "$arm" <<'PY'
import json, math, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
best_id = db.execute("select value from meta where key = 'best_program'").fetchone()[0]
score, sd, n, assessment = db.execute("select score, score_sd, score_n, assessment from programs where id = ?", (best_id,)).fetchone()
selections = db.execute("select count(*) from evaluations where kind = 'ordinary' and split = 'validation'").fetchone()[0]
children = db.execute("select count(*) from programs where parents != '[]' and migrated_from is null").fetchone()[0]
a = json.loads(assessment) if assessment else {}
def stats(s):
    if not s: return "none"
    se = s.get("sd", 0) / math.sqrt(s["n"]) if s.get("sd") is not None else None
    return f"{s['mean']:.4f}" + (f" ± {se:.4f}" if se is not None else "") + f" (n {s['n']})"
se = f" ± {sd / math.sqrt(n):.4f}" if sd is not None else ""
print(f"{sys.argv[2]:>10}: {selections} selection evaluations, {children} children; best {best_id[:8]} selection {score:.4f}{se} (n {n}); "
      f"fresh validation {stats(a.get('freshValidation'))}; drift {a.get('drift', float('nan')):+.4f}; "
      f"fresh test {stats(a.get('test'))}; flags {a.get('flags', [])}")
PY
done
