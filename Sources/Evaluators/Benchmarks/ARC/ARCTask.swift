/// An ARC grid: rows of colours 0–9, 1×1 to 30×30, every row the same length.
public typealias ARCGrid = [[Int]]

/// One input/output pair of an ARC task.
public struct ARCPair: Sendable, Equatable, Hashable, Codable {
    public var input: ARCGrid
    public var output: ARCGrid

    public init(input: ARCGrid, output: ARCGrid) {
        self.input = input
        self.output = output
    }
}

/// An ARC task: demonstration pairs that show a rule and test pairs whose outputs the solver must produce.
public struct ARCTask: Sendable, Equatable, Hashable {
    /// The file's base name for loaded tasks, a family-and-index name for generated ones.
    public var name: String
    public var train: [ARCPair]
    public var test: [ARCPair]

    public init(name: String, train: [ARCPair], test: [ARCPair]) {
        self.name = name
        self.train = train
        self.test = test
    }

    /// Every grid of the task (demonstration and test, inputs and outputs).
    public var grids: [ARCGrid] { (train + test).flatMap { [$0.input, $0.output] } }

    /// The largest side (rows or columns) of any grid in the task.
    public var largestSide: Int { grids.map { max($0.count, $0.first?.count ?? 0) }.max() ?? 0 }

    /// Why `grid` is not a valid ARC grid (rectangular, 1…30 per side, colours 0–9), or nil when it is one.
    public static func gridProblem(_ grid: ARCGrid) -> String? {
        guard (1...30).contains(grid.count) else { return "has \(grid.count) rows, expected 1 to 30" }
        let width = grid[0].count
        guard (1...30).contains(width) else { return "row 0 has \(width) cells, expected 1 to 30" }
        for (r, row) in grid.enumerated() {
            guard row.count == width else { return "row \(r) has \(row.count) cells, expected \(width) like row 0" }
            if let c = row.firstIndex(where: { !(0...9).contains($0) }) {
                return "row \(r), column \(c) holds \(row[c]), expected a colour 0 to 9"
            }
        }
        return nil
    }

    /// Why the task is malformed (no demonstrations, no tests, an invalid grid), or nil when it is valid.
    public var problem: String? {
        guard !train.isEmpty else { return "no demonstration (\"train\") pairs" }
        guard !test.isEmpty else { return "no \"test\" pairs" }
        for (section, pairs) in [("train", train), ("test", test)] {
            for (i, pair) in pairs.enumerated() {
                if let p = Self.gridProblem(pair.input) { return "\(section) pair \(i) input \(p)" }
                if let p = Self.gridProblem(pair.output) { return "\(section) pair \(i) output \(p)" }
            }
        }
        return nil
    }

    /// A compact text form of a grid (rows of digits joined by `/`), for keys and messages.
    public static func key(_ grid: ARCGrid) -> String {
        grid.map { row in String(row.map { Character(String($0)) }) }.joined(separator: "/")
    }
}
