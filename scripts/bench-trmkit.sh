#!/usr/bin/env bash
# TRMKit and seed-kernel benchmark (release build; not part of the test suite). Prints:
#   matmul GFLOP/s at the seed's shapes vs the measured FMA peak; TRMKit module and kernel compile times;
#   the seed TRM and HRM trained on the default Sudoku tier (validation exact accuracy, seconds per step,
#   determinism of a second run); and, where PyTorch is installed, the same TRM step in PyTorch at one thread.
# Usage: scripts/bench-trmkit.sh [train_flops]   (default 7.5e11, the default 6x6 tier's budget)
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
  swiftc -parse-as-library -O -target-cpu native -I "$work/module" -L "$work/module" -lTRMKit Programs/$seed/*.swift -o "$work/$seed"
done
end=$(date +%s.%N)
python3 -c "import sys; s,m,e=map(float,sys.argv[1:]); print('TRMKit module (once per run): %.1f s; each seed kernel against it: %.1f s' % (m-s, (e-m)/2))" "$start" "$mid" "$end"

step_seconds() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('%.4f' % (r['train_seconds']/max(r['steps'],1)))" "$1"; }

echo "== training on sudoku-6x6-minimal, $flops train FLOPs"
for seed in trm hrm; do
  for run in a b; do
    $bench data "$work/$seed-$run" --tier sudoku-6x6 --train-flops "$flops" >/dev/null
    (cd "$work/$seed-$run" && "$work/$seed" "$work/$seed-$run" 2>/dev/null)
  done
  same=$(cmp -s "$work/$seed-a/out/predictions.jsonl" "$work/$seed-b/out/predictions.jsonl" && echo identical || echo DIFFERENT)
  printf "%s: validation %s; %s s/step; %s steps in %.1f s; second run's predictions: %s\n" "$seed" \
    "$($bench score "$work/$seed-a")" "$(step_seconds "$work/$seed-a/out/run.json")" \
    "$(python3 -c "import json; print(json.load(open('$work/$seed-a/out/run.json'))['steps'])")" \
    "$(python3 -c "import json; print(json.load(open('$work/$seed-a/out/run.json'))['train_seconds'])")" "$same"
done

echo "== PyTorch (same TRM step, 1 thread)"
if python3 -c "import torch" 2>/dev/null; then
  torch_step=$(python3 benchmarks/pytorch_trm_step.py 1 30)
  ours=$(step_seconds "$work/trm-a/out/run.json")
  python3 -c "import sys; t,o=map(float,sys.argv[1:]); print('PyTorch %.4f s/step, TRMKit %.4f s/step: TRMKit runs at %.2fx PyTorch\'s speed' % (t, o, t/o))" "$torch_step" "$ours"
else
  echo "PyTorch not installed (pip install torch): comparison skipped"
fi
