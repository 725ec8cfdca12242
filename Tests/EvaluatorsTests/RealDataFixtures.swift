import EvolveSupport
import Foundation
@testable import Evaluators

/// Small data sets in the real formats, written by the tests themselves (no file from another repository):
/// ARC-AGI task folders, Kaggle's combined files, Sudoku-Extreme and Maze-Hard CSVs.
enum RealData {
    static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    // MARK: ARC

    /// `[[1, 2], [3, 4]]`, as ARC-AGI's files write grids.
    static func json(_ grid: ARCGrid) -> String {
        "[" + grid.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
    }

    /// An ARC-AGI task file: compact on one line like ARC-AGI-1, or one grid row per line (`pretty`).
    static func taskJSON(_ task: ARCTask, pretty: Bool = false, omitTestOutputs: Bool = false) -> String {
        func grid(_ g: ARCGrid) -> String {
            guard pretty else { return json(g) }
            return "[\n" + g.map { "      [" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ",\n") + "\n    ]"
        }
        func pair(_ p: ARCPair, output: Bool) -> String {
            output ? "{\"input\": \(grid(p.input)), \"output\": \(grid(p.output))}" : "{\"input\": \(grid(p.input))}"
        }
        let separator = pretty ? ",\n  " : ", "
        return "{\"train\": [" + task.train.map { pair($0, output: true) }.joined(separator: separator) + "], \"test\": ["
            + task.test.map { pair($0, output: !omitTestOutputs) }.joined(separator: separator) + "]}"
    }

    /// A deterministic grid of `height`×`width` colours from `seed`.
    static func grid(_ height: Int, _ width: Int, seed: UInt64) -> ARCGrid {
        var rng = SplitMix64(seed: seed)
        return (0..<height).map { _ in (0..<width).map { _ in rng.below(10) } }
    }

    /// A task whose rule is "mirror left-right": `demos` demonstrations and `tests` test pairs of grids `side` rows
    /// high and `width` wide (default `side - 1`: not square, so a swapped height and width shows).
    static func mirrorTask(_ name: String, side: Int, width: Int? = nil, demos: Int = 2, tests: Int = 1, seed: UInt64) -> ARCTask {
        func pair(_ k: Int) -> ARCPair {
            let input = grid(side, width ?? max(1, side - 1), seed: seed &* 131 &+ UInt64(k))
            return ARCPair(input: input, output: input.map { Array($0.reversed()) })
        }
        return ARCTask(name: name, train: (0..<demos).map(pair), test: (demos..<(demos + tests)).map(pair))
    }

    /// An ARC-AGI-style checkout: `<root>/data/training/*.json` and `<root>/data/evaluation/*.json`. Training
    /// tasks are 3–8 cells high; evaluation holds one task of full 30×30 grids (`e-big`, the whole canvas, no room
    /// for an end-of-grid marker), one with three test pairs, and more small ones.
    @discardableResult
    static func arcCheckout(at root: URL, training: Int = 8, evaluation: Int = 8) throws -> (training: [ARCTask], evaluation: [ARCTask]) {
        let train = (0..<training).map { mirrorTask(String(format: "t%03d", $0), side: 3 + $0 % 6, seed: UInt64(100 + $0)) }
        var eval = [mirrorTask("e-big", side: 30, width: 30, seed: 7), mirrorTask("e-three-tests", side: 5, demos: 3, tests: 3, seed: 8)]
        eval += (2..<evaluation).map { mirrorTask(String(format: "e%03d", $0), side: 3 + $0 % 5, seed: UInt64(200 + $0)) }
        for task in train {
            try write(taskJSON(task), to: root.appendingPathComponent("data/training/\(task.name).json"))
        }
        for (i, task) in eval.enumerated() {
            try write(taskJSON(task, pretty: i % 2 == 0), to: root.appendingPathComponent("data/evaluation/\(task.name).json"))
        }
        return (train, eval)
    }

    /// Kaggle's combined pair for `subset`: challenges (test inputs only) and solutions (test outputs by task id).
    static func kaggle(_ tasks: [ARCTask], subset: String, in dir: URL, solutions: Bool = true) throws {
        let challenges = "{" + tasks.map { "\"\($0.name)\": \(taskJSON($0, omitTestOutputs: true))" }.joined(separator: ", ") + "}"
        try write(challenges, to: dir.appendingPathComponent("arc-agi_\(subset)_challenges.json"))
        guard solutions else { return }
        let outputs = "{" + tasks.map { "\"\($0.name)\": [" + $0.test.map { json($0.output) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "}"
        try write(outputs, to: dir.appendingPathComponent("arc-agi_\(subset)_solutions.json"))
    }

    // MARK: Sudoku

    /// Sudoku-Extreme rows (`source,question,answer,rating`) of distinct 9×9 puzzles, `.` for blanks.
    static func sudokuRows(_ puzzles: [SudokuPuzzle], source: String = "fixture") -> [String] {
        puzzles.enumerated().map { i, p in
            "\(source),\(p.givens.map { $0 == 0 ? "." : String($0) }.joined()),\(p.solution.map(String.init).joined()),\(i % 5)"
        }
    }

    static let sudokuHeader = "source,question,answer,rating"

    static func sudokuPuzzles(_ count: Int, seed: UInt64) -> [SudokuPuzzle] {
        SudokuGenerator(boxRows: 3, boxColumns: 3, difficulty: .blanks(45)).generate(count: count, seed: seed)
    }

    // MARK: Maze

    /// A 30×30 Maze-Hard-style puzzle: random walls (about a third of the cells), S and G far apart, and a shortest
    /// path found by the test's own BFS; nil when S cannot reach G.
    static func maze30(seed: UInt64) -> MazePuzzle? {
        let side = 30
        var rng = SplitMix64(seed: seed)
        var grid = (0..<(side * side)).map { _ in rng.below(3) == 0 ? 1 : 2 }
        let start = rng.below(side * 4), goal = side * side - 1 - rng.below(side * 4)
        grid[start] = 3
        grid[goal] = 4
        let fromGoal = MazeFixture.bfs(grid, side: side, from: goal)
        guard let length = fromGoal[start] else { return nil }
        var label = grid
        var cell = start
        for _ in 1..<length {  // step to a neighbour one move closer to the goal
            let r = cell / side, c = cell % side
            let next = [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]
                .filter { (0..<side).contains($0.0) && (0..<side).contains($0.1) }
                .map { $0.0 * side + $0.1 }
                .first { fromGoal[$0] == fromGoal[cell]! - 1 }!
            label[next] = 5
            cell = next
        }
        return MazePuzzle(side: side, inputTokens: grid, labelTokens: label)
    }

    static func maze30s(_ count: Int, seed: UInt64) -> [MazePuzzle] {
        var result: [MazePuzzle] = []
        var s = seed
        while result.count < count {
            if let maze = maze30(seed: s) { result.append(maze) }
            s += 1
        }
        return result
    }

    static func mazeRows(_ mazes: [MazePuzzle]) -> [String] {
        mazes.enumerated().map { "hard,\(MazeFixture.text($1.inputTokens)),\(MazeFixture.text($1.labelTokens)),\($0 % 7)" }
    }

    // MARK: evolve.yaml

    /// An evolve.yaml with one benchmark entry made of `lines` (YAML `key: value` lines).
    static func config(_ lines: [String], seed: Int = 5) -> String {
        "seed: \(seed)\nbenchmarks:\n  - " + (lines + ["train_flops: 1.0e10", "eval_flops: 1.0e9"]).joined(separator: "\n    ") + "\n"
    }

    /// The error text of `body`, or nil when it succeeds.
    static func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }
}
