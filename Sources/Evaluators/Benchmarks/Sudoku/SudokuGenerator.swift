import EvolveSupport
/// A Sudoku puzzle with its unique solution; cells are row-major, 0 = blank, 1…N = digit.
public struct SudokuPuzzle: Sendable, Equatable, Hashable {
    public let boxRows: Int
    public let boxColumns: Int
    public let givens: [Int]
    public let solution: [Int]

    public var size: Int { boxRows * boxColumns }
    public var blanks: Int { givens.lazy.filter { $0 == 0 }.count }

    /// TRM's tokens: 0 pad, 1 blank, 2…N+1 for digits 1…N.
    public var inputTokens: [Int] { givens.map { $0 == 0 ? 1 : $0 + 1 } }
    public var labelTokens: [Int] { solution.map { $0 + 1 } }
    /// Vocabulary size of the token encoding (pad, blank, N digits).
    public var vocabularySize: Int { size + 2 }
}

/// Generates Sudoku puzzles with a unique solution, deterministically from a seed.
///
/// ```swift
/// let generator = SudokuGenerator(boxRows: 2, boxColumns: 3, difficulty: .minimal)
/// let puzzles = generator.generate(count: 1000, seed: 7)   // 6×6, no clue removable
/// ```
public struct SudokuGenerator: Sendable {
    /// How many cells to blank.
    public enum Difficulty: Sendable, Equatable {
        /// Exactly this many blanks, each removal keeping the solution unique.
        case blanks(Int)
        /// Remove clues until none can be removed without losing uniqueness.
        case minimal
    }

    public let solver: SudokuSolver
    public let difficulty: Difficulty

    public init(boxRows: Int, boxColumns: Int, difficulty: Difficulty) {
        solver = SudokuSolver(boxRows: boxRows, boxColumns: boxColumns)
        self.difficulty = difficulty
    }

    /// `count` puzzles; puzzle i depends only on (seed, i), so a prefix of a larger run is the same.
    public func generate(count: Int, seed: UInt64) -> [SudokuPuzzle] {
        (0..<count).map { index in
            var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(index))
            return puzzle(using: &rng)
        }
    }

    /// One puzzle drawn from `rng`.
    public func puzzle(using rng: inout SplitMix64) -> SudokuPuzzle {
        let n = solver.size
        while true {
            let full = randomFullGrid(using: &rng)
            var grid = full
            var blanks = 0
            let target: Int
            switch difficulty {
            case .blanks(let k): target = min(k, n * n)
            case .minimal: target = n * n
            }
            // One pass in random order; a clue whose removal breaks uniqueness stays. After the pass
            // no clue is removable (removing clues only adds solutions), so the result is minimal.
            for cell in (0..<(n * n)).shuffled(using: &rng) where blanks < target {
                let digit = grid[cell]
                grid[cell] = 0
                if solver.countSolutions(grid, limit: 2) == 1 {
                    blanks += 1
                } else {
                    grid[cell] = digit
                }
            }
            if case .blanks(let k) = difficulty, blanks < min(k, n * n) { continue }  // too many blanks asked for this grid
            return SudokuPuzzle(boxRows: solver.boxRows, boxColumns: solver.boxColumns, givens: grid, solution: full)
        }
    }

    /// A full grid drawn at random: a randomised backtracking fill of the empty grid. The solver's
    /// fixed digit order alone (whatever order) gives one grid with its digits renamed, every time, and a
    /// kernel could learn that one grid instead of Sudoku.
    func randomFullGrid(using rng: inout SplitMix64) -> [Int] {
        let n = solver.size
        guard let full = solver.randomCompletion(Array(repeating: 0, count: n * n), using: &rng) else {
            preconditionFailure("an empty \(n)×\(n) grid always has a solution")
        }
        return full
    }
}
