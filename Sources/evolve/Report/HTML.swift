import Foundation

/// Escaping for the report: every string that comes from a run (program text, model summaries, benchmark
/// and model names, ids) passes through here, because programs are written by a model that may be hostile.
enum HTML {
    /// Text safe inside an element or a quoted attribute: `& < > " '` become references, and control
    /// characters other than tab and newline (terminal escapes a candidate printed) become U+FFFD.
    static func escape(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value): out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A number for display: 4 significant digits, `–` for nil.
    static func number(_ value: Double?, digits: Int = 4) -> String {
        guard let value else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    /// An SVG coordinate with two decimals (keeps the file small and stable).
    static func coordinate(_ value: Double) -> String {
        String(format: "%.2f", value.isFinite ? value : 0)
    }
}
