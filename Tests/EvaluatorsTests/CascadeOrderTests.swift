import EvolveCore
import Foundation
import Testing
@testable import Evaluators

/// The cascade runs an evaluation's benchmarks cheapest first, so the value function's checkpoints come
/// after the cheap ones and can spare the dear ones.
@Suite struct CascadeOrderTests {
    @Test func theDefaultSuiteRunsItsSudokusBeforeTheMaze() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try ProgramConfig.load(programDir: repo.appendingPathComponent("Programs/trm"))
        #expect(config.benchmarks.map(\.name) == ["sudoku-6x6-easy", "sudoku-6x6-hard", "maze-9x9"], "the file's order")
        // The measured CPU order too (docs/default-suite.md: ~16 s for each 6×6, ~26 s for the maze).
        #expect(BenchmarkSpec.cheapestFirst(config.benchmarks).map(\.name) == ["sudoku-6x6-easy", "sudoku-6x6-hard", "maze-9x9"])
    }

    @Test func equalCostsKeepTheFilesOrder() throws {
        let text = """
            seed: 1
            benchmarks:
              - {name: big, generator: sudoku, box_rows: 2, box_columns: 2, train: 4, validation: 2, test: 2, train_flops: 3e9, eval_flops: 1e9}
              - {name: one, generator: sudoku, box_rows: 2, box_columns: 2, train: 4, validation: 2, test: 2, train_flops: 1e9, eval_flops: 1e9}
              - {name: two, generator: sudoku, box_rows: 2, box_columns: 2, train: 4, validation: 2, test: 2, train_flops: 1.5e9, eval_flops: 0.5e9}
            """
        let config = try ProgramConfig.parse(text, path: "evolve.yaml")
        #expect(BenchmarkSpec.cheapestFirst(config.benchmarks).map(\.name) == ["one", "two", "big"])
    }
}
