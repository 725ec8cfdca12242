/// How the driver should optimise a kernel.
public struct TrainingSettings: Sendable {
    public var learningRate: Float
    public var warmupSteps: Int
    public var weightDecay: Float
    public var betas: (Float, Float)
    public var emaDecay: Float
    /// Queries per `predict` call.
    public var predictionBatchSize: Int

    public init(
        learningRate: Float, warmupSteps: Int, weightDecay: Float, betas: (Float, Float) = (0.9, 0.95), emaDecay: Float,
        predictionBatchSize: Int = 64
    ) {
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.betas = betas
        self.emaDecay = emaDecay
        self.predictionBatchSize = predictionBatchSize
    }
}

/// A model the fixed driver can train and evaluate: what a seed program implements and evolution edits.
///
/// The driver builds the kernel, calls `train` once with a `Trainer` (which owns the training
/// stream, the FLOP budget and the optimiser), then calls `predict` on batches of queries with the
/// EMA weights in place and turns the returned logits into answers.
///
/// ```swift
/// @main struct Program {
///     static func main() { TRMDriver.main(MyKernel.self) }
/// }
/// ```
public protocol TRMKernel {
    /// Builds the model for `task`, drawing initial weights from `rng`. No data exists yet: parameters
    /// and fixed buffers built here cost nothing.
    init(task: TaskInfo, rng: inout SeededRNG)
    /// Every trainable tensor (the optimiser and the EMA cover exactly these).
    var parameters: [Tensor] { get }
    var settings: TrainingSettings { get }
    /// Numbers the kernel reports about itself (written to run.json's `config`, labelled as reported);
    /// include `effective_depth` = T·(n+1)·layers where it applies.
    var report: [String: Double] { get }
    /// Trains until `trainer.isOutOfBudget`: draws examples (`trainer.next`, `trainer.slots`), computes
    /// a loss with `trainer.tape`'s ops and calls `trainer.step(loss:)` once per optimiser step.
    mutating func train(_ trainer: Trainer)
    /// Logits for every token of every query in `batch`, [size·seqLen, vocab] (or [size, seqLen,
    /// vocab]); the driver takes the arg-max. [2, size·seqLen, vocab] offers two attempts per query
    /// (ARC's pass@2). Runs without gradients, with the EMA weights.
    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor
}
