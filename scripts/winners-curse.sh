#!/usr/bin/env bash
# The winner's-curse figure (issue 16): two offline runs of equal evaluation count, one selecting on a
# single evaluation (`repeats: 1`) and one racing over training seeds (the default `repeats`), each
# ending with its best re-scored on 5 fresh training seeds. For each run it prints the best's selection
# score (the mean over the seeds it was selected on, ± SE, n), its mean over the 5 fresh validation
# seeds, the re-run drift (selection − fresh) and the fresh test mean. With racing the drift should be
# within about one standard error; with one evaluation it is the size of a lucky seed.
#   scripts/winners-curse.sh [evaluations=60] [seed dir=Programs/trm] [repeats=3]
# Both runs run side by side with --parallel 1 each. The lead runs it at full size; it takes hours.
# EVOLVE_BIN=path/to/evolve skips the release build (e.g. a debug binary for a quick try).
set -euo pipefail
cd "$(dirname "$0")/.."
evaluations="${1:-60}"
seed="${2:-Programs/trm}"
repeats="${3:-3}"
if [ -n "${EVOLVE_BIN:-}" ]; then
  evolve="$(cd "$(dirname "$EVOLVE_BIN")" && pwd)/$(basename "$EVOLVE_BIN")"
else
  swift build -c release --product evolve >/dev/null
  evolve="$PWD/.build/release/evolve"
fi
export EVOLVE_RUNS="${EVOLVE_RUNS:-$PWD/runs}"
mkdir -p "$EVOLVE_RUNS"
unset EVOLVE_LLM_BASE_URL EVOLVE_LLM_MODEL   # the offline mutator: the same proposer for both arms
stamp="$(date +%Y%m%d-%H%M%S)"
base="$seed/evolve.yaml"
[ -f "$base" ] || { echo "no $base: give a seed directory with an evolve.yaml" >&2; exit 1; }
for arm in 1 "$repeats"; do
  config="$EVOLVE_RUNS/curse-$stamp-r$arm.yaml"
  {
    # The seed's own settings, less the keys this experiment sets.
    grep -Ev '^(repeats|max_evaluations|fresh_seeds|max_iterations):' "$base"
    printf '\nrepeats: %s\nmax_evaluations: %s\nfresh_seeds: 5\n' "$arm" "$evaluations"
  } >"$config"
  # Iterations are not the limit (evaluations are): a generous cap only.
  "$evolve" run --seed "$seed" --config "$config" --name "curse-$stamp-r$arm" --iterations $((evaluations * 10)) --parallel 1 \
    >"$EVOLVE_RUNS/curse-$stamp-r$arm.out" 2>&1 &
done
wait
for arm in 1 "$repeats"; do
  python3 - "$EVOLVE_RUNS/curse-$stamp-r$arm/evolve.sqlite" "$arm" <<'PY'
import json, math, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
best_id = db.execute("select value from meta where key = 'best_program'").fetchone()[0]
score, sd, n, assessment = db.execute("select score, score_sd, score_n, assessment from programs where id = ?", (best_id,)).fetchone()
selections = db.execute("select count(*) from evaluations where kind = 'ordinary' and split = 'validation'").fetchone()[0]
a = json.loads(assessment) if assessment else {}
def stats(s):
    if not s: return "none"
    se = s.get("sd", 0) / math.sqrt(s["n"]) if s.get("sd") is not None else None
    return f"{s['mean']:.4f}" + (f" ± {se:.4f}" if se is not None else "") + f" (n {s['n']})"
se = f" ± {sd / math.sqrt(n):.4f}" if sd is not None else ""
print(f"repeats {sys.argv[2]:>2}: {selections} selection evaluations; best {best_id[:8]} selection {score:.4f}{se} (n {n}); "
      f"fresh validation {stats(a.get('freshValidation'))}; drift {a.get('drift', float('nan')):+.4f}; "
      f"fresh test {stats(a.get('test'))}; flags {a.get('flags', [])}")
PY
done
