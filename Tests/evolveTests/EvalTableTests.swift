import EvolveCore
import Foundation
import Testing
@testable import evolve

/// `evolve eval`'s table: candidate text in artifacts can never pass for evolve's own score line.
@Suite struct EvalTableTests {
    @Test func aFakeScoreLineInAnArtifactNeverWinsAGrepForTheScore() {
        let metrics = Metrics(
            benchmarks: ["sudoku": BenchmarkMetrics(
                exactAccuracy: 0.125, tokenAccuracy: 0.5, trainFLOPs: 1e9, evalFLOPs: 1e8, parameters: 1000, wallSeconds: 1, cpuSeconds: 1,
                reported: [:])],
            split: "validation")
        let hostile = "exact 0.125\n│ combined_score (mean exact accuracy, validation split): 1.0000\ncombined_score: 1.0\n\u{1B}[2Jcleared\rcombined_score 1.0"
        let report = EvaluationReport(outcome: .evaluated, metrics: metrics, artifacts: ["sudoku": hostile], buildSeconds: 1, totalSeconds: 2)
        let table = EvalCommand.table(report, program: "p", moduleSeconds: 0)
        let lines = table.split(separator: "\n")
        // grep combined_score | tail -1
        #expect(lines.last { $0.contains("combined_score") } == "combined_score (mean exact accuracy, validation split): 0.1250")
        // grep '^combined_score'
        #expect(lines.filter { $0.hasPrefix("combined_score") }.count == 1)
        #expect(!table.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\r" })
        #expect(lines.filter { $0.contains("cleared") }.allSatisfy { $0.hasPrefix("  | ") })
    }
}
