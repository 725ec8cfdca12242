/// Checks Sudoku answers: any valid completion that keeps the givens is right, not only the stored one.
///
/// Grids are row-major cell values, 0 for blank and 1…N for digits, on an N×N board of r×c boxes.
public struct SudokuVerifier: Sendable {
    public let boxRows: Int
    public let boxColumns: Int
    public var size: Int { boxRows * boxColumns }

    public init(boxRows: Int, boxColumns: Int) {
        precondition(boxRows > 0 && boxColumns > 0, "box dimensions must be positive")
        self.boxRows = boxRows
        self.boxColumns = boxColumns
    }

    /// True when `answer` is a full, valid grid that agrees with every given of `puzzle`.
    public func isValidCompletion(puzzle: [Int], answer: [Int]) -> Bool {
        let n = size
        guard puzzle.count == n * n, answer.count == n * n else { return false }
        for (given, value) in zip(puzzle, answer) {
            guard (1...n).contains(value), given == 0 || given == value else { return false }
        }
        for unit in units where Set(unit.map { answer[$0] }).count != n {
            return false
        }
        return true
    }

    /// Every row, column and box as a list of cell indices.
    public var units: [[Int]] {
        let n = size
        let rows = (0..<n).map { r in (0..<n).map { r * n + $0 } }
        let columns = (0..<n).map { c in (0..<n).map { $0 * n + c } }
        let boxes = (0..<n).map { b -> [Int] in
            let top = (b / boxRows) * boxRows  // boxes per band = n / boxColumns = boxRows
            let left = (b % boxRows) * boxColumns
            return (0..<n).map { (top + $0 / boxColumns) * n + left + $0 % boxColumns }
        }
        return rows + columns + boxes
    }
}
