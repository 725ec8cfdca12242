#!/usr/bin/env bash
# Measures what honest kernels score after 1% of the training budget (the learning control's honest
# maximum, docs/candidate-protocol.md "Learning control"): the seeds, compute-check-bench's two TRM mutants
# (hidden 128, attention), the TRM seed with T = 2 and the HRM seed with hidden = 32, on the default suite
# with every training budget divided by 100, over several training seeds. Prints one line per run with the
# exact accuracy of each benchmark on its 200 validation queries. A benchmark figure, never a test.
#
#   scripts/learning-control-bench.sh [path/to/evolve [seeds [program…]]]
#   # default: .build/debug/evolve, seeds "1 2 3 4", all six programs
#   DIVISOR=1 ONLY=sudoku-6x6-minimal scripts/learning-control-bench.sh …   # full budget, one benchmark
#   (with an older evolve binary: the same programs before a TRMKit change, for a before/after table)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/honest-kernels.sh"
honest_kernel_arguments "$root/.build/debug/evolve" "$@"

# The default suite at 1/DIVISOR of each training budget (default 1%), optionally only the benchmark ONLY;
# no compute calibration (it does not change scores) unless COMPUTE=on, which also prints each run's
# measured/explained CPU ratio.
honest_suite "$root/Programs/suite.yaml" "/${DIVISOR:-100}"
honest_kernels "$root/Programs" "$work"
for d in "${honest_kernel_names[@]}"; do
  [ "${COMPUTE:-off}" = on ] || printf '\ncompute_check: off\n' >> "$work/$d/evolve.yaml"
done

echo "# $(honest_cpu)"
for d in "${kernels[@]}"; do
  for seed in $seeds; do
    json="$("$evolve" eval "$work/$d" --training-seed "$seed" --json 2>/dev/null || true)"
    printf '%s seed %s: ' "$d" "$seed"
    python3 -c '
import json, sys
try:
    m = json.loads(sys.stdin.read())
except Exception:
    print("no result"); sys.exit()
def find(o):
    if isinstance(o, dict):
        if "benchmarks" in o and isinstance(o["benchmarks"], dict): return o["benchmarks"]
        for v in o.values():
            r = find(v)
            if r: return r
    return None
b = find(m) or {}
import re
def strings(o):
    if isinstance(o, str): yield o
    elif isinstance(o, dict):
        for v in o.values(): yield from strings(v)
    elif isinstance(o, list):
        for v in o: yield from strings(v)
ratios = [r for text in strings(m) for r in re.findall(r"compute: [^()]*\(([0-9.]+)×\)", text)]
print(" ".join("%s %.3f" % (k, v.get("exact_accuracy", float("nan"))) for k, v in sorted(b.items())) or json.dumps(m)[:300],
      ("compute " + " ".join(r + "x" for r in ratios)) if ratios else "",
      " ".join(sorted(k for k in (m.get("artifacts") or {}) if k.startswith("flag: "))) or "no flags",
      "" if b else " | ".join(t.splitlines()[0] for t in strings(m.get("artifacts") or {}))[:300])
' <<<"$json"
  done
done
