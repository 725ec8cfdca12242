/// Where a SEARCH that matches nothing was probably copied from: the stretch of the file around the line
/// most like its first unmatched line. A model that dropped a trailing comment or renamed a value gets
/// the real lines back in the repair prompt instead of "appears nowhere", and can copy them exactly.
///
/// ```swift
/// NearestLines.window(for: ["    static let hidden = 64"], unmatchedAt: 0, in: fileLines)
/// // (range: 14...14, lines: ["    static let hidden = 64              // D, the width of every state"])
/// ```
package enum NearestLines {
    /// File lines quoted at most, however long the SEARCH.
    package static let maxLines = 12
    /// Characters of a line compared; the rest of a very long line is ignored.
    static let comparedCharacters = 160

    /// The 1-based line numbers and text of the file stretch that `search` most likely copied: as many
    /// lines as the SEARCH (at most `maxLines`), placed so that its line `index` falls on the file line
    /// most like it. Nil when no line shares at least half of that line's code.
    package static func window(for search: [String], unmatchedAt index: Int, in lines: [String]) -> (range: ClosedRange<Int>, lines: [String])? {
        guard search.indices.contains(index), !lines.isEmpty else { return nil }
        let target = code(search[index])
        guard !target.isEmpty else { return nil }
        var best: (line: Int, distance: Int)?
        for (number, line) in lines.enumerated() {
            let candidate = code(line)
            guard !candidate.isEmpty else { continue }
            let d = distance(target, candidate)
            if best == nil || d < best!.distance { best = (number, d) }
        }
        guard let best, best.distance * 2 <= target.count else { return nil }
        let count = min(search.count, maxLines, lines.count)
        let start = max(0, min(best.line - min(index, count - 1), lines.count - count))
        return ((start + 1)...(start + count), Array(lines[start..<(start + count)]))
    }

    /// A line's code: without its `//` or `#` comment and surrounding whitespace, so a SEARCH that left a
    /// trailing comment out still finds its line.
    static func code(_ line: String) -> String {
        var text = Substring(line)
        if let comment = text.range(of: "//") ?? text.range(of: " #") { text = text[..<comment.lowerBound] }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Levenshtein distance between the first `comparedCharacters` characters of each.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.prefix(comparedCharacters)), y = Array(b.prefix(comparedCharacters))
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}
