/// One point of the training curve, measured by the trainer (not reported by the kernel).
public struct CurvePoint: Sendable {
    public let step: Int
    public let flops: Int64
    /// Mean of the losses back-propagated since the previous point.
    public let loss: Double
    /// Fraction of examples whose every token the latest cross-entropy of each step got right, over
    /// all supervision steps (nil when no step computed a cross-entropy against labels). A figure of
    /// the training path, mid-recursion included: the curve check uses the driver's probes instead.
    public let exactAccuracy: Double?
    /// Training examples drawn from the stream so far.
    public let examples: Int
}

/// What a kernel trains with: the training stream, the tape its ops run on, and the optimiser step.
/// The driver owns all of it — the order of the examples, the FLOP budget, AdamW and the EMA — so a
/// kernel decides *what* to compute and *when* to draw examples, never how much compute it gets.
///
/// Two deep-supervision schemes, both in a few lines:
/// ```swift
/// // The TRM paper: up to N_sup optimiser steps on one batch, then the next batch.
/// while !trainer.isOutOfBudget {
///     let batch = trainer.next(64)
///     for _ in 0..<nSup { …; trainer.step(loss: loss); if trainer.allHalted(qHalt) { break } }  // ≤ 1 readout per step
/// }
/// // TRM's code: 64 slots, each carrying its example across steps until it halts.
/// let slots = trainer.slots(64)
/// while !trainer.isOutOfBudget {
///     …; trainer.step(loss: loss)
///     slots.refill(halting: qHalt, maxSteps: nSup, exploration: 0.1)
/// }
/// ```
public final class Trainer {
    /// The tape every training op runs on (metered against the training budget).
    public let tape: Tape
    /// The kernel's own random stream (exploration, dropout…), seeded from the run's seed.
    public var rng: SeededRNG
    /// Optimiser steps completed so far.
    public private(set) var steps = 0

    package let optimizer: AdamW
    package let ema: EMA
    package private(set) var curve: [CurvePoint] = []
    package private(set) var examplesDrawn = 0
    /// The costliest optimiser step so far (forward, backward and update), in FLOPs: reported, never
    /// an allowance.
    package private(set) var largestStepFLOPs: Int64 = 0
    /// Readouts taken (`allHalted`, `Slots.refill`): each returns information about examples, so they
    /// are counted, reported in run.json, and limited to one per optimiser step.
    package private(set) var readouts = 0
    /// Training totals at which the driver probes the kernel's `predict` (ascending); `onCheckpoint`
    /// runs when a completed step reaches the first of them.
    package var checkpoints: [Int64] = []
    package var onCheckpoint: (() -> Void)?
    private var stream: TrainingStream
    private let seqLen: Int
    private let logEvery: Int
    private var isFinished = false
    /// True while the driver probes `predict` at a checkpoint: the trainer is closed to the kernel.
    private var isProbing = false
    private var budgetSpentAtLastStep = false
    /// Whether a readout is allowed now: one per completed optimiser step.
    private var readoutAvailable = false
    /// Examples in the latest batch handed out (`next`, `slots`): a readout is about these.
    private var currentBatchSize = 0
    private var flopsAtLastStep: Int64 = 0
    private var pendingLoss = 0.0, pending = 0
    private var pendingCorrect = 0, pendingExamples = 0

    package init(
        tape: Tape, optimizer: AdamW, ema: EMA, stream: TrainingStream, seqLen: Int, rng: SeededRNG, logEvery: Int = 10
    ) {
        self.tape = tape
        self.optimizer = optimizer
        self.ema = ema
        self.stream = stream
        self.seqLen = seqLen
        self.rng = rng
        self.logEvery = logEvery
    }

    /// Whether the training budget is spent: stop drawing examples and taking steps. The op that would
    /// cross the budget ends training where it stands (its step is lost), so a kernel checks this
    /// before each step's work.
    public var isOutOfBudget: Bool { tape.meter.isExhausted }

    /// The next `count` examples of the training stream, with labels.
    public func next(_ count: Int) -> Batch {
        checkOpen("next")
        precondition(count > 0, "trainer.next: count must be positive, got \(count)")
        currentBatchSize = count
        return batch(draw(count))
    }

    /// `count` slots that each hold one example of the stream and keep it across optimiser steps
    /// until `Slots.refill` replaces it (TRM's carry scheme).
    public func slots(_ count: Int) -> Slots {
        checkOpen("slots")
        precondition(count > 0, "trainer.slots: count must be positive, got \(count)")
        currentBatchSize = count
        return Slots(trainer: self, examples: draw(count))
    }

    /// Back-propagates `loss` (a scalar), applies one AdamW step and updates the EMA of the weights.
    public func step(loss: Tensor) {
        checkOpen("step")
        if budgetSpentAtLastStep {
            stopRun("kernel.train took another optimiser step after trainer.isOutOfBudget became true; end the training loop when it is true")
        }
        precondition(loss.count == 1, "trainer.step: the loss must be a scalar, got shape \(loss.shape)")
        tape.backward(loss)
        // The update is charged before any weight changes, so an update that would cross the budget
        // ends training with the previous step's weights and EMA intact.
        let meter = tape.meter
        for p in optimizer.parameters where p.grad != nil {
            meter.charge(FLOPCost.elementwise(p.count, perElement: AdamW.flopsPerElement), phase: .backward)
        }
        optimizer.step()
        ema.update()
        steps += 1
        readoutAvailable = true

        largestStepFLOPs = max(largestStepFLOPs, meter.total - flopsAtLastStep)
        flopsAtLastStep = meter.total
        budgetSpentAtLastStep = meter.isExhausted

        pendingLoss += Double(loss.data[0])
        pending += 1
        if let answers = tape.lastAnswers {
            pendingCorrect += answers.filter { $0 }.count
            pendingExamples += answers.count
            tape.lastAnswers = nil
        }
        if pending == logEvery { flushCurve() }
        if let next = checkpoints.first, meter.total >= next {
            checkpoints.removeAll { $0 <= meter.total }
            isProbing = true
            onCheckpoint?()
            isProbing = false
        }
    }

    /// Whether every element of `haltLogits` is positive — "has every example halted?" for the
    /// paper's scheme. One bit, metered, counted in run.json, only while training, at most once per
    /// optimiser step, and only on one value per example of the current batch.
    public func allHalted(_ haltLogits: Tensor) -> Bool {
        readout("allHalted", values: haltLogits.count)
        tape.charge(forward: FLOPCost.elementwise(haltLogits.count))
        return haltLogits.data.allSatisfy { $0 > 0 }
    }

    // MARK: - Driver side

    /// Ends training: from now on every trainer (and slots) call stops the run.
    package func finish() {
        flushCurve()
        isFinished = true
    }

    /// Accounts for one readout, ending the run when it breaks the rules: after training or during a
    /// probe, twice without an optimiser step in between, or on values that are not one per example of
    /// the current batch (a readout must not become a channel for other data).
    func readout(_ call: String, values: Int) {
        checkOpen(call)
        guard readoutAvailable else {
            stopRun("trainer.\(call) was called \(steps == 0 ? "before the first optimiser step" : "twice since the last optimiser step"); readouts are limited to one per step")
        }
        guard values == currentBatchSize else {
            stopRun("trainer.\(call) was given \(values) values for a batch of \(currentBatchSize) examples; a readout takes one value per example of the current batch")
        }
        readoutAvailable = false
        readouts += 1
    }

    func draw(_ count: Int) -> [Int] {
        examplesDrawn += count
        return stream.next(count)
    }

    func batch(_ indices: [Int]) -> Batch {
        Batch(stream.examples, indices: indices, seqLen: seqLen, withLabels: true)
    }

    func checkOpen(_ call: String) {
        if isFinished { stopRun("trainer.\(call) was called after training ended (a kernel may use the trainer only inside train)") }
        if isProbing { stopRun("trainer.\(call) was called inside predict while the driver probed the training curve (a kernel may use the trainer only inside train)") }
    }

    func flushCurve() {
        guard pending > 0 else { return }
        curve.append(CurvePoint(
            step: steps, flops: tape.meter.total, loss: pendingLoss / Double(pending),
            exactAccuracy: pendingExamples > 0 ? Double(pendingCorrect) / Double(pendingExamples) : nil,
            examples: examplesDrawn))
        pendingLoss = 0
        pending = 0
        pendingCorrect = 0
        pendingExamples = 0
    }
}

extension Trainer: CustomStringConvertible, CustomReflectable {
    public var description: String { "Trainer(step \(steps))" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
