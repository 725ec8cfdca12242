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
evolve="${1:-$root/.build/debug/evolve}"
seeds="${2:-1 2 3 4}"
shift 2 || shift $# || true
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=("${honest_kernel_names[@]}")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The default suite at 1/DIVISOR of each training budget (default 1%), optionally only the benchmark ONLY;
# no compute calibration (it does not change scores) unless COMPUTE=on, which also prints each run's
# measured/explained CPU ratio.
divisor="${DIVISOR:-100}"
python3 - "$root/Programs/suite.yaml" "$work/suite.yaml" "$divisor" "${ONLY:-}" <<'PY'
import re, sys
source, target, divisor, only = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
blocks, current = [], None
for line in open(source):
    if line.startswith("  - name:"):
        current = [line]; blocks.append(current)
    elif current is not None and (line.startswith("    ") or not line.strip()):
        current.append(line)
def scaled(line):
    m = re.match(r"(\s*train_flops:\s*)([0-9.eE+]+)(.*)", line)
    return f"{m.group(1)}{float(m.group(2)) / divisor:.3g}{m.group(3)}\n" if m else line
kept = [b for b in blocks if not only or b[0].split(":", 1)[1].strip() == only]
open(target, "w").write("benchmarks:\n" + "".join(scaled(l) for b in kept for l in b))
PY
honest_kernels "$root/Programs" "$work"
for d in trm hrm trm-hidden128 trm-attention trm-T2 hrm-hidden32; do
  [ "${COMPUTE:-off}" = on ] || printf '\ncompute_check: off\n' >> "$work/$d/evolve.yaml"
done

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)"
for d in "${programs[@]}"; do
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
