import EvolveSupport
/// Counts and finds Sudoku solutions with bitmask constraint propagation and most-constrained-cell
/// search; counting stops at a limit, so "is it unique?" costs about as much as one solve.
public struct SudokuSolver: Sendable {
    public let boxRows: Int
    public let boxColumns: Int
    public let size: Int
    /// For each cell: its row, column and box index.
    private let unitsOfCell: [(row: Int, column: Int, box: Int)]

    public init(boxRows: Int, boxColumns: Int) {
        precondition(boxRows * boxColumns <= 16, "at most 16×16 grids are supported")
        self.boxRows = boxRows
        self.boxColumns = boxColumns
        size = boxRows * boxColumns
        let n = boxRows * boxColumns
        unitsOfCell = (0..<(n * n)).map { cell in
            let r = cell / n, c = cell % n
            return (r, c, (r / boxRows) * boxRows + c / boxColumns)
        }
    }

    /// Number of solutions of `grid` (0 = blank, 1…N = digit), counting no further than `limit`.
    public func countSolutions(_ grid: [Int], limit: Int = 2) -> Int {
        var state = State(solver: self)
        guard state.load(grid) else { return 0 }
        var count = 0
        var ignored: [Int]?
        search(&state, limit: limit, count: &count, found: &ignored, record: false)
        return count
    }

    /// One solution of `grid`, or nil when there is none. Digits are tried in `digitOrder` (default
    /// ascending), which lets a generator draw a random full grid.
    public func solve(_ grid: [Int], digitOrder: [Int]? = nil) -> [Int]? {
        var state = State(solver: self)
        state.order = digitOrder ?? Array(1...size)
        guard state.load(grid) else { return nil }
        var count = 0
        var solution: [Int]?
        search(&state, limit: 1, count: &count, found: &solution, record: true)
        return solution
    }

    /// A full grid completing `grid`, with the digits of every search node tried in a fresh random order
    /// from `rng` (a randomised backtracking fill): from an empty grid, a grid drawn at random, where one
    /// fixed digit order always gives the same grid with its digits renamed.
    public func randomCompletion(_ grid: [Int], using rng: inout SplitMix64) -> [Int]? {
        var state = State(solver: self)
        guard state.load(grid) else { return nil }
        var count = 0
        var solution: [Int]?
        state.rng = rng
        search(&state, limit: 1, count: &count, found: &solution, record: true)
        rng = state.rng ?? rng
        return solution
    }

    private struct State {
        let solver: SudokuSolver
        var cells: [Int]
        var rowUsed: [Int], columnUsed: [Int], boxUsed: [Int]
        var order: [Int]
        /// Set: each node tries its digits in a fresh random order drawn from it.
        var rng: SplitMix64?

        init(solver: SudokuSolver) {
            self.solver = solver
            cells = Array(repeating: 0, count: solver.size * solver.size)
            rowUsed = Array(repeating: 0, count: solver.size)
            columnUsed = rowUsed
            boxUsed = rowUsed
            order = Array(1...solver.size)
        }

        mutating func load(_ grid: [Int]) -> Bool {
            guard grid.count == cells.count else { return false }
            for (cell, digit) in grid.enumerated() where digit != 0 {
                guard (1...solver.size).contains(digit), candidates(cell) & (1 << digit) != 0 else { return false }
                place(cell, digit)
            }
            return true
        }

        func candidates(_ cell: Int) -> Int {
            let u = solver.unitsOfCell[cell]
            let all = ((1 << (solver.size + 1)) - 1) & ~1
            return all & ~(rowUsed[u.row] | columnUsed[u.column] | boxUsed[u.box])
        }

        mutating func place(_ cell: Int, _ digit: Int) {
            let u = solver.unitsOfCell[cell]
            cells[cell] = digit
            rowUsed[u.row] |= 1 << digit
            columnUsed[u.column] |= 1 << digit
            boxUsed[u.box] |= 1 << digit
        }

        mutating func remove(_ cell: Int, _ digit: Int) {
            let u = solver.unitsOfCell[cell]
            cells[cell] = 0
            rowUsed[u.row] &= ~(1 << digit)
            columnUsed[u.column] &= ~(1 << digit)
            boxUsed[u.box] &= ~(1 << digit)
        }
    }

    private func search(_ state: inout State, limit: Int, count: inout Int, found: inout [Int]?, record: Bool) {
        // Most-constrained blank cell first: fewest candidates prunes the tree fastest.
        var bestCell = -1
        var bestMask = 0
        var bestCount = Int.max
        for cell in 0..<state.cells.count where state.cells[cell] == 0 {
            let mask = state.candidates(cell)
            let n = mask.nonzeroBitCount
            if n < bestCount {
                bestCell = cell
                bestMask = mask
                bestCount = n
                if n <= 1 { break }
            }
        }
        if bestCell < 0 {
            count += 1
            if record { found = state.cells }
            return
        }
        if bestCount == 0 { return }
        if state.rng != nil { state.order.shuffle(using: &state.rng!) }
        for digit in state.order where bestMask & (1 << digit) != 0 {
            state.place(bestCell, digit)
            search(&state, limit: limit, count: &count, found: &found, record: record)
            state.remove(bestCell, digit)
            if count >= limit { return }
        }
    }
}
