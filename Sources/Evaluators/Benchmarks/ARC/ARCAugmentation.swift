import EvolveSupport
/// A symmetry of ARC tasks: one of the 8 dihedral transforms followed by a permutation of colours 1–9
/// (0, the background, stays 0), applied alike to every grid of a task so that its rule still holds.
public struct ARCAugmentation: Sendable, Equatable, Hashable {
    /// 0 identity, 1–3 rotations by 90°, 180°, 270° clockwise, 4–7 the same followed by a left-right mirror.
    public let dihedral: Int
    /// `colours[c]` is the new colour of colour c; `colours[0] == 0` and it is a permutation of 0…9.
    public let colours: [Int]

    public init(dihedral: Int, colours: [Int] = Array(0...9)) {
        precondition((0..<8).contains(dihedral), "there are 8 dihedral transforms, 0…7")
        precondition(colours.count == 10 && colours[0] == 0 && Set(colours) == Set(0...9), "colours must permute 1…9 and keep 0")
        self.dihedral = dihedral
        self.colours = colours
    }

    public static let identity = ARCAugmentation(dihedral: 0)

    /// A random non-identity augmentation: uniform dihedral transform and colour permutation, redrawn while both
    /// are the identity.
    public static func random(using rng: inout SplitMix64) -> ARCAugmentation {
        while true {
            let d = MazeGenerator.below(8, &rng)
            var colours = Array(0...9)
            for j in stride(from: 9, to: 1, by: -1) { colours.swapAt(j, 1 + MazeGenerator.below(j, &rng)) }
            let augmentation = ARCAugmentation(dihedral: d, colours: colours)
            if augmentation != .identity { return augmentation }
        }
    }

    /// The transform that undoes this one.
    public var inverse: ARCAugmentation {
        // Mirrored transforms are their own inverses; a rotation by k quarter turns is undone by 4 − k.
        let d = dihedral >= 4 ? dihedral : (4 - dihedral) % 4
        var back = Array(repeating: 0, count: 10)
        for (c, new) in colours.enumerated() { back[new] = c }
        return ARCAugmentation(dihedral: d, colours: back)
    }

    /// Rotates a rectangular grid clockwise `dihedral % 4` times, mirrors it left-right for 4…7, then recolours.
    public func apply(_ grid: ARCGrid) -> ARCGrid {
        var g = grid
        for _ in 0..<(dihedral % 4) { g = Self.rotateClockwise(g) }
        if dihedral >= 4 { g = g.map { $0.reversed() } }
        return g.map { row in row.map { colours[$0] } }
    }

    public func apply(_ pair: ARCPair) -> ARCPair { ARCPair(input: apply(pair.input), output: apply(pair.output)) }

    /// The task with every grid transformed; `suffix` is appended to its name.
    public func apply(_ task: ARCTask, suffix: String = "") -> ARCTask {
        ARCTask(name: task.name + suffix, train: task.train.map(apply), test: task.test.map(apply))
    }

    static func rotateClockwise(_ grid: ARCGrid) -> ARCGrid {
        let height = grid.count, width = grid.first?.count ?? 0
        return (0..<width).map { c in (0..<height).map { r in grid[height - 1 - r][c] } }
    }
}
