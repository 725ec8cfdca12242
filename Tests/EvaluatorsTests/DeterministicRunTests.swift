import EvolveCore
import Foundation
import TestSupport
import Testing
@testable import Evaluators

extension SandboxedCandidates {
    /// A kernel's run is a function of its code and the training seed: the queue re-scores runs to the last
    /// bit, and a resumed run trusts the scores it stored. `Hasher` (and with it the order of every `Set` and
    /// `Dictionary`) is the one unseeded random source the vetted standard library still holds, so the
    /// candidate runs with deterministic hashing.
    @Suite(.serialized) struct DeterministicRunTests {
        let scratch = ScratchDirectory("evolve-deterministic")
        var root: URL { scratch.url }

        /// Answers each cell of every query with a digit picked by `Hasher`: with per-process hashing, a coin flip
        /// per cell and run.
        static let hashPicker = Fixtures.kernel(predict: """
            let rows = batch.size * batch.seqLen, v = 6
            var picked = [Float](repeating: 0, count: rows * v)
            for i in 0..<rows {
                var hasher = Hasher()
                hasher.combine(i % batch.seqLen)  // by cell, not by query: the evaluator shuffles the queries
                picked[i * v + 2 + abs(hasher.finalize() % 4)] = 1
            }
            return Tensor(shape: [rows, v], data: picked)
            """)

        @Test func aKernelThatAnswersByHashingAnswersTheSameEveryTime() async throws {
            var accuracies: [Double] = []
            for _ in 0..<3 {
                let report = try await HostileKernelTests.evaluate(Self.hashPicker, policy: .kernel, root: root)
                #expect(report.outcome == .evaluated, "\(report.artifacts)")
                accuracies.append(try #require(report.metrics?.benchmarks["sudoku-4x4"]).tokenAccuracy)
            }
            #expect(Set(accuracies).count == 1, "token accuracy with training seed 1, three runs: \(accuracies)")
        }
    }
}
