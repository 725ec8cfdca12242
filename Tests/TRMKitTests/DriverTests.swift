import Foundation
import Testing
@testable import TRMKit

/// A tiny kernel for driver tests: embedding → rmsNorm → linear head, one step per batch.
struct EchoKernel: TRMKernel {
    let embedding: Tensor
    let head: Linear
    let vocab: Int

    init(task: TaskInfo, rng: inout SeededRNG) {
        vocab = task.vocabSize
        embedding = .parameter([task.vocabSize, 8], std: 1, rng: &rng)
        head = Linear(8, task.vocabSize, rng: &rng)
    }

    var parameters: [Tensor] { [embedding] + head.parameters }
    var settings: TrainingSettings { TrainingSettings(batchSize: 4, learningRate: 0.05, warmupSteps: 2, weightDecay: 0, emaDecay: 0.9) }
    var report: [String: Double] { ["effective_depth": 1] }

    func logits(_ batch: Batch, _ tape: Tape) -> Tensor {
        head(tape.rmsNorm(tape.embedding(embedding, ids: batch.inputs)), tape)
    }

    mutating func train(on batch: Batch, trainer: Trainer) {
        let out = logits(batch, trainer.tape)
        let exact = batch.exactMatches(out.argmaxLastAxis()).filter { $0 }.count
        trainer.step(loss: trainer.tape.softmaxCrossEntropy(out, labels: batch.labels!), exactAccuracy: Double(exact) / Double(batch.size))
    }

    mutating func predict(_ batch: Batch, tape: Tape) -> [Int] {
        logits(batch, tape).argmaxLastAxis()
    }
}

@Suite struct DriverTests {
    /// A task the echo kernel can learn: the label is the input token shifted by one.
    func writeTask(trainFLOPs: Double = 2e6, mutate: (inout [String: String]) -> Void = { _ in }) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-driver-\(UUID().uuidString)")
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

    @Test func sameDataAndSeedGiveIdenticalPredictionsAndTheKernelLearns() throws {
        let a = try writeTask(), b = try writeTask()
        let first = try TRMDriver.run(EchoKernel.self, workDir: a.path)
        let second = try TRMDriver.run(EchoKernel.self, workDir: b.path)
        let p1 = try Data(contentsOf: a.appendingPathComponent("out/predictions.jsonl"))
        let p2 = try Data(contentsOf: b.appendingPathComponent("out/predictions.jsonl"))
        #expect(p1 == p2)
        #expect(first.steps == second.steps && first.trainFLOPs == second.trainFLOPs)
        #expect(first.predictions == 10)
        #expect(first.trainFLOPs >= 2_000_000)  // trained until the budget was spent
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: a.appendingPathComponent("out/run.json"))) as! [String: Any]
        #expect(run["parameters"] as? Int == first.parameters)
        #expect((run["config"] as? [String: Double])?["effective_depth"] == 1)
        let curve = run["curve"] as! [[String: Any]]
        let losses = curve.compactMap { $0["loss"] as? Double }
        #expect(losses.count >= 2 && losses.last! < losses.first!)
        // Predictions are the shifted inputs: the mapping is learnable, so most must be exact.
        let lines = String(decoding: p1, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 10)
        #expect(lines.allSatisfy { $0.contains("\"id\":\"q") && $0.contains("\"output\":[") })
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

    @Test func evalBudgetStopsPredictionAndSaysSo() throws {
        let dir = try writeTask { $0["budget.json"] = #"{"train_flops":1e5,"eval_flops":10,"seed":1}"# }
        let summary = try TRMDriver.run(EchoKernel.self, workDir: dir.path)
        #expect(summary.evalBudgetExhausted)
        #expect(summary.predictions == 4)  // one batch ran before the meter was checked again
    }
}
