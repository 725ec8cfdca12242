import Foundation
import TestSupport
import Testing
@testable import TRMKit

/// A tiny kernel for driver tests: embedding → rmsNorm → linear head, trained on batches of 4 drawn
/// with `trainer.next` (the paper's scheme with one supervision step).
struct EchoKernel: TRMKernel {
    let embedding: Tensor
    let head: Linear

    init(task: TaskInfo, rng: inout SeededRNG) {
        embedding = .parameter([task.vocabSize, 8], std: 1, rng: &rng)
        head = Linear(8, task.vocabSize, rng: &rng)
    }

    var parameters: [Tensor] { [embedding] + head.parameters }
    var settings: TrainingSettings {
        TrainingSettings(learningRate: 0.05, warmupSteps: 2, weightDecay: 0, emaDecay: 0.9, predictionBatchSize: 4)
    }
    var report: [String: Double] { ["effective_depth": 1] }

    func logits(_ batch: Batch, _ tape: Tape) -> Tensor {
        head(tape.rmsNorm(tape.embedding(embedding, ids: batch.inputs)), tape)
    }

    mutating func train(_ trainer: Trainer) {
        while !trainer.isOutOfBudget {
            let batch = trainer.next(4)
            trainer.step(loss: trainer.tape.softmaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
        }
    }

    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
        logits(batch, tape)
    }
}

/// The echo model trained with TRM's carry scheme: 4 slots, a carry that is reset for new examples,
/// halting when the head is confident enough (here: a fixed rule on the first input token).
struct CarryEchoKernel: TRMKernel {
    let embedding: Tensor
    let head: Linear
    let carryInit = Tensor(zeros: [1])
    let haltTable: Tensor

    init(task: TaskInfo, rng: inout SeededRNG) {
        embedding = .parameter([task.vocabSize, 8], std: 1, rng: &rng)
        head = Linear(8, task.vocabSize, rng: &rng)
        haltTable = Tensor(shape: [task.vocabSize, 1], data: (0..<task.vocabSize).map { $0 < 3 ? 1 : -1 })
    }

    var parameters: [Tensor] { [embedding] + head.parameters }
    var settings: TrainingSettings {
        TrainingSettings(learningRate: 0.05, warmupSteps: 2, weightDecay: 0, emaDecay: 0.9, predictionBatchSize: 4)
    }
    var report: [String: Double] { [:] }

    func logits(_ batch: Batch, _ tape: Tape) -> Tensor {
        head(tape.rmsNorm(tape.embedding(embedding, ids: batch.inputs)), tape)
    }

    /// q for each example: +1 when its first input token is below 3, else −1.
    func halting(_ batch: Batch, _ tape: Tape) -> Tensor {
        let perToken = tape.reshape(tape.embedding(haltTable, ids: batch.inputs), [batch.size, batch.seqLen])
        return tape.reshape(tape.slice(perToken, axis: 1, start: 0, length: 1), [batch.size])
    }

    /// Called after every step with the carry and the slots (tests read them).
    var observe: (Tensor, Slots) -> Void = { _, _ in }

    mutating func train(_ trainer: Trainer) {
        let tape = trainer.tape
        let slots = trainer.slots(4)
        var carry = Tensor(zeros: [4, 1])
        while !trainer.isOutOfBudget {
            carry = tape.select(slots.fresh, carryInit, carry)
            let batch = slots.batch
            trainer.step(loss: tape.softmaxCrossEntropy(logits(batch, tape), labels: batch.labels!))
            carry = tape.add(carry, Tensor(repeating: 1, shape: [1]))  // counts the steps this example has taken
            observe(carry, slots)
            slots.refill(halting: halting(batch, tape), maxSteps: 3, exploration: 0)
        }
    }

    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
        logits(batch, tape)
    }
}

@Suite struct DriverTests {
    let scratch = ScratchDirectory("evolve-driver")

    /// A task the echo kernel can learn (see the static `writeTask`), in this test's scratch directory.
    func writeTask(trainFLOPs: Double = 2e6, mutate: (inout [String: String]) -> Void = { _ in }) throws -> URL {
        try Self.writeTask(in: scratch.url, trainFLOPs: trainFLOPs, mutate: mutate)
    }

    /// A task the echo kernel can learn: the label is the input token shifted by one. Written into a new
    /// directory under `parent`, which the caller's `ScratchDirectory` removes.
    static func writeTask(in parent: URL, trainFLOPs: Double = 2e6, mutate: (inout [String: String]) -> Void = { _ in }) throws -> URL {
        let dir = parent.appendingPathComponent("task-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        var rng = SeededRNG(seed: 3)
        func example() -> ([Int], [Int]) {
            let input = (0..<5).map { _ in Int(rng.next() % 5) }
            return (input, input.map { $0 + 1 })
        }
        var files: [String: String] = [:]
        files["data/task.json"] = #"{"name":"shift","vocab_size":6,"seq_len":5,"num_puzzle_ids":1}"#
        files["budget.json"] = #"{"train_flops":\#(trainFLOPs),"eval_flops":1e9,"seed":11}"#
        files["data/train.jsonl"] = (0..<40).map { _ in
            let (i, l) = example()
            return #"{"input":\#(i),"label":\#(l),"puzzle":0}"#
        }.joined(separator: "\n") + "\n"
        files["data/eval.jsonl"] = (0..<10).map { n in
            let (i, _) = example()
            return #"{"id":"q\#(n)","input":\#(i)}"#
        }.joined(separator: "\n") + "\n"
        mutate(&files)
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        return dir
    }

    func run(_ dir: URL) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/run.json")))) as? [String: Any] ?? [:]
    }

    @Test func sameDataAndSeedGiveIdenticalPredictionsAndTheKernelLearns() throws {
        let a = try writeTask(), b = try writeTask()
        let first = try TRMDriver.run(EchoKernel.self, workDir: a.path)
        let second = try TRMDriver.run(EchoKernel.self, workDir: b.path)
        let p1 = try Data(contentsOf: a.appendingPathComponent("out/predictions.jsonl"))
        let p2 = try Data(contentsOf: b.appendingPathComponent("out/predictions.jsonl"))
        #expect(p1 == p2)
        #expect(first.steps == second.steps && first.trainFLOPs == second.trainFLOPs)
        #expect(first.predictions == 10)
        // Trained until the op that would cross the budget ended training: that step is lost.
        #expect(first.trainingEndedByBudget)
        #expect(first.trainFLOPs <= 2_000_000 && first.trainFLOPs > 2_000_000 - 2 * (run(a)["largest_step_flops"] as! Int))
        let run = run(a)
        #expect(run["parameters"] as? Int == first.parameters)
        #expect((run["config"] as? [String: Double])?["effective_depth"] == 1)
        let curve = run["curve"] as! [[String: Any]]
        let losses = curve.compactMap { $0["loss"] as? Double }
        #expect(losses.count >= 2 && losses.last! < losses.first!)
        // Predictions are the shifted inputs: the mapping is learnable, so most must be exact.
        let lines = String(decoding: p1, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 10)
        #expect(lines.allSatisfy { $0.contains("\"id\":\"q") && $0.contains("\"output\":[") })
        // The curve's accuracy is measured by the trainer from the kernel's cross-entropy calls.
        #expect(curve.allSatisfy { $0["exact_accuracy"] is Double })
        // The driver probed predict at three checkpoints and after training, on 32 training examples.
        let probes = run["probes"] as! [[String: Any]]
        #expect(probes.count == 4 && probes.allSatisfy { $0["examples"] as? Int == 32 && $0["answered"] as? Int == 32 })
        #expect((probes.last?["exact"] as? Double ?? 0) > 0.5)
        #expect((run["probe_flops"] as? Int ?? 0) > 0)
        // The lost step had drawn its batch.
        #expect(run["examples_drawn"] as? Int == 4 * (first.steps + 1))
        #expect(run["train_budget"] as? Int == 2_000_000)
    }

    @Test func theCarrySchemeIsDeterministicToo() throws {
        let a = try writeTask(), b = try writeTask()
        let first = try TRMDriver.run(CarryEchoKernel.self, workDir: a.path)
        _ = try TRMDriver.run(CarryEchoKernel.self, workDir: b.path)
        #expect(try Data(contentsOf: a.appendingPathComponent("out/predictions.jsonl")) == Data(contentsOf: b.appendingPathComponent("out/predictions.jsonl")))
        #expect(first.steps > 10)
        // One refill per step: each a readout, counted.
        #expect(first.readouts == first.steps)
        #expect(run(a)["readouts"] as? Int == first.steps)
        // Slots are refilled as examples halt, so fewer examples are drawn than 4 per step.
        #expect(first.examplesDrawn < 4 * first.steps && first.examplesDrawn > 4)
    }

    @Test func logitsOfTheWrongShapeAreRefusedWithTheExpectedShape() throws {
        struct Wrong: TRMKernel {
            var inner: EchoKernel
            init(task: TaskInfo, rng: inout SeededRNG) { inner = EchoKernel(task: task, rng: &rng) }
            var parameters: [Tensor] { inner.parameters }
            var settings: TrainingSettings { inner.settings }
            var report: [String: Double] { [:] }
            mutating func train(_ trainer: Trainer) { inner.train(trainer) }
            mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
                tape.slice(inner.predict(batch, tape: tape), axis: 0, start: 0, length: 1)
            }
        }
        let dir = try writeTask()
        #expect(throws: DriverError.self) { try TRMDriver.run(Wrong.self, workDir: dir.path) }
        do { _ = try TRMDriver.run(Wrong.self, workDir: dir.path) } catch {
            #expect("\(error)".contains("expected [20, 6]"), "\(error)")
        }
    }

    @Test func twoAttemptsBecomeAttemptsLines() throws {
        struct Twice: TRMKernel {
            var inner: EchoKernel
            init(task: TaskInfo, rng: inout SeededRNG) { inner = EchoKernel(task: task, rng: &rng) }
            var parameters: [Tensor] { inner.parameters }
            var settings: TrainingSettings { inner.settings }
            var report: [String: Double] { [:] }
            mutating func train(_ trainer: Trainer) { inner.train(trainer) }
            mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
                let logits = inner.predict(batch, tape: tape)
                return tape.concat([logits, tape.scale(logits, -1)], axis: 0)  // the best and the worst answer
            }
        }
        let dir = try writeTask()
        _ = try TRMDriver.run(Twice.self, workDir: dir.path)
        let lines = try String(contentsOf: dir.appendingPathComponent("out/predictions.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 10)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        let attempts = try #require(first["attempts"] as? [[Int]])
        #expect(attempts.count == 2 && attempts[0].count == 5 && attempts[0] != attempts[1])
    }

    @Test func aKernelThatNeverStepsIsAnError() throws {
        struct Idle: TRMKernel {
            var inner: EchoKernel
            init(task: TaskInfo, rng: inout SeededRNG) { inner = EchoKernel(task: task, rng: &rng) }
            var parameters: [Tensor] { inner.parameters }
            var settings: TrainingSettings { inner.settings }
            var report: [String: Double] { [:] }
            mutating func train(_ trainer: Trainer) {}
            mutating func predict(_ batch: Batch, tape: Tape) -> Tensor { inner.predict(batch, tape: tape) }
        }
        do {
            _ = try TRMDriver.run(Idle.self, workDir: try writeTask().path)
            Issue.record("a kernel without optimiser steps was accepted")
        } catch {
            #expect("\(error)".contains("returned without an optimiser step"))
        }
    }

    @Test func aDifferentSeedChangesTraining() throws {
        let a = try writeTask()
        let b = try writeTask { $0["budget.json"] = #"{"train_flops":2e6,"eval_flops":1e9,"seed":12}"# }
        _ = try TRMDriver.run(EchoKernel.self, workDir: a.path)
        _ = try TRMDriver.run(EchoKernel.self, workDir: b.path)
        let r1 = try String(contentsOf: a.appendingPathComponent("out/run.json"), encoding: .utf8)
        let r2 = try String(contentsOf: b.appendingPathComponent("out/run.json"), encoding: .utf8)
        #expect(r1.components(separatedBy: "\"curve\"")[1].prefix(200) != r2.components(separatedBy: "\"curve\"")[1].prefix(200))
    }

    @Test(arguments: [
        ("data/train.jsonl", #"{"input":[1,2,3],"label":[2,3,4,5,1]}"#, "data/train.jsonl:1: input has 3 tokens"),
        ("data/train.jsonl", #"{"input":[1,2,3,4,9],"label":[2,3,4,5,1]}"#, "data/train.jsonl:1: input token 9 outside [0, 6)"),
        ("data/train.jsonl", #"{"input":[1,2,3,4,0]}"#, "data/train.jsonl:1: training example without \"label\""),
        ("data/eval.jsonl", #"{"input":[1,2,3,4,0]}"#, "data/eval.jsonl:1: eval example without \"id\""),
        ("data/eval.jsonl", "{\"id\":\"a\",\"input\":[1,2,3,4,0]}\n{\"id\":\"a\",\"input\":[1,2,3,4,0]}", "data/eval.jsonl:2: duplicate id"),
        ("data/eval.jsonl", "not json", "data/eval.jsonl:1: not a valid example"),
        ("budget.json", #"{"train_flops":1}"#, "budget.json: not valid Budget JSON"),
    ])
    func malformedInputNamesTheFileAndLine(file: String, content: String, expected: String) throws {
        let dir = try writeTask { $0[file] = content }
        do {
            _ = try TRMDriver.run(EchoKernel.self, workDir: dir.path)
            Issue.record("malformed \(file) was accepted")
        } catch let error as DriverError {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func evalBudgetStopsPredictionAtTheCrossingOpAndSaysSo() throws {
        // What the 10 queries cost in full (batches of 4, 4 and 2), then a budget of two and a quarter
        // batches of 4: two batches are answered, the op that would cross ends prediction in the third (of 2).
        let full = try TRMDriver.run(EchoKernel.self, workDir: try writeTask { $0["budget.json"] = #"{"train_flops":1e5,"eval_flops":1e9,"seed":1}"# }.path)
        let perBatch = full.evalFLOPs * 4 / 10
        let dir = try writeTask { $0["budget.json"] = #"{"train_flops":1e5,"eval_flops":\#(perBatch * 9 / 4),"seed":1}"# }
        let summary = try TRMDriver.run(EchoKernel.self, workDir: dir.path)
        #expect(!full.evalBudgetExhausted && full.predictions == 10)
        #expect(summary.evalBudgetExhausted)
        #expect(summary.predictions == 8)
        #expect(summary.evalFLOPs <= perBatch * 9 / 4)
        let lines = try String(contentsOf: dir.appendingPathComponent("out/predictions.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8)
    }
}
