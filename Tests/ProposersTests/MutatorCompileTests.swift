import EvolveCore
import Foundation
import Sandbox
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

    static let config = """
        seed: 3
        benchmarks:
          - name: sudoku-4x4
            generator: sudoku
            box_rows: 2
            box_columns: 2
            difficulty: 8
            train: 10
            validation: 4
            test: 4
            train_flops: 1.0e8
            eval_flops: 1.0e8
            wall_seconds: 20
        """

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
}
