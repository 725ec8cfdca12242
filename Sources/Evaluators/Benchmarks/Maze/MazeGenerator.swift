import EvolveSupport
/// The token encoding shared by generated mazes and the Maze-Hard files (TRM/HRM's order of `# SGo`).
///
/// | token | cell | CSV character |
/// |---|---|---|
/// | 0 | padding | (none) |
/// | 1 | wall | `#` |
/// | 2 | open | ` ` |
/// | 3 | start | `S` |
/// | 4 | goal | `G` |
/// | 5 | path | `o` |
///
/// A maze's input has no path tokens; its label is the input with `o` on the cells strictly between S and G
/// along a shortest path (4-neighbour moves through non-wall cells).
public enum MazeToken {
    public static let pad = 0
    public static let wall = 1
    public static let open = 2
    public static let start = 3
    public static let goal = 4
    public static let path = 5
    /// Pad, wall, open, start, goal, path.
    public static let vocabularySize = 6
    /// CSV characters of tokens 1…5 (`characters[token - 1]`).
    public static let characters: [Character] = ["#", " ", "S", "G", "o"]

    /// The token of a CSV character, nil for anything outside `# SGo`.
    public static func token(for character: Character) -> Int? {
        characters.firstIndex(of: character).map { $0 + 1 }
    }
}

/// A square maze with its marked shortest path, as row-major tokens (see `MazeToken`).
public struct MazePuzzle: Sendable, Equatable, Hashable {
    /// Grid side; the grid has `side * side` tokens.
    public let side: Int
    /// The maze without a path: walls, open cells, one start, one goal.
    public let inputTokens: [Int]
    /// `inputTokens` with the path cells between start and goal set to `MazeToken.path`.
    public let labelTokens: [Int]

    public init(side: Int, inputTokens: [Int], labelTokens: [Int]) {
        precondition(inputTokens.count == side * side && labelTokens.count == side * side, "a \(side)×\(side) maze has \(side * side) tokens")
        self.side = side
        self.inputTokens = inputTokens
        self.labelTokens = labelTokens
    }

    /// Number of path cells in the label (moves from start to goal minus one).
    public var pathCells: Int { labelTokens.lazy.filter { $0 == MazeToken.path }.count }
}

/// Generates perfect mazes (randomized depth-first search: every open cell reachable by exactly one route)
/// with far-apart start and goal, deterministically from a seed.
///
/// A maze of k×k cells lives on a (2k+1)×(2k+1) grid: cell (r, c) is grid (2r+1, 2c+1), the grid cells between
/// two adjacent maze cells are walls unless the passage was carved, and the border is wall. Start and goal are
/// the two ends of a longest route in the maze (a diameter of its tree, found by two breadth-first sweeps), so
/// every puzzle needs the longest walk that maze allows.
///
/// ```swift
/// let mazes = MazeGenerator(size: 7).generate(count: 1000, seed: 7)   // 15×15 grids, 225 tokens
/// ```
public struct MazeGenerator: Sendable {
    /// Cells per side (k).
    public let size: Int

    public init(size: Int) {
        precondition(size >= 2, "a maze needs at least 2×2 cells to have distinct start and goal with a path")
        self.size = size
    }

    /// Side of the token grid: 2k+1.
    public var side: Int { 2 * size + 1 }

    /// `count` mazes; maze i depends only on (seed, i), so a prefix of a larger run is the same.
    public func generate(count: Int, seed: UInt64) -> [MazePuzzle] {
        (0..<count).map { index in
            var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(index))
            return puzzle(using: &rng)
        }
    }

    /// One maze drawn from `rng`.
    public func puzzle(using rng: inout SplitMix64) -> MazePuzzle {
        let k = size, n = side
        var grid = Array(repeating: MazeToken.wall, count: n * n)
        func gridIndex(_ cell: Int) -> Int { (2 * (cell / k) + 1) * n + 2 * (cell % k) + 1 }

        // Randomized depth-first search with an explicit stack: carve into a random unvisited neighbour,
        // backtrack when there is none. Every cell is entered once through one carved passage, so the open
        // cells form a spanning tree.
        var visited = Array(repeating: false, count: k * k)
        let first = Self.below(k * k, &rng)
        visited[first] = true
        grid[gridIndex(first)] = MazeToken.open
        var stack = [first]
        var choices: [Int] = []
        choices.reserveCapacity(4)
        while let cell = stack.last {
            let r = cell / k, c = cell % k
            choices.removeAll(keepingCapacity: true)
            if r > 0, !visited[cell - k] { choices.append(cell - k) }
            if c + 1 < k, !visited[cell + 1] { choices.append(cell + 1) }
            if r + 1 < k, !visited[cell + k] { choices.append(cell + k) }
            if c > 0, !visited[cell - 1] { choices.append(cell - 1) }
            if choices.isEmpty {
                stack.removeLast()
                continue
            }
            let next = choices[Self.below(choices.count, &rng)]
            visited[next] = true
            let a = gridIndex(cell), b = gridIndex(next)
            grid[(a + b) / 2] = MazeToken.open  // the wall between two cells is their grid midpoint
            grid[b] = MazeToken.open
            stack.append(next)
        }

        // Two sweeps find a diameter of the tree: the farthest cell from any cell is one end of a longest
        // route, and the farthest cell from that end is the other. Ties are broken at random.
        let cellIndices = (0..<(k * k)).map(gridIndex)
        func farthest(from origin: Int) -> Int {
            let distance = MazeVerifier.distances(from: origin, in: grid, side: n)
            let best = cellIndices.map { distance[$0] }.max() ?? 0
            let ends = cellIndices.filter { distance[$0] == best }
            return ends[Self.below(ends.count, &rng)]
        }
        let one = farthest(from: cellIndices[Self.below(k * k, &rng)])
        let other = farthest(from: one)
        let (start, goal) = Self.below(2, &rng) == 0 ? (one, other) : (other, one)
        grid[start] = MazeToken.start
        grid[goal] = MazeToken.goal

        guard let route = MazeVerifier.shortestPath(in: grid, side: n) else {
            preconditionFailure("a perfect maze connects every pair of cells")
        }
        var label = grid
        for index in route.dropFirst().dropLast() { label[index] = MazeToken.path }
        return MazePuzzle(side: n, inputTokens: grid, labelTokens: label)
    }

    /// A uniform-enough integer in 0..<bound from the top bits of one draw (Lemire's multiply), written out
    /// here so the mazes do not depend on how a Swift release implements `Int.random(in:using:)`.
    static func below(_ bound: Int, _ rng: inout SplitMix64) -> Int {
        Int(rng.next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}
