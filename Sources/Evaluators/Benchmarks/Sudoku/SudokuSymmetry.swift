import EvolveSupport
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
    /// A key that every symmetric copy of this puzzle shares (digit relabelling, band/stack and
    /// row/column-within-band moves, transposition): the sorted multiset, over the givens, of
    /// (clues in its row and column as an unordered pair, clues in its box, how often its digit is given).
    /// Different puzzles may share a key; symmetric copies always do, which is what split disjointness needs.
    public var symmetryKey: String {
        let n = size
        var rowClues = [Int](repeating: 0, count: n), columnClues = rowClues, boxClues = rowClues
        var digitCount = [Int](repeating: 0, count: n + 1)
        func box(_ cell: Int) -> Int { (cell / n / boxRows) * boxRows + (cell % n) / boxColumns }
        for (cell, d) in givens.enumerated() where d != 0 {
            rowClues[cell / n] += 1
            columnClues[cell % n] += 1
            boxClues[box(cell)] += 1
            digitCount[d] += 1
        }
        let features = givens.enumerated().filter { $0.element != 0 }.map { cell, d -> [Int] in
            let r = rowClues[cell / n], c = columnClues[cell % n]
            return [min(r, c), max(r, c), boxClues[box(cell)], digitCount[d]]
        }
        return features.sorted { $0.lexicographicallyPrecedes($1) }.map { $0.map(String.init).joined(separator: ".") }
            .joined(separator: "|")
    }
}
