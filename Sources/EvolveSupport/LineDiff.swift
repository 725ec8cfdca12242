/// The line diff of two texts: one longest-common-subsequence alignment, shared by the patch (which
/// lines an edit really changes), the `edit_distance` descriptor and `evolve inspect`'s diff, so the
/// three never disagree about what changed between two programs. It lives in EvolveSupport so the
/// search policy, the store and the CLI can all reach it.
///
/// ```swift
/// let diff = LineDiff(["a", "b", "c"], ["a", "x", "c"])
/// diff.distance   // 2: one line deleted, one inserted
/// diff.hunks      // [Hunk(original: 1..<2, inserted: 1..<2)]
/// ```
///
/// The common prefix and suffix are matched first (a child differs from its parent in a few lines);
/// the rest is aligned by a dynamic-programming table, which above `maxCells` falls back to one
/// replacement of the whole differing middle, so a pathological pair costs bounded memory (the
/// distance is then an upper bound).
package struct LineDiff: Sendable, Equatable {
    /// One step of the alignment, with indices into the two line lists.
    package enum Operation: Sendable, Equatable {
        case same(Int, Int)
        case delete(Int)
        case insert(Int)
    }

    /// One changed stretch: lines `original` of the first list replaced by lines `inserted` of the
    /// second (either may be empty).
    package struct Hunk: Sendable, Equatable {
        package var original: Range<Int>
        package var inserted: Range<Int>

        package init(original: Range<Int>, inserted: Range<Int>) {
            self.original = original
            self.inserted = inserted
        }
    }

    /// Table cells (differing middle lines of one times the other) aligned exactly; 16 MiB of `Int32`.
    package static let maxCells = 4_000_000

    /// The alignment, in order; where both a deletion and an insertion keep the alignment optimal, the
    /// deletion comes first (the unified-diff convention).
    package let operations: [Operation]

    package init(_ a: [String], _ b: [String], same: (String, String) -> Bool = { $0 == $1 }) {
        var prefix = 0
        while prefix < min(a.count, b.count), same(a[prefix], b[prefix]) { prefix += 1 }
        var suffix = 0
        while suffix < min(a.count, b.count) - prefix, same(a[a.count - 1 - suffix], b[b.count - 1 - suffix]) { suffix += 1 }
        var operations = (0..<prefix).map { Operation.same($0, $0) }
        let n = a.count - prefix - suffix
        let m = b.count - prefix - suffix
        if n > 0, m > 0, n * m <= Self.maxCells {
            // common[i * width + j]: the longest common subsequence of the middles from a's line i and b's line j on.
            let width = m + 1
            var common = [Int32](repeating: 0, count: (n + 1) * width)
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    common[i * width + j] = same(a[prefix + i], b[prefix + j])
                        ? common[(i + 1) * width + j + 1] + 1
                        : max(common[(i + 1) * width + j], common[i * width + j + 1])
                }
            }
            var i = 0, j = 0
            while i < n || j < m {
                if i < n, j < m, same(a[prefix + i], b[prefix + j]) {
                    operations.append(.same(prefix + i, prefix + j))
                    i += 1
                    j += 1
                } else if i < n, j == m || common[(i + 1) * width + j] >= common[i * width + j + 1] {
                    operations.append(.delete(prefix + i))
                    i += 1
                } else {
                    operations.append(.insert(prefix + j))
                    j += 1
                }
            }
        } else {
            operations += (prefix..<(prefix + n)).map(Operation.delete) + (prefix..<(prefix + m)).map(Operation.insert)
        }
        operations += (0..<suffix).map { Operation.same(a.count - suffix + $0, b.count - suffix + $0) }
        self.operations = operations
    }

    /// Lines deleted plus lines inserted.
    package var distance: Int {
        operations.reduce(0) { count, operation in
            if case .same = operation { count } else { count + 1 }
        }
    }

    /// The maximal runs of deletions and insertions, in order.
    package var hunks: [Hunk] {
        var hunks: [Hunk] = []
        var nextA = 0, nextB = 0
        var open: (a: Int, b: Int)?
        for operation in operations {
            switch operation {
            case .same:
                if let start = open { hunks.append(Hunk(original: start.a..<nextA, inserted: start.b..<nextB)) }
                open = nil
                nextA += 1
                nextB += 1
            case .delete:
                if open == nil { open = (nextA, nextB) }
                nextA += 1
            case .insert:
                if open == nil { open = (nextA, nextB) }
                nextB += 1
            }
        }
        if let start = open { hunks.append(Hunk(original: start.a..<nextA, inserted: start.b..<nextB)) }
        return hunks
    }

    /// The lines of a text as the diff compares them (split on `\n`, an empty last line kept).
    package static func lines(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
