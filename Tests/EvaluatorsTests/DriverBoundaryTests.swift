import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

/// Issue 24's driver classes, as candidates compiled against TRMKit and run through the evaluator: a
/// second driver entry, labels used as tokens, the task's name, readouts past their rate. Each fails
/// on the driver before issue 24 (the kernel compiled, or ran and scored).
extension SandboxedCandidates {
    @Suite(.serialized) struct DriverBoundaryTests {
        let scratch = ScratchDirectory("evolve-boundary")
        var root: URL { scratch.url }

        func evaluate(_ source: String, policy: SourcePolicy? = .kernel) async throws -> EvaluationReport {
            try await HostileKernelTests.evaluate(source, policy: policy, root: root)
        }

        static let honestStep = """
            let batch = trainer.next(16)
            trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
            """

        @Test func aSecondDriverEntryEndsTheRun() async throws {
            // After training returns: a second entry would train the same weights on a fresh budget.
            let source = Fixtures.kernel(train: "for _ in 0..<5 {\n" + Self.honestStep + "\n}\nTRMDriver.main(Kernel.self)")
            let report = try await evaluate(source)
            #expect(report.outcome == .rejected, "\(report.artifacts)")
            let artifact = report.artifacts["sudoku-4x4: stage 1"] ?? ""
            #expect(artifact.contains("TRMDriver.main was entered a second time") && artifact.contains("exit code 3"), "\(report.artifacts)")
        }

        @Test func labelsCannotBeEmbeddedOrTurnedIntoTokens() async throws {
            // Without the source policy: the compiler itself refuses, by type.
            for (train, diagnostic) in [
                ("let batch = trainer.next(16)\n_ = trainer.tape.embedding(embedding, ids: batch.labels!)", "cannot convert value of type 'Labels'"),
                ("let batch = trainer.next(16)\n_ = Tokens(batch.labels!.ids, width: 1)", "'ids' is inaccessible"),
                ("let batch = trainer.next(16)\nlet ids: Tokens = batch.labels!", "cannot convert value of type 'Labels'"),
            ] {
                let report = try await evaluate(Fixtures.kernel(train: train + "\n" + Self.honestStep), policy: nil)
                #expect(report.outcome == .buildFailed, "\(train)")
                #expect(report.artifacts["build"]?.contains(diagnostic) == true, "\(diagnostic) in \(report.artifacts)")
            }
        }

        @Test func theTaskNameIsNotAKernelInput() async throws {
            let source = Fixtures.kernel(extra: "func pick(_ task: TaskInfo) -> Bool { task.name.hasPrefix(\"sudoku\") }")
            let report = try await evaluate(source, policy: nil)
            #expect(report.outcome == .buildFailed)
            #expect(report.artifacts["build"]?.contains("has no member 'name'") == true, "\(report.artifacts)")
        }

        @Test func aReadoutAboveOnePerStepEndsTheRun() async throws {
            let source = Fixtures.kernel(train: """
                while !trainer.isOutOfBudget {
                    let batch = trainer.next(16)
                    let out = logits(batch, trainer.tape)
                    trainer.step(loss: trainer.tape.stableMaxCrossEntropy(out, labels: batch.labels!))
                    let perExample = trainer.tape.exactMatch(out, labels: batch.labels!)
                    _ = trainer.allHalted(perExample)
                    _ = trainer.allHalted(perExample)
                }
                """)
            let report = try await evaluate(source)
            #expect(report.outcome == .rejected)
            #expect(report.artifacts["sudoku-4x4: stage 1"]?.contains("twice since the last optimiser step") == true, "\(report.artifacts)")
        }

        @Test func aReadoutOnAnythingButTheCurrentBatchEndsTheRun() async throws {
            // One value per example of the current batch, nothing wider (a training example bit by bit).
            let source = Fixtures.kernel(train: """
                let batch = trainer.next(16)
                let out = logits(batch, trainer.tape)
                trainer.step(loss: trainer.tape.stableMaxCrossEntropy(out, labels: batch.labels!))
                _ = trainer.allHalted(trainer.tape.embedding(embedding, ids: batch.inputs))
                """ + "\n" + Fixtures.honestTrain)
            let report = try await evaluate(source)
            #expect(report.outcome == .rejected)
            #expect(report.artifacts["sudoku-4x4: stage 1"]?.contains("one value per example of the current batch") == true, "\(report.artifacts)")
        }
    }
}

@Suite struct TaskIdentityTests {
    @Test func taskJSONCarriesShapesNotTheBenchmarksName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-task-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let task = TaskData(
            name: "sudoku-6x6-minimal", vocabSize: 8, seqLen: 3,
            train: [TokenExample(id: "a", input: [1, 2, 3], label: [3, 2, 1])], evaluation: [TokenExample(id: "q", input: [1, 1, 1], label: [1, 1, 1])])
        try task.write(to: dir, trainFLOPs: 10, evalFLOPs: 10, seed: 4)
        let text = try String(contentsOf: dir.appendingPathComponent("data/task.json"), encoding: .utf8)
        #expect(!text.contains("sudoku") && !text.contains("name"))
        #expect(text.contains("\"vocab_size\":8"))
    }
}
