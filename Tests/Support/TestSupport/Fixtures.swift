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

    /// The honest training loop of `kernel`: the paper's scheme with one supervision step.
    public static let honestTrain = """
        while !trainer.isOutOfBudget {
            let batch = trainer.next(16)
            trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
        }
        """
    public static let honestPredict = "logits(batch, tape)"

    /// A tiny honest TRMKit kernel (embedding → norm → head): well-formed answers at any budget.
    public static let tinyKernel = kernel()

    /// A small TRMKit kernel (embedding → norm → head) with room for a cheat: `extra` declarations, and
    /// `train`/`predict` bodies to replace.
    public static func kernel(
        imports: String = "import TRMKit", extra: String = "", train: String = honestTrain, predict: String = honestPredict
    ) -> String {
        """
        \(imports)
        \(extra)
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
            func logits(_ batch: Batch, _ tape: Tape) -> Tensor {
                head(tape.rmsNorm(tape.embedding(embedding, ids: batch.inputs)), tape)
            }
            mutating func train(_ trainer: Trainer) {
                \(train)
            }
            mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
                \(predict)
            }
        }
        @main struct Program { static func main() { TRMDriver.main(Kernel.self) } }
        """
    }
}
