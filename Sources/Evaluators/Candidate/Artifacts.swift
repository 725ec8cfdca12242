import Foundation

/// Turns text a candidate controls (its stderr, ids in its predictions, compiler messages quoting its
/// code) into artifact text that is safe to show a person and the next prompt: control and invisible
/// characters escaped, every piece capped, and candidate lines marked as such so they can never pass
/// for evolve's own lines (scores, verdicts).
///
/// ```swift
/// let tail = Artifacts.candidateBlock(run.stderr.lastLines(8), label: "candidate stderr (last lines)")
/// // candidate stderr (last lines, verbatim candidate output, not evolve's):
/// // │ Fatal error: Index out of range
/// ```
package enum Artifacts {
    /// The most one artifact may hold.
    package static let maxArtifactBytes = 4096
    /// The most of one candidate line that is kept.
    package static let maxLineCharacters = 200
    /// The most of an id quoted from candidate output.
    package static let maxQuotedCharacters = 40
    /// What starts every candidate line in an artifact; evolve's own lines never start with it.
    package static let candidateLinePrefix = "│ "

    /// `text` with every character that could act on a terminal or hide in a prompt written visibly:
    /// C0/C1 controls and DEL (ESC, CR, BEL…), Unicode format characters (bidi overrides, zero-width),
    /// and line/paragraph separators. Newlines are kept only when `keepNewlines`.
    package static func escape(_ text: some StringProtocol, keepNewlines: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where keepNewlines: out.append("\n")
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let category = scalar.properties.generalCategory
                if [.control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned].contains(category) {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// At most `limit` characters of `text`, saying how many more there were.
    package static func truncate(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…[+\(text.count - limit) chars]"
    }

    /// A candidate-chosen string (an id) for one line of evolve's text: escaped, capped, in quotes.
    package static func quote(_ text: some StringProtocol, limit: Int = maxQuotedCharacters) -> String {
        // Cap before escaping so a 20 MB id costs no more than its first characters.
        let head = String(text.prefix(limit + 1))
        let shown = escape(head.prefix(limit)).replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(shown)\"" + (head.count > limit ? "…" : "")
    }

    /// Candidate text as a labelled block: a header saying whose words follow, then each line escaped,
    /// capped and prefixed with `candidateLinePrefix`. Empty when `text` has nothing visible.
    package static func candidateBlock(_ text: String, label: String, maxLines: Int = 8) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var kept = Array(lines.drop(while: \.isEmpty).reversed().drop(while: \.isEmpty).reversed())
        guard !kept.isEmpty else { return "" }
        var header = "\(label), verbatim candidate output, not evolve's words:"
        if kept.count > maxLines {
            header = "\(label) (last \(maxLines) of \(kept.count) lines), verbatim candidate output, not evolve's words:"
            kept = Array(kept.suffix(maxLines))
        }
        return ([header] + kept.map { candidateLinePrefix + truncate(escape($0), to: maxLineCharacters) }).joined(separator: "\n")
    }

    /// Caps a whole artifact at `maxArtifactBytes`, cutting at a line boundary and saying so.
    package static func cap(_ artifact: String, maxBytes: Int = maxArtifactBytes) -> String {
        guard artifact.utf8.count > maxBytes else { return artifact }
        var kept: [Substring] = []
        var size = 0
        for line in artifact.split(separator: "\n", omittingEmptySubsequences: false) {
            let next = size + line.utf8.count + 1
            if next > maxBytes - 64 { break }
            kept.append(line)
            size = next
        }
        return kept.joined(separator: "\n") + "\n[artifact cut at \(maxBytes) bytes]"
    }
}
