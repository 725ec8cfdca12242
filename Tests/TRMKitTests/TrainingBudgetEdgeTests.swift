import Foundation
import TestSupport
import Testing
@testable import TRMKit

/// Issue 24, class 4: the training budget is a hard edge. The op that would cross it ends training,
/// whatever came before it (no step yet, a huge step), and `predict` gets the weights and EMA of the
/// last completed optimiser step.
@Suite struct TrainingBudgetEdgeTests {
    let scratch = ScratchDirectory("evolve-budget-edge")

    /// The echo model with a `train` of the test's own: everything else is the echo model's.
    protocol EchoWrapper: TRMKernel {
        var inner: EchoKernel { get set }
        init(inner: EchoKernel)
    }

    /// Forward passes of the echo model that are never stepped: `passes` of them, then one step.
    struct ForwardFirst: EchoWrapper {
        var inner: EchoKernel
        mutating func train(_ trainer: Trainer) {
            let batch = trainer.next(4)
            // Unstepped forward work worth several budgets: before, it all counted as "one step".
            for _ in 0..<2_000 { _ = inner.logits(batch, trainer.tape) }
            trainer.step(loss: trainer.tape.softmaxCrossEntropy(inner.logits(batch, trainer.tape), labels: batch.labels!))
        }
    }

    /// Honest steps, then a stretch of forward work worth twice the budget before one more step.
    struct StepThenSpend: EchoWrapper {
        var inner: EchoKernel
        mutating func train(_ trainer: Trainer) {
            for _ in 0..<3 {
                let batch = trainer.next(4)
                trainer.step(loss: trainer.tape.softmaxCrossEntropy(inner.logits(batch, trainer.tape), labels: batch.labels!))
            }
            let batch = trainer.next(4)
            var logits = inner.logits(batch, trainer.tape)
            for _ in 0..<2_000 { logits = inner.logits(batch, trainer.tape) }
            trainer.step(loss: trainer.tape.softmaxCrossEntropy(logits, labels: batch.labels!))
        }
    }

    @Test func forwardWorkPastTheBudgetBeforeTheFirstStepEndsTraining() throws {
        // Before, unstepped work counted as one "step" with no limit: 1 step, ~3× the budget.
        let dir = try DriverTests.writeTask(in: scratch.url, trainFLOPs: 1e6)
        let summary = try TRMDriver.run(ForwardFirst.self, workDir: dir.path)
        #expect(summary.steps == 0)
        #expect(summary.trainingEndedByBudget)
        #expect(summary.trainFLOPs <= 1_000_000)
        // The untrained weights still answer every query.
        #expect(summary.predictions == 10)
    }

    @Test func forwardWorkPastTheBudgetAfterStepsEndsTrainingWithTheLastCompletedStep() throws {
        let dir = try DriverTests.writeTask(in: scratch.url, trainFLOPs: 1e6)
        let summary = try TRMDriver.run(StepThenSpend.self, workDir: dir.path)
        #expect(summary.steps == 3)
        #expect(summary.trainingEndedByBudget)
        #expect(summary.trainFLOPs <= 1_000_000)
        let run = DriverTests().run(dir)
        #expect(run["train_ended_by"] as? String == "budget")
        #expect((run["train_overrun_flops"] as? Int ?? 0) > 0)
        #expect(summary.predictions == 10)
    }

    @Test func theWeightsPredictUsesAreThoseOfTheLastCompletedStep() throws {
        // Same run twice: once ending by the budget inside the fourth step's forward work, once with
        // `train` returning after three steps. Predictions must be identical.
        struct ThreeSteps: EchoWrapper {
            var inner: EchoKernel
            mutating func train(_ trainer: Trainer) {
                for _ in 0..<3 {
                    let batch = trainer.next(4)
                    trainer.step(loss: trainer.tape.softmaxCrossEntropy(inner.logits(batch, trainer.tape), labels: batch.labels!))
                }
            }
            }
        let a = try DriverTests.writeTask(in: scratch.url, trainFLOPs: 1e6), b = try DriverTests.writeTask(in: scratch.url, trainFLOPs: 1e6)
        _ = try TRMDriver.run(StepThenSpend.self, workDir: a.path)
        _ = try TRMDriver.run(ThreeSteps.self, workDir: b.path)
        let pa = try Data(contentsOf: a.appendingPathComponent("out/predictions.jsonl"))
        let pb = try Data(contentsOf: b.appendingPathComponent("out/predictions.jsonl"))
        #expect(pa == pb)
    }

    @Test func anUpdateThatWouldCrossTheBudgetChangesNoWeight() {
        // The optimiser's charge comes before its update: crossing there leaves the weights as they were.
        let weight = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        weight.grad = [1, 1]
        let optimizer = AdamW(parameters: [weight], learningRate: 0.1)
        let meter = FLOPMeter(budget: 10)
        var crossed = false
        let returned = MeteredPhase.run(meter: meter) {
            let trainer = Trainer(
                tape: Tape(meter: meter), optimizer: optimizer, ema: EMA(parameters: [weight], decay: 0.9),
                stream: TrainingStream(examples: [Example(input: [0], label: [0])], rng: SeededRNG(seed: 1)), seqLen: 1,
                rng: SeededRNG(seed: 2))
            // A loss whose backward is free: the only charge is the update (2 weights × 12 > 10).
            trainer.step(loss: Tensor(shape: [1], data: [0]))
            crossed = true  // not reached
        }
        #expect(!returned && !crossed)
        #expect(weight.data == [1, 2])
        #expect(meter.total == 0 && meter.overrun == 24)
    }
}

extension TrainingBudgetEdgeTests.EchoWrapper {
    init(task: TaskInfo, rng: inout SeededRNG) { self.init(inner: EchoKernel(task: task, rng: &rng)) }
    var parameters: [Tensor] { inner.parameters }
    var settings: TrainingSettings { inner.settings }
    var report: [String: Double] { [:] }
    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor { inner.predict(batch, tape: tape) }
}
