import EvolveConfig
import Foundation
import Testing
@testable import Evaluators

/// The evaluator's reader goes through the one model of evolve.yaml: budgets that would trap converting to
/// `Int64` or to microseconds are one-line errors, the run sections' insides are checked as `evolve run`
/// checks them, `entry:` must name a file of the program, and the benchmark keys are the registry's.
@Suite struct BenchmarkBoundsTests {
    static func failure(_ lines: String, top: String = "") -> String? {
        let yaml = "seed: 1\n\(top)benchmarks:\n  - name: b\n    generator: sudoku\n    train: 1\n    validation: 1\n    test: 1\n    \(lines)\n"
        return RealData.failure { _ = try ProgramConfig.parse(yaml, path: "/runs/seed/evolve.yaml") }
    }

    @Test(arguments: [
        ("train_flops: 9.3e18\n    eval_flops: 1.0e9", "benchmarks[0] (\"b\"): train_flops must be greater than 0"),
        ("train_flops: .inf\n    eval_flops: 1.0e9", "train_flops must be"),
        ("train_flops: 1.0e10\n    eval_flops: -1", "eval_flops must be greater than 0"),
        ("train_flops: 1.0e10\n    eval_flops: 1.0e9\n    wall_seconds: 1e300", "wall_seconds must be greater than 0 and at most"),
    ])
    func budgetsOutOfRangeAreOneLine(lines: String, words: String) {
        let message = Self.failure(lines)
        #expect(message?.contains(words) == true, "\(message ?? "accepted")")
        #expect(message?.contains("\n") == false)
    }

    @Test func theLargestBudgetsLoad() throws {
        #expect(Self.failure("train_flops: 9.0e18\n    eval_flops: 1.0e9\n    wall_seconds: 604800") == nil)
    }

    /// What the evaluator's reader once let through because "the run reads those sections" is refused by it now.
    @Test(arguments: [
        ("llm:\n  model: anything\n", "\"llm.model\" (did you mean llm.models?)"),
        ("database: {islands: 4}\n", "\"database.islands\" (did you mean database.num_islands?)"),
        ("evaluator:\n  parallel: 2\n", "\"evaluator.parallel\""),
        ("evolution:\n  iterations: 100\n", "\"evolution.iterations\""),
        ("database:\n  num_islands: 0\n", "database.num_islands must be from 1 to 1000 (got 0)"),
    ])
    func runSectionContentsAreCheckedToo(top: String, words: String) {
        let message = Self.failure("train_flops: 1.0e10\n    eval_flops: 1.0e9", top: top)
        #expect(message?.contains(words) == true, "\(message ?? "accepted")")
    }

    @Test func theBenchmarkKeysAreTheRegistrys() {
        #expect(Set(BenchmarkSpec.keys) == Set(KeyRegistry.names(at: .benchmark)))
    }

    @Test func anEntryThatIsNotInTheProgramIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-entry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let yaml = "entry: kernel.swift\nseed: 1\nbenchmarks:\n  - {name: b, generator: sudoku, box_rows: 2, box_columns: 2, train: 1, validation: 1, test: 1, train_flops: 1.0e9, eval_flops: 1.0e8}\n"
        try Data(yaml.utf8).write(to: directory.appendingPathComponent("evolve.yaml"))
        #expect { try ProgramConfig.load(programDir: directory) } throws: { "\($0)".contains("entry: \(directory.path) has no file kernel.swift") }
        try Data("// EVOLVE-BLOCK-START\n".utf8).write(to: directory.appendingPathComponent("kernel.swift"))
        #expect(throws: Never.self) { try ProgramConfig.load(programDir: directory) }
    }
}
