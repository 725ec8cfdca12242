/// Fixtures the test targets share (test targets cannot import each other).
public enum Fixtures {
    /// A 4×4 Sudoku benchmark with budgets small enough for a test to train a kernel in seconds.
    public static let tinySudokuConfig = """
        seed: 3
        benchmarks:
          - name: sudoku-4x4
            generator: sudoku
            box_rows: 2
            box_columns: 2
            difficulty: 8
            train: 40
            validation: 12
            test: 12
            train_flops: 1.0e10
            eval_flops: 1.0e9
            wall_seconds: 20
        """

    /// A tiny honest TRMKit kernel (embedding → norm → head): well-formed answers at any budget.
    public static let tinyKernel = """
        import TRMKit
        struct Kernel: TRMKernel {
            let embedding: Tensor
            let head: Linear
            init(task: TaskInfo, rng: inout SeededRNG) {
                embedding = .parameter([task.vocabSize, 16], std: 1, rng: &rng)
                head = Linear(16, task.vocabSize, rng: &rng)
            }
            var parameters: [Tensor] { [embedding] + head.parameters }
            var settings: TrainingSettings { TrainingSettings(learningRate: 0.01, warmupSteps: 5, weightDecay: 0, emaDecay: 0.9) }
            var report: [String: Double] { ["effective_depth": 1] }
            func logits(_ batch: Batch, _ tape: Tape) -> Tensor {
                head(tape.rmsNorm(tape.embedding(embedding, ids: batch.inputs)), tape)
            }
            mutating func train(_ trainer: Trainer) {
                while !trainer.isOutOfBudget {
                    let batch = trainer.next(8)
                    trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
                }
            }
            mutating func predict(_ batch: Batch, tape: Tape) -> Tensor { logits(batch, tape) }
        }
        @main struct Program { static func main() { TRMDriver.main(Kernel.self) } }
        """
}
