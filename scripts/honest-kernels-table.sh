#!/usr/bin/env bash
# The honest kernels' scores and flags over several training seeds (issue 24's acceptance: the seeds,
# compute-check-bench's two TRM mutants, the TRM seed with T = 2 and the HRM seed with hidden = 32 pass
# every check and score within one SE of the code before issue 24). Runs `evolve eval --training-seed S
# --json` for each kernel and seed, one evaluation at a time, on the default suite with every training
# budget set to TRAIN_FLOPS (default 1.5e11, compute-check-bench's reduced budget; `suite` keeps the
# suite's own budgets; evaluation budgets unchanged), optionally only the benchmark ONLY, and prints per
# kernel the mean ± SE (standard error, n = seeds) of the validation combined score and every integrity
# flag raised. A benchmark figure, never a test.
#
#   scripts/honest-kernels-table.sh [path/to/evolve [seeds [kernel…]]]
#   # default: .build/release/evolve, seeds "1 2 3 4", all six kernels
#   ONLY=sudoku-6x6-minimal TRAIN_FLOPS=suite …   # one benchmark at its full budget (at 1.5e11 every
#   # kernel scores 0.000 on all three benchmarks: no score to compare)
#   PROGRAMS=/path/to/old/checkout/Programs scripts/honest-kernels-table.sh old/evolve   # before/after:
#   # an older evolve needs the seeds of its own kernel API; the binary finds its own TRMKit beside it.
#   RAW=runs.txt …   # also append one line per evaluation (kernel, seed, score, per-benchmark, flags)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/honest-kernels.sh"
honest_kernel_arguments "$root/.build/release/evolve" "$@"
programs="${PROGRAMS:-$root/Programs}"
honest_suite "$programs/suite.yaml" "${TRAIN_FLOPS:-1.5e11}"
honest_kernels "$programs" "$work"

echo "# $evolve; train_flops ${TRAIN_FLOPS:-1.5e11}; benchmarks ${ONLY:-all}; seeds $seeds; $(honest_cpu)"
results="$work/results.tsv"
: > "$results"
for d in "${kernels[@]}"; do
  for seed in $seeds; do
    start=$(date +%s)
    json="$("$evolve" eval "$work/$d" --training-seed "$seed" --json 2>"$work/stderr" || true)"
    line="$(python3 -c '
import json, sys
kernel, seed, seconds = sys.argv[1:4]
try:
    m = json.loads(sys.stdin.read())
except Exception:
    print(f"{kernel}\t{seed}\tnan\tno result\t-\t{seconds}"); sys.exit()
benchmarks = (m.get("metrics") or {}).get("benchmarks") or {}
per = " ".join("%s=%.3f" % (k, v.get("exact_accuracy", float("nan"))) for k, v in sorted(benchmarks.items()))
flags = ",".join(sorted(k[6:] for k in (m.get("artifacts") or {}) if k.startswith("flag: "))) or "-"
score = m.get("combined_score")
score = "nan" if score is None else repr(score)
print("\t".join([kernel, seed, score, per or str(m.get("outcome")), flags, seconds]))
' "$d" "$seed" "$(( $(date +%s) - start ))" <<<"$json")"
    echo "$line" >> "$results"
    [ -z "${RAW:-}" ] || echo "$line" >> "$RAW"
    echo "  $line" >&2
  done
done

python3 - "$results" <<'PY'
import math, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("%-15s %-17s %-3s %-30s %s" % ("kernel", "score mean ± SE", "n", "flags", "wall s (total)"))
for kernel in dict.fromkeys(r[0] for r in rows):
    mine = [r for r in rows if r[0] == kernel]
    scores = [float(r[2]) for r in mine if r[2] != "nan"]
    n = len(scores)
    mean = sum(scores) / n if n else float("nan")
    se = math.sqrt(sum((s - mean) ** 2 for s in scores) / (n - 1) / n) if n > 1 else float("nan")
    flags = sorted({f for r in mine for f in r[4].split(",") if f != "-"})
    missing = len(mine) - n
    print("%-15s %.4f ± %.4f   %-3d %-30s %d%s" % (kernel, mean, se, n, ",".join(flags) or "none",
          sum(int(r[5]) for r in mine), f"  ({missing} without a score)" if missing else ""))
PY
