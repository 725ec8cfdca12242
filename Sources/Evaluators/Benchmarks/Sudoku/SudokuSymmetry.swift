/// A validity-preserving Sudoku symmetry: relabel digits, permute bands and the rows within each band,
/// permute stacks and the columns within each stack, and (for square boxes) transpose.
///
/// Used to augment training data and to find a canonical form, so that a puzzle and its symmetric copy
/// land in the same split.
public struct SudokuSymmetry: Sendable, Equatable {
    public let digitMap: [Int]      // digitMap[d] for d in 0…N (0 stays 0)
    public let rowOrder: [Int]      // new row r takes old row rowOrder[r]
    public let columnOrder: [Int]
    public let transpose: Bool

    /// A random symmetry of an r×c-box grid. Transposition only when boxes are square (it would turn
    /// r×c boxes into c×r ones otherwise).
    public static func random(boxRows: Int, boxColumns: Int, using rng: inout SplitMix64) -> SudokuSymmetry {
        let n = boxRows * boxColumns
        let digits = [0] + Array(1...n).shuffled(using: &rng)
        // Bands are boxColumns groups of boxRows rows; stacks are boxRows groups of boxColumns columns.
        let rows = blockPermutation(groups: n / boxRows, groupSize: boxRows, using: &rng)
        let columns = blockPermutation(groups: n / boxColumns, groupSize: boxColumns, using: &rng)
        let transpose = boxRows == boxColumns && Bool.random(using: &rng)
        return SudokuSymmetry(digitMap: digits, rowOrder: rows, columnOrder: columns, transpose: transpose)
    }

    public init(digitMap: [Int], rowOrder: [Int], columnOrder: [Int], transpose: Bool) {
        self.digitMap = digitMap
        self.rowOrder = rowOrder
        self.columnOrder = columnOrder
        self.transpose = transpose
    }

    /// Applies the symmetry to a row-major grid (0 = blank stays blank).
    public func apply(_ grid: [Int]) -> [Int] {
        let n = rowOrder.count
        var out = Array(repeating: 0, count: n * n)
        for r in 0..<n {
            for c in 0..<n {
                let value = digitMap[grid[rowOrder[r] * n + columnOrder[c]]]
                out[transpose ? c * n + r : r * n + c] = value
            }
        }
        return out
    }

    public func apply(_ puzzle: SudokuPuzzle) -> SudokuPuzzle {
        SudokuPuzzle(
            boxRows: puzzle.boxRows, boxColumns: puzzle.boxColumns, givens: apply(puzzle.givens),
            solution: apply(puzzle.solution))
    }

    private static func blockPermutation(groups: Int, groupSize: Int, using rng: inout SplitMix64) -> [Int] {
        Array(0..<groups).shuffled(using: &rng).flatMap { group in
            Array(0..<groupSize).shuffled(using: &rng).map { group * groupSize + $0 }
        }
    }
}

extension SudokuPuzzle {
    /// A key shared by all digit relabellings of this puzzle: digits renumbered in order of first
    /// appearance in the solution. Splits also group by `SudokuSplitKey` (which adds row/column moves).
    public var digitCanonicalSolution: [Int] {
        var map = Array(repeating: 0, count: size + 1)
        var next = 1
        return solution.map { d in
            if map[d] == 0 {
                map[d] = next
                next += 1
            }
            return map[d]
        }
    }
}
