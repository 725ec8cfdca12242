import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

/// What a checkpoint hands the loop, from a real kernel compiled and run on two benchmarks of different
/// shapes (a 4×4 Sudoku, then a 6×6 one with a larger vocabulary): the parameter count stage 1 settled
/// is the one stage 2 measures at the end, though the first benchmark alone counted fewer.
extension SandboxedCandidates {
    @Suite(.serialized) struct CheckpointSettledTests {
        let scratch = ScratchDirectory("evolve-settled")

        actor Seen {
            var partials: [PartialEvaluation] = []
            func add(_ partial: PartialEvaluation) { partials.append(partial) }
        }

        static let config = CandidateEvaluatorTests.tinyConfig + """

              - name: sudoku-6x6
                generator: sudoku
                box_rows: 2
                box_columns: 3
                difficulty: 12
                train: 40
                validation: 12
                test: 12
                train_flops: 2.0e10
                eval_flops: 1.0e9
                wall_seconds: 30
            """

        @Test func stage1SettlesTheFinalParameterCountAtTheCheckpoint() async throws {
            let evaluator = CandidateEvaluator(
                sandbox: Sandbox(), module: try await SharedModule.shared.get(), config: try ProgramConfig.parse(Self.config, path: "test.yaml"),
                workRoot: scratch.url.appendingPathComponent("work"))
            let seen = Seen()
            let program = Program(files: ["kernel.swift": Fixtures.tinyKernel])
            var report = try await evaluator.evaluate(
                program, EvaluationRequest(split: .validation, trainingSeed: 1), progress: { _ in }, checkpoint: { await seen.add($0); return nil })
            for _ in 0..<3 where HostileKernelTests.startFailed(report.artifacts["build"]) {
                try await Task.sleep(for: .seconds(3))
                report = try await evaluator.evaluate(
                    program, EvaluationRequest(split: .validation, trainingSeed: 1), progress: { _ in }, checkpoint: { await seen.add($0); return nil })
            }
            #expect(report.outcome == .evaluated, "\(report.artifacts)")
            let partial = try #require(await seen.partials.last)
            #expect(partial.remaining == ["sudoku-6x6"])
            let measured = try #require(partial.descriptors["parameters"])
            let final = try #require(report.descriptors["parameters"])
            #expect(measured < final, "the 6×6 vocabulary enlarges the embedding and the head")
            #expect(partial.settled["parameters"] == final...final, "\(String(describing: partial.settled["parameters"])) vs \(final)")
            let trainFLOPs = try #require(partial.descriptors["train_flops"])
            #expect(partial.settled["train_flops"] == trainFLOPs...(trainFLOPs + 2e10))
        }
    }
}
