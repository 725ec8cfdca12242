/// A batch of examples, flattened row-major: `inputs[b * seqLen + i]`.
public struct Batch {
    public let size: Int
    public let seqLen: Int
    public let inputs: [Int]
    /// Training labels, flattened like `inputs`; nil at prediction time.
    public let labels: [Int]?
    public let puzzles: [Int]

    public init(_ examples: ArraySlice<Example>, seqLen: Int) {
        size = examples.count
        self.seqLen = seqLen
        inputs = examples.flatMap(\.input)
        labels = examples.allSatisfy { $0.label != nil } ? examples.flatMap { $0.label! } : nil
        puzzles = examples.map { $0.puzzle ?? 0 }
    }

    /// For each example, whether every predicted token equals its label.
    public func exactMatches(_ predicted: [Int]) -> [Bool] {
        guard let labels else { return Array(repeating: false, count: size) }
        return (0..<size).map { b in
            let range = (b * seqLen)..<((b + 1) * seqLen)
            return predicted[range] == labels[range]
        }
    }
}

/// How the driver should optimise a kernel.
public struct TrainingSettings: Sendable {
    public var batchSize: Int
    public var learningRate: Float
    public var warmupSteps: Int
    public var weightDecay: Float
    public var betas: (Float, Float)
    public var emaDecay: Float

    public init(
        batchSize: Int, learningRate: Float, warmupSteps: Int, weightDecay: Float, betas: (Float, Float) = (0.9, 0.95),
        emaDecay: Float
    ) {
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.betas = betas
        self.emaDecay = emaDecay
    }
}

/// A model the fixed driver can train and evaluate: what a seed program implements and evolution edits.
///
/// ```swift
/// @main struct Program {
///     static func main() { TRMDriver.main(MyKernel.self) }
/// }
/// ```
public protocol TRMKernel {
    /// Builds the model for `task`, drawing initial weights from `rng`.
    init(task: TaskInfo, rng: inout SeededRNG)
    /// Every trainable tensor (the optimiser and the EMA cover exactly these).
    var parameters: [Tensor] { get }
    var settings: TrainingSettings { get }
    /// Numbers the kernel reports about itself (written to run.json's `config`); include
    /// `effective_depth` = T·(n+1)·layers where it applies.
    var report: [String: Double] { get }
    /// Trains on one batch, calling `trainer.step` once per optimiser step (TRM: one per supervision
    /// step) and stopping early when `trainer.isOutOfBudget`.
    mutating func train(on batch: Batch, trainer: Trainer)
    /// Predicted tokens for the batch, flattened like `batch.inputs` (no gradients; EMA weights are in place).
    mutating func predict(_ batch: Batch, tape: Tape) -> [Int]
}

/// One point of the training curve.
public struct CurvePoint: Sendable {
    public let step: Int
    public let flops: Int64
    public let loss: Double
    public let exactAccuracy: Double
}

/// Turns a kernel's loss into optimiser steps under the FLOP budget, and keeps the training curve.
public final class Trainer {
    public let tape: Tape
    public let optimizer: AdamW
    public let ema: EMA
    /// The kernel's own random stream (exploration, dropout…), seeded from the budget's seed.
    public var rng: SeededRNG
    public private(set) var steps = 0
    public private(set) var curve: [CurvePoint] = []
    private var pendingLoss = 0.0, pendingAccuracy = 0.0, pending = 0
    private let logEvery: Int

    init(tape: Tape, optimizer: AdamW, ema: EMA, rng: SeededRNG, logEvery: Int = 10) {
        self.tape = tape
        self.optimizer = optimizer
        self.ema = ema
        self.rng = rng
        self.logEvery = logEvery
    }

    public var isOutOfBudget: Bool { tape.meter.isExhausted }

    /// Back-propagates `loss`, applies one AdamW step, updates the EMA and logs the step.
    /// `exactAccuracy` is the fraction of the batch answered entirely right by this step's output.
    public func step(loss: Tensor, exactAccuracy: Double) {
        tape.backward(loss)
        optimizer.step(meter: tape.meter)
        ema.update()
        steps += 1
        pendingLoss += Double(loss.data[0])
        pendingAccuracy += exactAccuracy
        pending += 1
        if pending == logEvery { flushCurve() }
    }

    func flushCurve() {
        guard pending > 0 else { return }
        curve.append(CurvePoint(
            step: steps, flops: tape.meter.total, loss: pendingLoss / Double(pending),
            exactAccuracy: pendingAccuracy / Double(pending)))
        pendingLoss = 0
        pendingAccuracy = 0
        pending = 0
    }
}
