/// One point of the training curve, measured by the trainer (not reported by the kernel).
public struct CurvePoint: Sendable {
    public let step: Int
    public let flops: Int64
    /// Mean of the losses back-propagated since the previous point.
    public let loss: Double
    /// Fraction of examples whose every token the latest cross-entropy of each step got right, over
    /// all supervision steps (nil when no step computed a cross-entropy against labels).
    public let exactAccuracy: Double?
    /// Fraction of the examples that finished training in this stretch (left their slot, or their
    /// batch was replaced) whose last training answer was entirely right: the training path's final
    /// answer, comparable to validation. Nil when none finished.
    public let answerAccuracy: Double?
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
///     for _ in 0..<nSup { …; trainer.step(loss: loss); if trainer.allHalted(qHalt) { break } }
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
    /// Optimiser steps taken so far.
    public private(set) var steps = 0

    package let optimizer: AdamW
    package let ema: EMA
    package private(set) var curve: [CurvePoint] = []
    package private(set) var examplesDrawn = 0
    /// The costliest optimiser step so far (forward, backward and update), in FLOPs.
    package private(set) var largestStepFLOPs: Int64 = 0
    private var stream: TrainingStream
    private let seqLen: Int
    private let logEvery: Int
    private var isFinished = false
    private var budgetSpentAtLastStep = false
    private var flopsAtLastStep: Int64 = 0
    private var pendingLoss = 0.0, pending = 0
    private var pendingCorrect = 0, pendingExamples = 0
    private var pendingAnswersRight = 0, pendingAnswers = 0
    private var nextSerial = 0
    /// The batch of the latest `next(_:)`, whose examples finish when the kernel draws another.
    private var openBatch: Int?
    /// Per batch serial, which examples the latest cross-entropy against its labels got right.
    private var latestAnswers: [Int: [Bool]] = [:]

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

    /// Whether the training budget is spent: stop drawing examples and taking steps.
    public var isOutOfBudget: Bool { tape.meter.isExhausted }

    /// The next `count` examples of the training stream, with labels.
    public func next(_ count: Int) -> Batch {
        checkOpen("next")
        precondition(count > 0, "trainer.next: count must be positive, got \(count)")
        finishOpenBatch()
        let drawn = batch(draw(count))
        openBatch = drawn.serial
        return drawn
    }

    /// `count` slots that each hold one example of the stream and keep it across optimiser steps
    /// until `Slots.refill` replaces it (TRM's carry scheme).
    public func slots(_ count: Int) -> Slots {
        checkOpen("slots")
        precondition(count > 0, "trainer.slots: count must be positive, got \(count)")
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
        optimizer.step(meter: tape.meter)
        ema.update()
        steps += 1

        let meter = tape.meter
        largestStepFLOPs = max(largestStepFLOPs, meter.total - flopsAtLastStep)
        flopsAtLastStep = meter.total
        budgetSpentAtLastStep = meter.isExhausted
        if let budget = meter.budget {
            // Forward work after the budget (no step follows) is bounded too; the run report shows it.
            meter.hardLimit = 2 * budget + 2 * largestStepFLOPs
            meter.limitMessage = "kernel.train kept computing long after the training budget was spent"
        }

        pendingLoss += Double(loss.data[0])
        pending += 1
        if let answers = tape.lastAnswers {
            pendingCorrect += answers.right.filter { $0 }.count
            pendingExamples += answers.right.count
            if let serial = answers.serial { latestAnswers[serial] = answers.right }
            tape.lastAnswers = nil
        }
        if pending == logEvery { flushCurve() }
    }

    /// Whether every element of `haltLogits` is positive — "has every example halted?" for the
    /// paper's scheme. One bit per call, metered, and only while training.
    public func allHalted(_ haltLogits: Tensor) -> Bool {
        checkOpen("allHalted")
        tape.charge(forward: FLOPCost.elementwise(haltLogits.count))
        return haltLogits.data.allSatisfy { $0 > 0 }
    }

    // MARK: - Driver side

    /// Ends training: from now on every trainer (and slots) call stops the run.
    package func finish() {
        finishOpenBatch()
        flushCurve()
        isFinished = true
    }

    /// Counts the final training answers of examples that leave: `rows` of batch `serial`, judged by
    /// the latest cross-entropy against that batch's labels (none: nothing to count).
    func finishExamples(serial: Int?, rows: [Int]) {
        guard let serial, let right = latestAnswers.removeValue(forKey: serial) else { return }
        for row in rows where row < right.count {
            pendingAnswers += 1
            if right[row] { pendingAnswersRight += 1 }
        }
    }

    private func finishOpenBatch() {
        guard let serial = openBatch else { return }
        finishExamples(serial: serial, rows: Array(0..<(latestAnswers[serial]?.count ?? 0)))
        openBatch = nil
    }

    func draw(_ count: Int) -> [Int] {
        examplesDrawn += count
        return stream.next(count)
    }

    func batch(_ indices: [Int]) -> Batch {
        nextSerial += 1
        return Batch(stream.examples, indices: indices, seqLen: seqLen, withLabels: true, serial: nextSerial)
    }

    func checkOpen(_ call: String) {
        if isFinished { stopRun("trainer.\(call) was called after training ended (a kernel may use the trainer only inside train)") }
    }

    func flushCurve() {
        guard pending > 0 else { return }
        curve.append(CurvePoint(
            step: steps, flops: tape.meter.total, loss: pendingLoss / Double(pending),
            exactAccuracy: pendingExamples > 0 ? Double(pendingCorrect) / Double(pendingExamples) : nil,
            answerAccuracy: pendingAnswers > 0 ? Double(pendingAnswersRight) / Double(pendingAnswers) : nil,
            examples: examplesDrawn))
        pendingLoss = 0
        pending = 0
        pendingCorrect = 0
        pendingExamples = 0
        pendingAnswersRight = 0
        pendingAnswers = 0
    }
}

extension Trainer: CustomStringConvertible, CustomReflectable {
    public var description: String { "Trainer(step \(steps))" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
