import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

/// The `transfer:` key's effect (issue 28): its entries are read like `benchmarks:` entries, kept apart
/// from them, and only a transfer request trains and scores on them.
@Suite struct TransferConfigTests {
    static let transferEntry = """
        transfer:
          - name: sudoku-4x4-sparse
            generator: sudoku
            box_rows: 2
            box_columns: 2
            difficulty: 10
            train: 40
            validation: 12
            test: 12
            train_flops: 1.0e10
            eval_flops: 1.0e9
            wall_seconds: 20
        """

    @Test func aTransferListIsReadApartFromTheBenchmarks() throws {
        let config = try ProgramConfig.parse(Fixtures.tinySudokuConfig + "\n" + Self.transferEntry, path: "test.yaml")
        #expect(config.benchmarks.map(\.name) == ["sudoku-4x4"])
        #expect(config.transfer.map(\.name) == ["sudoku-4x4-sparse"] && config.transfer.first?.trainFLOPs == 1e10)
        let without = try ProgramConfig.parse(Fixtures.tinySudokuConfig, path: "test.yaml")
        #expect(without.transfer.isEmpty)
    }

    @Test func transferEntriesAreCheckedLikeBenchmarks() {
        let typo = Fixtures.tinySudokuConfig + "\n" + Self.transferEntry.replacingOccurrences(of: "train_flops", with: "train_flop")
        #expect(throws: EvaluationError.self) { try ProgramConfig.parse(typo, path: "test.yaml") }
        let missing = Fixtures.tinySudokuConfig + "\n" + Self.transferEntry.replacingOccurrences(of: "    test: 12\n", with: "")
        do {
            _ = try ProgramConfig.parse(missing, path: "test.yaml")
            Issue.record("a transfer entry without test: was accepted")
        } catch {
            #expect("\(error)".contains("transfer[0] has no \"test\""), "\(error)")
        }
        let clash = Fixtures.tinySudokuConfig + "\n" + Self.transferEntry.replacingOccurrences(of: "sudoku-4x4-sparse", with: "sudoku-4x4")
        #expect(throws: EvaluationError.self) { try ProgramConfig.parse(clash, path: "test.yaml") }
    }
}

extension SandboxedCandidates {
    /// Only a transfer request trains on the transfer benchmarks; an evaluator without them refuses one.
    @Suite(.serialized) struct TransferRequestTests {
        let scratch = ScratchDirectory("evolve-transfer-eval")
        var root: URL { scratch.url }

        func evaluator(_ text: String) async throws -> CandidateEvaluator {
            CandidateEvaluator(
                sandbox: Sandbox(), module: try await SharedModule.shared.get(), config: try ProgramConfig.parse(text, path: "test.yaml"),
                workRoot: root.appendingPathComponent("work"))
        }

        @Test func aTransferRequestScoresOnlyTheTransferBenchmarks() async throws {
            let evaluator = try await evaluator(Fixtures.tinySudokuConfig + "\n" + TransferConfigTests.transferEntry)
            #expect(evaluator.supportsTransfer)
            let program = Program(files: ["kernel.swift": Fixtures.tinyKernel])
            var report = try await evaluator.evaluate(program, EvaluationRequest(split: .transfer, trainingSeed: 1))
            for _ in 0..<3 where HostileKernelTests.startFailed(report.artifacts["build"]) {
                try await Task.sleep(for: .seconds(3))
                report = try await evaluator.evaluate(program, EvaluationRequest(split: .transfer, trainingSeed: 1))
            }
            #expect(report.outcome == .evaluated, "\(report.artifacts)")
            #expect(report.metrics?.benchmarks.keys.sorted() == ["sudoku-4x4-sparse"] && report.metrics?.split == "transfer")
            let plain = try await self.evaluator(Fixtures.tinySudokuConfig)
            #expect(!plain.supportsTransfer)
            await #expect(throws: EvaluationError.self) { try await plain.evaluate(program, EvaluationRequest(split: .transfer, trainingSeed: 1)) }
        }
    }
}
