import EvolveCore
import Foundation

/// The worked example of the answer format, made from real lines of the program it is sent with. A
/// model that copies the example's pattern then copies lines that exist, trailing comments and spacing
/// included: the example teaches the exact-copy rule instead of breaking it (a hand-written
/// `static let hidden = 64` without the real line's comment matched nothing).
struct WorkedExample {
    struct Edit {
        var search: String
        var replace: String
        var name: String
        var from: Int
        var to: Int
    }

    let file: String
    let edits: [Edit]

    /// Up to two integer constants of the first block that has one; nil when no block has any.
    init?(files: [String: String]) {
        guard let blocks = try? EvolveBlocks.parse(files) else { return nil }
        // An integer constant's line: indentation and declaration, the value, then anything (a comment).
        let constant = #/^(\s*(?:static\s+)?(?:let|var)\s+(\w+)\s*(?::\s*\w+)?\s*=\s*)(\d+)(\s*(?://.*)?)$/#
        for block in blocks {
            var edits: [Edit] = []
            for line in block.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                guard edits.count < 2, let match = line.wholeMatch(of: constant), let value = Int(match.3), value < 1_000_000 else { continue }
                let to = value >= 4 ? value / 2 : value >= 2 ? value - 1 : value + 1
                edits.append(Edit(search: line, replace: "\(match.1)\(to)\(match.4)", name: String(match.2), from: value, to: to))
            }
            if !edits.isEmpty {
                file = block.file
                self.edits = edits
                return
            }
        }
        return nil
    }

    /// The example as the system message shows it.
    var text: String {
        let summary = edits.map { "\($0.name) \($0.from) → \($0.to)" }.joined(separator: " and ")
        let blocks = edits.map { "\(file)\n<<<<<<< SEARCH\n\($0.search)\n=======\n\($0.replace)\n>>>>>>> REPLACE" }
        return """
            Worked example, with real lines of `\(file)` (it shows the format, not a change to make):

            (Optional: a few sentences of reasoning — what limits the score now, and why this change should help.)
            Summary: \(summary), because <why you expect it to score higher>

            \(blocks.joined(separator: "\n\n"))
            """
    }

    /// The example for a program without integer constants in its blocks: hypothetical lines, said so.
    static func hypothetical(file: String) -> String {
        """
        Worked example, for a hypothetical file `\(file)` holding the lines `    static let width = 64` and \
        `    static let depth = 2` inside an EVOLVE-BLOCK (it shows the format, not a change to make):

        Summary: width 64 → 32 and depth 2 → 1, because <why you expect it to score higher>

        \(file)
        <<<<<<< SEARCH
            static let width = 64
        =======
            static let width = 32
        >>>>>>> REPLACE

        \(file)
        <<<<<<< SEARCH
            static let depth = 2
        =======
            static let depth = 1
        >>>>>>> REPLACE
        """
    }
}
