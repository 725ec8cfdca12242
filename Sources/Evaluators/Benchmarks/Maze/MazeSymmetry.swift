/// One of the 8 dihedral transforms of a square grid (4 rotations, each optionally mirrored), which map a
/// maze and its shortest paths to a maze and its shortest paths.
///
/// Used to augment training data and to find a canonical form, so that a maze and its rotated or mirrored
/// copy land in the same split.
public struct MazeSymmetry: Sendable, Equatable, Hashable {
    /// 0 identity, 1–3 rotations by 90°, 180°, 270° clockwise, 4–7 the same followed by a left-right mirror.
    public let index: Int

    public init(index: Int) {
        precondition((0..<8).contains(index), "there are 8 dihedral transforms, 0…7")
        self.index = index
    }

    public static let identity = MazeSymmetry(index: 0)
    public static let all = (0..<8).map(MazeSymmetry.init(index:))

    /// Applies the transform to a row-major square grid of any token type.
    public func apply<T>(_ grid: [T], side: Int) -> [T] {
        precondition(grid.count == side * side, "a \(side)×\(side) grid has \(side * side) cells")
        let last = side - 1
        var out = grid
        for r in 0..<side {
            for c in 0..<side {
                // Rotate (r, c) clockwise `index % 4` times, then mirror columns for indices 4…7.
                var (nr, nc) = (r, c)
                for _ in 0..<(index % 4) { (nr, nc) = (nc, last - nr) }
                if index >= 4 { nc = last - nc }
                out[nr * side + nc] = grid[r * side + c]
            }
        }
        return out
    }

    public func apply(_ puzzle: MazePuzzle) -> MazePuzzle {
        MazePuzzle(
            side: puzzle.side, inputTokens: apply(puzzle.inputTokens, side: puzzle.side),
            labelTokens: apply(puzzle.labelTokens, side: puzzle.side))
    }
}

extension MazePuzzle {
    /// The lexicographically smallest of the 8 dihedral transforms of the input tokens. Two mazes share it
    /// exactly when one is a rotated or mirrored copy of the other.
    public var canonicalInput: [Int] {
        MazeSymmetry.all.map { $0.apply(inputTokens, side: side) }.min { $0.lexicographicallyPrecedes($1) }!
    }

    /// `canonicalInput` as `# SG` characters, a compact key for sets.
    public var symmetryKey: String {
        String(canonicalInput.map { MazeToken.characters[$0 - 1] })
    }
}
