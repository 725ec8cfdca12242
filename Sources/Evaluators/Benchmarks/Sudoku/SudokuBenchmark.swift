import EvolveCore
import EvolveSupport
/// A Sudoku benchmark tier: generated puzzles split into train / validation / test, with the training
/// split augmented by validity-preserving symmetries.
public struct SudokuBenchmark: Sendable {
    public var boxRows: Int
    public var boxColumns: Int
    public var difficulty: SudokuGenerator.Difficulty
    public var trainCount: Int
    public var validationCount: Int
    public var testCount: Int
    /// Symmetric copies added per training puzzle (0 = none).
    public var augmentations: Int

    public init(
        boxRows: Int, boxColumns: Int, difficulty: SudokuGenerator.Difficulty, trainCount: Int, validationCount: Int,
        testCount: Int, augmentations: Int = 0
    ) {
        self.boxRows = boxRows
        self.boxColumns = boxColumns
        self.difficulty = difficulty
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.testCount = testCount
        self.augmentations = augmentations
    }

    public var name: String {
        let n = boxRows * boxColumns
        switch difficulty {
        case .minimal: return "sudoku-\(n)x\(n)-minimal"
        case .blanks(let k): return "sudoku-\(n)x\(n)-\(k)-blanks"
        }
    }

    /// Training examples plus the requested evaluation split, deterministic from `seed`. The splits
    /// are disjoint by `symmetryKey`: no puzzle has a symmetric copy in another split (validation
    /// excludes train's keys, test excludes train's and validation's). Throws when the grid is too small to
    /// hold that many distinct puzzles (a 4×4 grid has few symmetry classes).
    public func taskData(split: Split, seed: UInt64) throws -> TaskData {
        let generator = SudokuGenerator(boxRows: boxRows, boxColumns: boxColumns, difficulty: difficulty)
        let trainPuzzles = generator.generate(count: trainCount, seed: seed &* 3 &+ 1)
        var excluded = Set(trainPuzzles.map(\.symmetryKey))
        let validation = try Self.generate(validationCount, generator, seed: seed &* 3 &+ 2, excluding: excluded)
        let evalPuzzles: [SudokuPuzzle]
        if split == .validation {
            evalPuzzles = validation
        } else {
            excluded.formUnion(validation.map(\.symmetryKey))
            evalPuzzles = try Self.generate(testCount, generator, seed: seed &* 3 &+ 3, excluding: excluded)
        }
        return Self.taskData(
            name: name, boxRows: boxRows, boxColumns: boxColumns, training: trainPuzzles, evaluation: evalPuzzles,
            evaluationPrefix: split == .validation ? "v" : "x", augmentations: augmentations, seed: seed)
    }

    /// Examples from given puzzles (generated, or drawn from a Sudoku-Extreme CSV): training examples `t<i>`, each
    /// followed by `augmentations` symmetric copies `t<i>a<k>` drawn from `seed`, and queries `<prefix><i>`.
    public static func taskData(
        name: String, boxRows: Int, boxColumns: Int, training: [SudokuPuzzle], evaluation: [SudokuPuzzle],
        evaluationPrefix: String, augmentations: Int, seed: UInt64
    ) -> TaskData {
        var rng = SplitMix64(seed: seed ^ 0xA076_1D64_78BD_642F)
        var train: [TokenExample] = []
        for (i, puzzle) in training.enumerated() {
            train.append(TokenExample(id: "t\(i)", input: puzzle.inputTokens, label: puzzle.labelTokens))
            for a in 0..<augmentations {
                let copy = SudokuSymmetry.random(boxRows: boxRows, boxColumns: boxColumns, using: &rng).apply(puzzle)
                train.append(TokenExample(id: "t\(i)a\(a)", input: copy.inputTokens, label: copy.labelTokens, augmented: true))
            }
        }
        let queries = evaluation.enumerated().map {
            TokenExample(id: "\(evaluationPrefix)\($0.offset)", input: $0.element.inputTokens, label: $0.element.labelTokens)
        }
        let n = boxRows * boxColumns
        return TaskData(name: name, vocabSize: n + 2, seqLen: n * n, train: train, evaluation: queries)
    }

    /// `count` puzzles whose keys avoid `excluded` and each other, drawn in index order from `seed`.
    static func generate(_ count: Int, _ generator: SudokuGenerator, seed: UInt64, excluding excluded: Set<String>) throws -> [SudokuPuzzle] {
        var seen = excluded
        var result: [SudokuPuzzle] = []
        var index: UInt64 = 0
        while result.count < count {
            var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ index)
            index += 1
            let puzzle = generator.puzzle(using: &rng)
            if seen.insert(puzzle.symmetryKey).inserted { result.append(puzzle) }
            if result.count < count, index >= UInt64(count) * 1000 + 10_000 {
                let n = generator.solver.size
                throw EvaluationError(
                    "sudoku-\(n)x\(n): found only \(result.count) of \(count) puzzles distinct from each other and from the other splits after \(index) draws (too few symmetry classes); use larger boxes or fewer puzzles")
            }
        }
        return result
    }
}
