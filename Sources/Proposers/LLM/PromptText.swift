import EvolveCore
import Foundation

/// The text shaping every part of a prompt shares: token estimates, short ids, numbers, one-line
/// quotes, fences, excerpts of long output, and defusing text that could pose as a delimiter.
enum PromptText {
    static func tokens(_ text: String) -> Int { (text.count + 3) / 4 }

    static func shortID(_ id: String) -> String { String(id.prefix(8)) }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value)
    }

    static func oneLine(_ text: String, limit: Int) -> String { AnswerParser.oneLine(text, limit: limit) }

    /// Text that cannot pose as a delimiter: `<<<`/`>>>` runs and SEARCH/REPLACE marker runs are broken up.
    static func defused(_ text: String) -> String {
        var s = text
        for (run, safe) in [("<<<", "‹‹‹"), (">>>", "›››"), ("=====", "═════")] {
            s = s.replacingOccurrences(of: run, with: safe)
        }
        return s
    }

    /// The first line and the last `limit` characters of a long text.
    static func excerpt(_ text: String, limit: Int) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count > limit else { return trimmed }
        let first = String(trimmed.prefix { $0 != "\n" }.prefix(200))
        let tail = String(trimmed.suffix(limit))
        return first + "\n[… \(trimmed.count - first.count - tail.count) characters cut …]\n" + tail
    }

    static func fenced(_ text: String, path: String) -> String {
        var fence = "```"
        while text.contains(fence) { fence += "`" }
        let language = switch (path as NSString).pathExtension {
        case "swift": "swift"
        case "py": "python"
        case "c", "h": "c"
        case "rs": "rust"
        case "js": "javascript"
        default: ""
        }
        let body = text.hasSuffix("\n") ? text : text + "\n"
        return "\(fence)\(language)\n\(body)\(fence)"
    }

    /// Only the blocks of a file, markers included, with the elided stretches marked.
    static func blocksOnly(_ text: String, blocks: [EvolveBlock]) -> String {
        let lines = SourceLines(text).lines
        var out: [String] = []
        var next = 0
        for block in blocks {
            if block.startLine - 1 > next { out.append("… (\(block.startLine - 1 - next) fixed lines) …") }
            out += lines[(block.startLine - 1)..<block.endLine]
            next = block.endLine
        }
        if next < lines.count - 1 { out.append("… (\(lines.count - 1 - next) fixed lines) …") }
        return out.joined(separator: "\n")
    }
}
