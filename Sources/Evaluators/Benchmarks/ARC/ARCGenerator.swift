import EvolveSupport
/// A synthetic ARC rule: a family and the parameters of one instance of it.
public enum ARCRule: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Mirror left-right (`horizontal`) or upside down.
    case flip(horizontal: Bool)
    /// Rotate clockwise by 1, 2 or 3 quarter turns.
    case rotate(quarterTurns: Int)
    /// Replace colour c by `mapping[c]` (10 entries, `mapping[0] == 0`).
    case recolour(mapping: [Int])
    /// Every non-zero cell falls to the bottom of its column, keeping the column's order.
    case gravity
    /// Shift the picture by one cell (`dr`, `dc` with one of them ±1); what leaves the grid is lost, 0 comes in.
    case translate(dr: Int, dc: Int)
    /// Background (0) cells that cannot reach the border through background cells become `colour`.
    case fillEnclosed(colour: Int)
    /// A 1×n bar of `colour`, where n counts the input's cells of that colour.
    case countAndDraw(colour: Int)

    /// The family's name, shared by all its instances.
    public var family: String {
        switch self {
        case .flip: return "flip"
        case .rotate: return "rotate"
        case .recolour: return "recolour"
        case .gravity: return "gravity"
        case .translate: return "translate"
        case .fillEnclosed: return "fill"
        case .countAndDraw: return "count"
        }
    }

    public static let families = ["flip", "rotate", "recolour", "gravity", "translate", "fill", "count"]

    public var description: String {
        switch self {
        case .flip(let horizontal): return horizontal ? "flip-lr" : "flip-ud"
        case .rotate(let k): return "rotate-\(90 * k)"
        case .recolour(let mapping): return "recolour-" + mapping.map(String.init).joined()
        case .gravity: return "gravity"
        case .translate(let dr, let dc): return "translate\(dr)\(dc)"
        case .fillEnclosed(let colour): return "fill-\(colour)"
        case .countAndDraw(let colour): return "count-\(colour)"
        }
    }

    /// The rule's output for `grid`.
    public func apply(_ grid: ARCGrid) -> ARCGrid {
        let height = grid.count, width = grid.first?.count ?? 0
        switch self {
        case .flip(let horizontal):
            return horizontal ? grid.map { Array($0.reversed()) } : Array(grid.reversed())
        case .rotate(let k):
            return ARCAugmentation(dihedral: k % 4).apply(grid)
        case .recolour(let mapping):
            return grid.map { row in row.map { mapping[$0] } }
        case .gravity:
            var out = Array(repeating: Array(repeating: 0, count: width), count: height)
            for c in 0..<width {
                let falling = (0..<height).map { grid[$0][c] }.filter { $0 != 0 }
                for (i, colour) in falling.enumerated() { out[height - falling.count + i][c] = colour }
            }
            return out
        case .translate(let dr, let dc):
            return (0..<height).map { r in
                (0..<width).map { c in
                    let sr = r - dr, sc = c - dc
                    return (0..<height).contains(sr) && (0..<width).contains(sc) ? grid[sr][sc] : 0
                }
            }
        case .fillEnclosed(let colour):
            // Flood the background from the border; background cells left unreached are enclosed.
            var outside = Array(repeating: Array(repeating: false, count: width), count: height)
            var stack: [(Int, Int)] = []
            for r in 0..<height {
                for c in 0..<width where (r == 0 || c == 0 || r == height - 1 || c == width - 1) && grid[r][c] == 0 {
                    outside[r][c] = true
                    stack.append((r, c))
                }
            }
            while let (r, c) = stack.popLast() {
                for (nr, nc) in [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]
                where (0..<height).contains(nr) && (0..<width).contains(nc) && grid[nr][nc] == 0 && !outside[nr][nc] {
                    outside[nr][nc] = true
                    stack.append((nr, nc))
                }
            }
            return (0..<height).map { r in (0..<width).map { c in grid[r][c] == 0 && !outside[r][c] ? colour : grid[r][c] } }
        case .countAndDraw(let colour):
            let n = grid.reduce(0) { $0 + $1.filter { $0 == colour }.count }
            return [Array(repeating: colour, count: n)]
        }
    }
}

/// A generated task together with the rule that produced its outputs.
public struct ARCGeneratedTask: Sendable, Equatable, Hashable {
    public let rule: ARCRule
    public let task: ARCTask
}

/// Generates small synthetic ARC tasks (grids of 3×3 up to `maxSide`×`maxSide`), each one instance of a rule
/// family with 3 demonstration pairs and 1 test pair, deterministically from a seed.
///
/// Task i belongs to family `i % 7` (see `ARCRule.families`), so every family appears once in each run of 7.
/// Each pair's output differs from its input, so every demonstration shows the rule at work.
public struct ARCGenerator: Sendable {
    /// The largest grid side, 3…30.
    public let maxSide: Int
    public static let demonstrations = 3

    public init(maxSide: Int = 10) {
        precondition((3...30).contains(maxSide), "synthetic ARC grids are 3 to 30 cells wide, got \(maxSide)")
        self.maxSide = maxSide
    }

    /// `count` tasks; task i depends only on (seed, i), so a prefix of a larger run is the same.
    public func generate(count: Int, seed: UInt64) -> [ARCGeneratedTask] {
        (0..<count).map { task(index: $0, seed: seed) }
    }

    /// Task `index` of the run drawn from `seed`.
    public func task(index: Int, seed: UInt64) -> ARCGeneratedTask {
        var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(index))
        let family = ARCRule.families[index % ARCRule.families.count]
        let rule = self.rule(family: family, using: &rng)
        var pairs: [ARCPair] = []
        while pairs.count < Self.demonstrations + 1 {
            let input = self.input(for: rule, using: &rng)
            let output = rule.apply(input)
            // Each pair must show the rule, and no input may repeat within the task.
            if output != input && !pairs.contains(where: { $0.input == input }) { pairs.append(ARCPair(input: input, output: output)) }
        }
        let task = ARCTask(
            name: "\(rule)-\(index)", train: Array(pairs.prefix(Self.demonstrations)), test: [pairs[Self.demonstrations]])
        return ARCGeneratedTask(rule: rule, task: task)
    }

    /// Draws an instance of `family`.
    func rule(family: String, using rng: inout SplitMix64) -> ARCRule {
        switch family {
        case "flip": return .flip(horizontal: below(2, &rng) == 0)
        case "rotate": return .rotate(quarterTurns: 1 + below(3, &rng))
        case "recolour":
            // Two or three colours move to colours chosen among the others (a random permutation's prefix).
            var palette = Array(1...9)
            shuffle(&palette, &rng)
            let moved = 2 + below(2, &rng)
            var mapping = Array(0...9)
            for i in 0..<moved { mapping[palette[i]] = palette[moved + i] }
            return .recolour(mapping: mapping)
        case "gravity": return .gravity
        case "translate":
            let (dr, dc) = [(0, 1), (1, 0), (0, -1), (-1, 0)][below(4, &rng)]
            return .translate(dr: dr, dc: dc)
        case "fill": return .fillEnclosed(colour: 1 + below(9, &rng))
        default: return .countAndDraw(colour: 1 + below(9, &rng))
        }
    }

    /// Draws an input grid suited to `rule`.
    func input(for rule: ARCRule, using rng: inout SplitMix64) -> ARCGrid {
        let height = 3 + below(maxSide - 2, &rng), width = 3 + below(maxSide - 2, &rng)
        var grid = Array(repeating: Array(repeating: 0, count: width), count: height)
        func scatter(_ colours: [Int], density: Int) {  // density in percent
            for r in 0..<height {
                for c in 0..<width where below(100, &rng) < density { grid[r][c] = colours[below(colours.count, &rng)] }
            }
        }
        switch rule {
        case .flip, .rotate, .translate, .gravity:
            var palette = Array(1...9)
            shuffle(&palette, &rng)
            let colours = Array(palette.prefix(1 + below(3, &rng)))
            scatter(colours, density: 20 + below(30, &rng))
        case .recolour(let mapping):
            let sources = (1...9).filter { mapping[$0] != $0 }
            scatter(sources, density: 30 + below(40, &rng))
        case .fillEnclosed(let fill):
            // One or two hollow rectangles (each at least 3×3, so each encloses a cell) of a colour other than the fill.
            let outline = (1...9).filter { $0 != fill }[below(8, &rng)]
            for _ in 0..<(1 + below(2, &rng)) {
                let h = 3 + below(height - 2, &rng), w = 3 + below(width - 2, &rng)
                let top = below(height - h + 1, &rng), left = below(width - w + 1, &rng)
                for r in top..<(top + h) {
                    for c in left..<(left + w) where r == top || r == top + h - 1 || c == left || c == left + w - 1 {
                        grid[r][c] = outline
                    }
                }
            }
        case .countAndDraw(let colour):
            // 1…maxSide cells of the counted colour among cells of one distractor colour.
            let distractor = (1...9).filter { $0 != colour }[below(8, &rng)]
            scatter([distractor], density: 10 + below(20, &rng))
            var cells = Array(0..<(height * width))
            shuffle(&cells, &rng)
            let n = 1 + below(min(maxSide, height * width / 2), &rng)
            for cell in cells.prefix(n) { grid[cell / width][cell % width] = colour }
        }
        return grid
    }

    func below(_ bound: Int, _ rng: inout SplitMix64) -> Int { MazeGenerator.below(bound, &rng) }

    func shuffle<T>(_ items: inout [T], _ rng: inout SplitMix64) {
        guard items.count > 1 else { return }
        for j in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(j, MazeGenerator.below(j + 1, &rng)) }
    }
}
