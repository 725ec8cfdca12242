import EvolveSupport
import Foundation
import Testing
@testable import Evaluators

@Suite struct SudokuGeneratorTests {
    @Test(arguments: [(2, 2), (2, 3), (3, 3)])
    func everyGeneratedPuzzleHasExactlyOneSolution(boxRows: Int, boxColumns: Int) {
        let n = boxRows * boxColumns
        let blanks = n * n / 2
        let generator = SudokuGenerator(boxRows: boxRows, boxColumns: boxColumns, difficulty: .blanks(blanks))
        let verifier = SudokuVerifier(boxRows: boxRows, boxColumns: boxColumns)
        for puzzle in generator.generate(count: 12, seed: 3) {
            #expect(puzzle.blanks == blanks)
            #expect(generator.solver.countSolutions(puzzle.givens, limit: 3) == 1)
            #expect(verifier.isValidCompletion(puzzle: puzzle.givens, answer: puzzle.solution))
            #expect(generator.solver.solve(puzzle.givens) == puzzle.solution)
        }
    }

    @Test func minimalPuzzlesHaveNoRemovableClue() {
        let generator = SudokuGenerator(boxRows: 2, boxColumns: 3, difficulty: .minimal)
        for puzzle in generator.generate(count: 8, seed: 11) {
            #expect(generator.solver.countSolutions(puzzle.givens) == 1)
            for cell in puzzle.givens.indices where puzzle.givens[cell] != 0 {
                var weaker = puzzle.givens
                weaker[cell] = 0
                #expect(generator.solver.countSolutions(weaker) == 2, "clue at \(cell) is removable")
            }
        }
    }

    @Test func generationIsDeterministicPerSeedAndIndex() {
        let generator = SudokuGenerator(boxRows: 2, boxColumns: 2, difficulty: .minimal)
        let a = generator.generate(count: 10, seed: 5)
        #expect(a == generator.generate(count: 10, seed: 5))
        #expect(Array(a.prefix(4)) == generator.generate(count: 4, seed: 5))
        #expect(a != generator.generate(count: 10, seed: 6))
    }

    /// The solution grids are genuinely different, not one grid with its digits renamed: solving the
    /// empty grid with a shuffled digit order gave 1 grid (up to renaming) in 50 draws at 6×6 and 9×9.
    @Test(arguments: [(2, 3), (2, 4), (3, 3)])
    func solutionGridsDifferBeyondRenamingTheirDigits(boxRows: Int, boxColumns: Int) {
        let generator = SudokuGenerator(boxRows: boxRows, boxColumns: boxColumns, difficulty: .blanks(1))
        // A grid up to renaming: each digit replaced by the order of its first appearance.
        func renamedAway(_ grid: [Int]) -> [Int] {
            var names: [Int: Int] = [:]
            return grid.map { digit in
                if let name = names[digit] { return name }
                names[digit] = names.count + 1
                return names.count
            }
        }
        let grids = Set(generator.generate(count: 50, seed: 1).map { renamedAway($0.solution) })
        #expect(grids.count >= 40, "\(grids.count) distinct grids up to renaming in 50 draws")
    }

    @Test func tokensFollowTRMsEncoding() {
        let puzzle = SudokuPuzzle(
            boxRows: 2, boxColumns: 2, givens: [1, 0, 0, 4, 0, 4, 0, 0, 0, 0, 4, 0, 4, 0, 0, 1],
            solution: [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1])
        #expect(puzzle.inputTokens.prefix(4) == [2, 1, 1, 5])
        #expect(puzzle.labelTokens.prefix(4) == [2, 3, 4, 5])
        #expect(puzzle.vocabularySize == 6)
    }

    @Test func solverCountsZeroForContradictionsAndStopsAtTheLimit() {
        let solver = SudokuSolver(boxRows: 2, boxColumns: 2)
        var clash = Array(repeating: 0, count: 16)
        clash[0] = 1
        clash[1] = 1
        #expect(solver.countSolutions(clash) == 0)
        #expect(solver.solve(clash) == nil)
        // The empty 4×4 grid has 288 solutions.
        #expect(solver.countSolutions(Array(repeating: 0, count: 16), limit: 1000) == 288)
        #expect(solver.countSolutions(Array(repeating: 0, count: 16), limit: 2) == 2)
    }

    @Test func symmetriesKeepPuzzlesValidAndUnique() {
        let generator = SudokuGenerator(boxRows: 3, boxColumns: 3, difficulty: .blanks(45))
        let verifier = SudokuVerifier(boxRows: 3, boxColumns: 3)
        var rng = SplitMix64(seed: 9)
        for puzzle in generator.generate(count: 5, seed: 1) {
            let symmetry = SudokuSymmetry.random(boxRows: 3, boxColumns: 3, using: &rng)
            let copy = symmetry.apply(puzzle)
            #expect(copy.blanks == puzzle.blanks)
            #expect(verifier.isValidCompletion(puzzle: copy.givens, answer: copy.solution))
            #expect(generator.solver.countSolutions(copy.givens) == 1)
        }
        // 2×3 boxes: bands of two rows, stacks of three columns; never transposed.
        let six = SudokuGenerator(boxRows: 2, boxColumns: 3, difficulty: .blanks(18)).generate(count: 3, seed: 2)
        let sixVerifier = SudokuVerifier(boxRows: 2, boxColumns: 3)
        for puzzle in six {
            let symmetry = SudokuSymmetry.random(boxRows: 2, boxColumns: 3, using: &rng)
            #expect(!symmetry.transpose)
            let copy = symmetry.apply(puzzle)
            #expect(sixVerifier.isValidCompletion(puzzle: copy.givens, answer: copy.solution))
        }
    }

    @Test func csvLoaderReadsTheSudokuExtremeFormatAndNamesBadLines() throws {
        let generator = SudokuGenerator(boxRows: 3, boxColumns: 3, difficulty: .blanks(50))
        let puzzles = generator.generate(count: 3, seed: 4)
        var csv = "source,question,answer,rating\n"
        for p in puzzles {
            let q = p.givens.map { $0 == 0 ? "." : String($0) }.joined()
            csv += "fixture,\(q),\(p.solution.map(String.init).joined()),7\n"
        }
        #expect(try SudokuCSV.parse(csv, path: "fixture.csv") == puzzles)

        let broken = csv + "fixture,123,456,1\n"
        do {
            _ = try SudokuCSV.parse(broken, path: "fixture.csv")
            Issue.record("a 3-cell question was accepted")
        } catch let error as BenchmarkFileError {
            #expect(error.description.hasPrefix("fixture.csv:5:"))
        }
        var wrong = puzzles[0].solution
        wrong.swapAt(0, 1)
        let q = puzzles[0].givens.map { $0 == 0 ? "." : String($0) }.joined()
        #expect(throws: BenchmarkFileError.self) {
            try SudokuCSV.parse("x,\(q),\(wrong.map(String.init).joined()),0\n", path: "bad.csv")
        }
    }
}

@Suite struct SudokuSplitTests {
    @Test func symmetricCopiesShareTheirKey() {
        var rng = SplitMix64(seed: 77)
        for (r, c) in [(2, 3), (3, 3)] {
            for puzzle in SudokuGenerator(boxRows: r, boxColumns: c, difficulty: .minimal).generate(count: 4, seed: 8) {
                for _ in 0..<5 {
                    let copy = SudokuSymmetry.random(boxRows: r, boxColumns: c, using: &rng).apply(puzzle)
                    #expect(copy.symmetryKey == puzzle.symmetryKey)
                }
            }
        }
    }

    /// A 4×4 grid has few symmetry classes: asking for more distinct puzzles than exist is an error that names
    /// the grid and the fix, not a crash of evolve (it was a precondition that killed an `evolve run`).
    @Test func moreDistinctPuzzlesThanTheGridHoldsIsAnErrorNotACrash() {
        let bench = SudokuBenchmark(
            boxRows: 2, boxColumns: 2, difficulty: .minimal, trainCount: 200, validationCount: 50, testCount: 50)
        #expect {
            _ = try bench.taskData(split: .validation, seed: 1)
        } throws: { error in
            let text = "\(error)"
            return text.contains("sudoku-4x4") && text.contains("of 50") && text.contains("fewer puzzles")
        }
    }

    @Test func splitsAreDisjointByCanonicalKeyEvenWithAugmentation() throws {
        let bench = SudokuBenchmark(
            boxRows: 2, boxColumns: 3, difficulty: .blanks(20), trainCount: 30, validationCount: 10, testCount: 10,
            augmentations: 2)
        let validation = try bench.taskData(split: .validation, seed: 1)
        let test = try bench.taskData(split: .test, seed: 1)
        #expect(validation.train == test.train)
        #expect(validation.train.count == 90)
        func keys(_ examples: [TokenExample]) -> Set<String> {
            Set(examples.map { e in
                SudokuPuzzle(boxRows: 2, boxColumns: 3, givens: e.input.map { $0 <= 1 ? 0 : $0 - 1 }, solution: e.label.map { $0 - 1 }).symmetryKey
            })
        }
        let trainKeys = keys(validation.train), validationKeys = keys(validation.evaluation), testKeys = keys(test.evaluation)
        #expect(validationKeys.count == 10 && testKeys.count == 10)
        #expect(trainKeys.isDisjoint(with: validationKeys))
        #expect(trainKeys.isDisjoint(with: testKeys))
        #expect(validationKeys.isDisjoint(with: testKeys))
    }

    @Test func taskDataWritesTheProtocolFilesWithoutEvalLabels() throws {
        let bench = SudokuBenchmark(boxRows: 2, boxColumns: 2, difficulty: .blanks(6), trainCount: 5, validationCount: 3, testCount: 3)
        let data = try bench.taskData(split: .validation, seed: 2)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-task-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try data.write(to: dir, trainFLOPs: 1_000_000, evalFLOPs: 1000, seed: 9)
        let evalText = try String(contentsOf: dir.appendingPathComponent("data/eval.jsonl"), encoding: .utf8)
        #expect(evalText.split(separator: "\n").count == 3)
        #expect(!evalText.contains("label"))
        let trainText = try String(contentsOf: dir.appendingPathComponent("data/train.jsonl"), encoding: .utf8)
        #expect(trainText.split(separator: "\n").allSatisfy { $0.contains("\"label\"") })
        let task = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("data/task.json"))) as? [String: Any]
        #expect(task?["vocab_size"] as? Int == 6 && task?["seq_len"] as? Int == 16)
        let budget = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("budget.json"))) as? [String: Any]
        #expect(budget?["train_flops"] as? Int == 1_000_000)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }
}
