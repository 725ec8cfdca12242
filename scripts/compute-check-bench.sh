#!/usr/bin/env bash
# Measures the compute cross-check (docs/sandbox.md, "Compute cross-check"): runs `evolve eval` on honest
# kernels of several sizes and on one that spins off the FLOP meter, and prints the calibration and each
# run's measured against explained CPU seconds. A benchmark figure, never a test: CPU time on a shared
# machine is noisy.
#
#   scripts/compute-check-bench.sh [path/to/evolve [program…]]   # default: .build/release/evolve, all programs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
evolve="${1:-$root/.build/release/evolve}"
shift || true
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(tiny trm hrm trm-hidden128 trm-attention spin-100k spin-250k)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The seeds and two TRM mutants on the default suite (a copy beside them, as `suite: ../suite.yaml` expects)
# with every training budget divided by 5 (6×6: 1.5e11; the ratio hardly depends on it), evaluation
# budgets unchanged: each program gives a ratio per grid size (6×6 Sudoku: 36 tokens; 9×9 Sudoku and the
# maze: 81).
python3 - "$root/Programs/suite.yaml" "$work/suite.yaml" <<'PY'
import re, sys
text = re.sub(r"(?m)^(\s*train_flops:\s*)([0-9.eE+]+)", lambda m: m.group(1) + "%.3g" % (float(m.group(2)) / 5), open(sys.argv[1]).read())
if "train_flops: 1.5e+11" not in text:
    sys.exit("could not scale the training budgets of " + sys.argv[1])
open(sys.argv[2], "w").write(text)
PY
for name in trm hrm; do cp -r "$root/Programs/$name" "$work/$name"; done
cp -r "$work/trm" "$work/trm-hidden128"
cp -r "$work/trm" "$work/trm-attention"
sed -i 's/static let hidden = 64 /static let hidden = 128/' "$work/trm-hidden128/kernel.swift"
sed -i 's/static let useAttention = false/static let useAttention = true /' "$work/trm-attention/kernel.swift"

# The 4×4 test kernel, honest and with an xorshift chain per optimiser step that decides whether training
# goes on (so the compiler cannot drop it).
tiny_kernel() {
  cat <<SWIFT
import TRMKit
func spin(_ seed: UInt64, _ n: Int) -> UInt64 {
    var x = seed | 1
    for _ in 0..<n { x ^= x << 13; x ^= x >> 7; x ^= x << 17 }
    return x
}
struct Kernel: TRMKernel {
    let embedding: Tensor
    let head: Linear
    init(task: TaskInfo, rng: inout SeededRNG) {
        embedding = .parameter([task.vocabSize, 32], std: 1, rng: &rng)
        head = Linear(32, task.vocabSize, rng: &rng)
    }
    var parameters: [Tensor] { [embedding] + head.parameters }
    var settings: TrainingSettings { TrainingSettings(learningRate: 0.01, warmupSteps: 5, weightDecay: 0, emaDecay: 0.9) }
    var report: [String: Double] { ["effective_depth": 1] }
    func logits(_ batch: Batch, _ tape: Tape) -> Tensor { head(tape.rmsNorm(tape.embedding(embedding, ids: batch.inputs)), tape) }
    mutating func train(_ trainer: Trainer) {
        var sink: UInt64 = 0
        while !trainer.isOutOfBudget {
            sink = spin(sink &+ 1, $2)
            if sink == 0x1234_5678 { return }
            let batch = trainer.next(16)
            trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
        }
    }
    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor { logits(batch, tape) }
}
@main struct Program { static func main() { TRMDriver.main(Kernel.self) } }
SWIFT
}
for spec in tiny:0 spin-100k:100000 spin-250k:250000; do
  name="${spec%%:*}"; mkdir -p "$work/$name"
  tiny_kernel "$name" "${spec##*:}" > "$work/$name/kernel.swift"
  printf 'seed: 3\nbenchmarks:\n  - name: sudoku-4x4\n    generator: sudoku\n    box_rows: 2\n    box_columns: 2\n    difficulty: 8\n    train: 40\n    validation: 12\n    test: 12\n    train_flops: 1.0e10\n    eval_flops: 1.0e9\n' > "$work/$name/evolve.yaml"
done

echo "# $evolve; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)"
for d in "${programs[@]}"; do
  echo "=== $d"
  "$evolve" eval "$work/$d" 2>&1 | grep -E "^--- artifact (sudoku|maze)|calibration|  .*: .*FLOPs .*explained|compute:|flag|sandbox:|combined_score|rejected|failed|error" || true
done
