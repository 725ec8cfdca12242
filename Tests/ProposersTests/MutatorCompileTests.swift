import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators
@testable import Proposers

/// Measures how many offline-mutator children of the TRM seed compile, with the evaluator's own compile
/// step (swiftc against the cached TRMKit module, in the sandbox). Minutes of compiling, so it runs only
/// when asked: `EVOLVE_MEASURE_COMPILE=50 swift test --filter MutatorCompileTests` (the number is how many
/// children; half of them direct children of the seed, half a lineage where each mutates the last).
/// The fraction is printed and written to `$TMPDIR/evolve-mutator-compile.txt`.
@Suite(.serialized) struct MutatorCompileTests {
    static let count = Int(ProcessInfo.processInfo.environment["EVOLVE_MEASURE_COMPILE"] ?? "")
    static let runCount = Int(ProcessInfo.processInfo.environment["EVOLVE_MEASURE_RUN"] ?? "")

    static let config = Fixtures.tinySudokuConfig

    @Test(.enabled(if: count != nil, "set EVOLVE_MEASURE_COMPILE=<children> to measure"))
    func childrenOfTheTRMSeedCompile() async throws {
        let total = max(2, Self.count ?? 50)
        let temp = FileManager.default.temporaryDirectory
        let module = try TRMKitModule.prepare(
            sources: Seeds.repo.appendingPathComponent("Sources/TRMKit"), cacheRoot: temp.appendingPathComponent("evolve-test-module-cache"))
        let work = temp.appendingPathComponent("evolve-mutator-compile-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: work) }
        let evaluator = CandidateEvaluator(
            sandbox: Sandbox(), module: module, config: try ProgramConfig.parse(Self.config, path: "test.yaml"), workRoot: work)
        let seed = Program(files: try Seeds.files("trm"))
        let control = try await evaluator.compile(files: seed.files, in: work.appendingPathComponent("seed"))
        try #require(control.binary != nil, "the seed itself does not compile: \(control.diagnostics)")

        var compiled = 0
        var lines: [String] = []
        var previous = seed
        for index in 0..<total {
            let lineage = index >= total / 2
            let parent = lineage ? previous : seed
            let child = try Seeds.child(OfflineMutator().mutate(ProposalContext(parent: parent, seed: UInt64(1000 + index))))
            let build = try await evaluator.compile(files: child.files, in: work.appendingPathComponent("c\(index)"))
            let ok = build.binary != nil
            if ok { compiled += 1 }
            lines.append("\(ok ? "ok  " : "FAIL") \(lineage ? "lineage" : "direct ") \(child.proposal.summary)\(ok ? "" : "\n     " + build.diagnostics.prefix(400))")
            previous = Program(files: child.files)
            try? FileManager.default.removeItem(at: work.appendingPathComponent("c\(index)"))
        }
        let fraction = Double(compiled) / Double(total)
        let report = String(format: "offline mutator: %d of %d children of Programs/trm compiled (%.0f%%)\n", compiled, total, fraction * 100) + lines.joined(separator: "\n") + "\n"
        print(report)
        try report.write(to: temp.appendingPathComponent("evolve-mutator-compile.txt"), atomically: true, encoding: .utf8)
        #expect(fraction >= 0.9, "\(report)")
    }

    /// Beyond compiling: how many children run through both evaluation stages on a tiny Sudoku budget
    /// (`EVOLVE_MEASURE_RUN=20`); written to `$TMPDIR/evolve-mutator-run.txt`. Informational: a child may
    /// legitimately fail at run time (a width the attention heads do not divide), so nothing is asserted
    /// beyond the seed itself being evaluated.
    @Test(.enabled(if: runCount != nil, "set EVOLVE_MEASURE_RUN=<children> to measure"))
    func childrenOfTheTRMSeedRun() async throws {
        let total = max(1, Self.runCount ?? 20)
        let temp = FileManager.default.temporaryDirectory
        let module = try TRMKitModule.prepare(
            sources: Seeds.repo.appendingPathComponent("Sources/TRMKit"), cacheRoot: temp.appendingPathComponent("evolve-test-module-cache"))
        let work = temp.appendingPathComponent("evolve-mutator-run-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: work) }
        let evaluator = CandidateEvaluator(
            sandbox: Sandbox(), module: module, config: try ProgramConfig.parse(Self.config, path: "test.yaml"), workRoot: work)
        let seed = Program(files: try Seeds.files("trm"))
        let control = try await evaluator.evaluate(seed, EvaluationRequest(split: .validation, trainingSeed: 1))
        try #require(control.outcome == .evaluated, "the seed itself is not evaluated: \(control.artifacts)")
        var evaluated = 0
        var lines = [String(format: "seed: exact %.3f", control.metrics?.combinedScore ?? 0)]
        for index in 0..<total {
            let child = try Seeds.child(OfflineMutator().mutate(ProposalContext(parent: seed, seed: UInt64(2000 + index))))
            let report = try await evaluator.evaluate(Program(files: child.files), EvaluationRequest(split: .validation, trainingSeed: 1))
            if report.outcome == .evaluated { evaluated += 1 }
            let detail = report.outcome == .evaluated
                ? String(format: "exact %.3f", report.metrics?.combinedScore ?? 0)
                : report.artifacts.values.joined(separator: " | ").replacingOccurrences(of: "\n", with: " ").prefix(300).description
            lines.append("\(report.outcome.rawValue) \(child.proposal.summary): \(detail)")
        }
        let text = "offline mutator: \(evaluated) of \(total) children of Programs/trm evaluated on a tiny Sudoku budget\n" + lines.joined(separator: "\n") + "\n"
        print(text)
        try text.write(to: temp.appendingPathComponent("evolve-mutator-run.txt"), atomically: true, encoding: .utf8)
    }
}
