/// TRM's encoding of an ARC grid onto a fixed square canvas, row-major.
///
/// | token | meaning |
/// |---|---|
/// | 0 | padding |
/// | 1 | end of grid: the row just below the grid (columns 0..<width) and the column just right of it (rows 0..<height) |
/// | 2–11 | colours 0–9 |
///
/// A grid as large as the canvas has no markers on that side. The grid sits at the top-left corner.
public struct ARCEncoding: Sendable, Equatable {
    public static let pad = 0
    public static let endOfGrid = 1
    public static let colourOffset = 2
    /// Pad, end of grid and ten colours.
    public static let vocabularySize = 12

    /// Canvas side; a sequence has `side * side` tokens.
    public let side: Int

    public init(side: Int) {
        precondition((1...30).contains(side), "an ARC canvas is 1 to 30 cells wide, got \(side)")
        self.side = side
    }

    public var seqLen: Int { side * side }

    /// True when the grid fits on the canvas.
    public func fits(_ grid: ARCGrid) -> Bool { grid.count <= side && (grid.first?.count ?? 0) <= side }

    /// The canvas tokens of a valid grid that fits (see `fits`).
    public func encode(_ grid: ARCGrid) -> [Int] {
        precondition(fits(grid), "a \(grid.count)×\(grid.first?.count ?? 0) grid does not fit a \(side)×\(side) canvas")
        let height = grid.count, width = grid.first?.count ?? 0
        var tokens = Array(repeating: Self.pad, count: side * side)
        for r in 0..<height {
            for c in 0..<width { tokens[r * side + c] = grid[r][c] + Self.colourOffset }
            if width < side { tokens[r * side + width] = Self.endOfGrid }
        }
        if height < side {
            for c in 0..<width { tokens[height * side + c] = Self.endOfGrid }
        }
        return tokens
    }

    /// The grid in the top-left corner: its width is the run of colour tokens starting row 0, its height the run
    /// starting column 0, and every cell of that rectangle must be a colour. Nil when the tokens are not
    /// `seqLen` long, the corner holds no colour, or the rectangle has a non-colour cell.
    public func decode(_ tokens: [Int]) -> ARCGrid? {
        guard tokens.count == side * side else { return nil }
        func isColour(_ token: Int) -> Bool { (Self.colourOffset..<Self.vocabularySize).contains(token) }
        var width = 0
        while width < side, isColour(tokens[width]) { width += 1 }
        var height = 0
        while height < side, isColour(tokens[height * side]) { height += 1 }
        guard width > 0, height > 0 else { return nil }
        var grid: ARCGrid = []
        grid.reserveCapacity(height)
        for r in 0..<height {
            let row = tokens[(r * side)..<(r * side + width)]
            guard row.allSatisfy(isColour) else { return nil }
            grid.append(row.map { $0 - Self.colourOffset })
        }
        return grid
    }
}
