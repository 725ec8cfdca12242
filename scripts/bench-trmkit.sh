#!/usr/bin/env bash
# TRMKit and seed-kernel benchmark (release build; not part of the test suite). Prints:
#   matmul GFLOP/s at the seed's shapes vs the measured FMA peak; TRMKit module and kernel compile times;
#   the seed TRM and HRM trained on the default Sudoku tier with several training seeds on the same data
#   (validation exact accuracy per seed, mean ± SD, seconds per step, determinism of a second run); and,
#   where PyTorch is installed, the same TRM step in PyTorch at one thread.
# Usage: scripts/bench-trmkit.sh [train_flops] [training seeds…]   (defaults: 7.5e11, the default 6x6 tier's
#   budget; seeds 1 2 3)
set -euo pipefail
cd "$(dirname "$0")/.."
flops="${1:-7.5e11}"
work="$(mktemp -d /tmp/evolve-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

swift build -c release --product trm-bench >/dev/null
bench=.build/release/trm-bench
echo "== matmul"
$bench gemm

echo "== compile"
start=$(date +%s.%N)
scripts/build-trmkit-module.sh "$work/module"
mid=$(date +%s.%N)
for seed in trm hrm; do
  swiftc -parse-as-library -O -target-cpu native -I "$work/module" -L "$work/module" -lTRMKit \
    -enable-upcoming-feature MemberImportVisibility Programs/$seed/*.swift -o "$work/$seed"
done
end=$(date +%s.%N)
python3 -c "import sys; s,m,e=map(float,sys.argv[1:]); print('TRMKit module (once per run): %.1f s; each seed kernel against it: %.1f s' % (m-s, (e-m)/2))" "$start" "$mid" "$end"

shift || true
seeds=("${@:-1 2 3}")
read -r -a seeds <<<"${seeds[*]}"
echo "== training on sudoku-6x6-minimal (data seed 1), $flops train FLOPs, training seeds ${seeds[*]}"
for seed in trm hrm; do
  for s in "${seeds[@]}" repeat; do
    t=$s; [ "$s" = repeat ] && t=${seeds[0]}
    $bench data "$work/$seed-$s" --tier sudoku-6x6 --train-flops "$flops" --seed 1 --training-seed "$t" >/dev/null
    (cd "$work/$seed-$s" && "$work/$seed" "$work/$seed-$s" 2>/dev/null)
    [ "$s" = repeat ] || printf "%s training seed %s: %s\n" "$seed" "$s" "$($bench score "$work/$seed-$s")"
  done
  same=$(cmp -s "$work/$seed-${seeds[0]}/out/predictions.jsonl" "$work/$seed-repeat/out/predictions.jsonl" && echo identical || echo DIFFERENT)
  python3 - "$seed" "$same" "$work" "${seeds[@]}" <<'PY'
import json, statistics, sys
name, same, work, seeds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
exact, per_step, steps = [], [], []
for s in seeds:
    d = f"{work}/{name}-{s}"
    labels = {json.loads(l)["id"]: json.loads(l)["label"] for l in open(d + "/labels.jsonl")}
    out = {json.loads(l)["id"]: json.loads(l)["output"] for l in open(d + "/out/predictions.jsonl")}
    exact.append(sum(out.get(i) == l for i, l in labels.items()) / len(labels))
    run = json.load(open(d + "/out/run.json"))
    per_step.append(run["train_seconds"] / max(run["steps"], 1)); steps.append(run["steps"])
sd = statistics.stdev(exact) if len(exact) > 1 else 0.0
print(f"{name}: validation exact {statistics.mean(exact):.3f} ± {sd:.3f} (SD over {len(seeds)} training seeds; exact-match to the stored label); "
      f"{statistics.mean(per_step):.4f} s/step; {steps[0]} steps; second run of seed {seeds[0]}: {same}")
PY
done

step_seconds() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('%.4f' % (r['train_seconds']/max(r['steps'],1)))" "$1"; }
echo "== PyTorch (same TRM step, 1 thread)"
if python3 -c "import torch" 2>/dev/null; then
  torch_step=$(python3 benchmarks/pytorch_trm_step.py 1 30)
  ours=$(step_seconds "$work/trm-${seeds[0]}/out/run.json")
  python3 -c "import sys; t,o=map(float,sys.argv[1:]); print('PyTorch %.4f s/step, TRMKit %.4f s/step: TRMKit runs at %.2fx PyTorch\'s speed' % (t, o, t/o))" "$torch_step" "$ours"
else
  echo "PyTorch not installed (pip install torch): comparison skipped"
fi
