import EvolveCore
import Foundation

/// A numeric or Boolean literal inside an EVOLVE-BLOCK: what the offline mutator may change.
struct LiteralSite: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case integer, float, boolean }

    var file: String
    var block: String
    /// UTF-8 offsets of the literal in the file (the sign, if any, is outside).
    var range: Range<Int>
    var text: String
    var kind: Kind
    /// The constant it initialises, when the literal is the whole right-hand side of
    /// `let name = …` / `static let name: Float = …` / `name = …`.
    var name: String?
    /// The declaration says `Float`/`Double`/`CGFloat`, so an integer-written literal may take a fraction.
    var floatTyped: Bool
    /// Preceded by a unary minus.
    var negative: Bool
    /// The text after `evolve:` in the line's trailing comment, if any (a declared range).
    var declaration: String?
    /// 1-based line in the file.
    var line: Int

    /// `hidden`, or `kernel.swift:123` for a literal that initialises no named constant.
    var label: String { name ?? "\(file):\(line)" }

    var value: Double {
        switch kind {
        case .boolean: text == "true" ? 1 : 0
        case .integer, .float: (Double(text.replacingOccurrences(of: "_", with: "")) ?? 0) * (negative ? -1 : 1)
        }
    }
}

/// Finds the literals inside a program's EVOLVE-BLOCKs with a small lexer that skips comments, strings,
/// identifiers (`x2`, `Float32`), member accesses (`pair.0`) and hex/binary/octal literals. `#` starts a
/// comment in Python and shell files, `//` and `/* */` elsewhere.
enum LiteralScanner {
    static func sites(in files: [String: String]) -> [LiteralSite] {
        guard let blocks = try? EvolveBlocks.parse(files) else { return [] }
        var sites: [LiteralSite] = []
        for path in Set(blocks.map(\.file)).sorted() {
            sites += scan(file: path, text: files[path]!, blocks: blocks.filter { $0.file == path })
        }
        return sites
    }

    private static let hashComments: Set<String> = ["py", "sh", "rb", "pl", "r", "jl", "toml", "yaml", "yml"]

    static func scan(file: String, text: String, blocks: [EvolveBlock]) -> [LiteralSite] {
        let bytes = Array(text.utf8)
        var lineStarts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { lineStarts.append(i + 1) }
        func lineOf(_ offset: Int) -> Int {
            var lo = 0, hi = lineStarts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
            }
            return lo + 1
        }
        func lineText(_ line: Int) -> String {
            let start = lineStarts[line - 1]
            let end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
            return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
        }
        let hash = hashComments.contains((file as NSString).pathExtension.lowercased())
        func blockOf(_ line: Int) -> EvolveBlock? { blocks.first { line > $0.startLine && line < $0.endLine } }

        var raw: [(range: Range<Int>, kind: LiteralSite.Kind)] = []
        var i = 0
        let n = bytes.count
        func at(_ k: Int) -> UInt8 { k < n ? bytes[k] : 0 }
        func isIdentifierByte(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x24 || b >= 0x80
        }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        while i < n {
            let b = bytes[i]
            if (!hash && b == UInt8(ascii: "/") && at(i + 1) == UInt8(ascii: "/")) || (hash && b == UInt8(ascii: "#")) {
                while i < n, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else if !hash && b == UInt8(ascii: "/") && at(i + 1) == UInt8(ascii: "*") {
                i += 2
                while i < n, !(bytes[i] == UInt8(ascii: "*") && at(i + 1) == UInt8(ascii: "/")) { i += 1 }
                i += 2
            } else if b == UInt8(ascii: "\"") || (hash && b == UInt8(ascii: "'")) {
                let quote = b
                if at(i + 1) == quote && at(i + 2) == quote {
                    i += 3
                    while i < n, !(bytes[i] == quote && at(i + 1) == quote && at(i + 2) == quote) { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                    i += 3
                } else {
                    i += 1
                    while i < n, bytes[i] != quote, bytes[i] != UInt8(ascii: "\n") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                    i += 1
                }
            } else if isDigit(b) {
                let start = i
                let previous = start > 0 ? bytes[start - 1] : 0
                if b == UInt8(ascii: "0"), [UInt8(ascii: "x"), UInt8(ascii: "b"), UInt8(ascii: "o")].contains(at(i + 1)) {
                    i += 2
                    while i < n, isIdentifierByte(bytes[i]) { i += 1 }
                    continue
                }
                var kind = LiteralSite.Kind.integer
                while i < n, isDigit(bytes[i]) || bytes[i] == UInt8(ascii: "_") { i += 1 }
                if at(i) == UInt8(ascii: "."), isDigit(at(i + 1)) {
                    kind = .float
                    i += 1
                    while i < n, isDigit(bytes[i]) || bytes[i] == UInt8(ascii: "_") { i += 1 }
                }
                if at(i) == UInt8(ascii: "e") || at(i) == UInt8(ascii: "E") {
                    let signed = at(i + 1) == UInt8(ascii: "-") || at(i + 1) == UInt8(ascii: "+")
                    if isDigit(at(i + (signed ? 2 : 1))) {
                        kind = .float
                        i += signed ? 2 : 1
                        while i < n, isDigit(bytes[i]) { i += 1 }
                    }
                }
                let memberAccess = previous == UInt8(ascii: ".")
                if !memberAccess, !isIdentifierByte(at(i)) { raw.append((start..<i, kind)) }
                while i < n, isIdentifierByte(bytes[i]) || bytes[i] == UInt8(ascii: ".") && isDigit(at(i + 1)) { i += 1 }
            } else if isIdentifierByte(b) {
                let start = i
                while i < n, isIdentifierByte(bytes[i]) { i += 1 }
                let word = String(decoding: bytes[start..<i], as: UTF8.self)
                let previous = start > 0 ? bytes[start - 1] : 0
                if (word == "true" || word == "false" || word == "True" || word == "False"), previous != UInt8(ascii: ".") {
                    raw.append((start..<i, .boolean))
                }
            } else {
                i += 1
            }
        }

        var sites: [LiteralSite] = []
        for (range, kind) in raw {
            let line = lineOf(range.lowerBound)
            guard let block = blockOf(line) else { continue }
            let lineStart = lineStarts[line - 1]
            let full = lineText(line)
            let fullBytes = Array(full.utf8)
            let before = String(decoding: fullBytes[..<(range.lowerBound - lineStart)], as: UTF8.self)
            let after = String(decoding: fullBytes[min(fullBytes.count, range.upperBound - lineStart)...], as: UTF8.self)
            let negative = before.trimmingTrailingSpaces().hasSuffix("-")
            let declaration = Self.declaration(after, hash: hash)
            var name: String?
            var floatTyped = false
            if let match = Self.assignment(before), Self.isLineEnd(after, hash: hash) {
                name = match.name
                floatTyped = ["Float", "Double", "CGFloat", "Float32", "Float64", "float"].contains(match.type ?? "")
            }
            sites.append(LiteralSite(
                file: file, block: block.name, range: range, text: String(decoding: bytes[range], as: UTF8.self), kind: kind,
                name: name, floatTyped: floatTyped || kind == .float, negative: negative, declaration: declaration, line: line))
        }
        return sites
    }

    private static let assignmentPattern = try! NSRegularExpression(
        pattern: #"^\s*(?:(?:[a-z]+\s+)*(?:let|var)\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([A-Za-z_][A-Za-z0-9_.]*))?\s*=\s*-?\s*$"#)

    /// `static let hidden: Int = ` → ("hidden", "Int").
    static func assignment(_ before: String) -> (name: String, type: String?)? {
        let range = NSRange(before.startIndex..., in: before)
        guard let match = assignmentPattern.firstMatch(in: before, range: range),
              let name = Range(match.range(at: 1), in: before) else { return nil }
        let type = Range(match.range(at: 2), in: before).map { String(before[$0]) }
        return (String(before[name]), type)
    }

    /// Nothing but whitespace, `;` and a comment after the literal.
    static func isLineEnd(_ after: String, hash: Bool) -> Bool {
        let rest = after.drop { $0 == " " || $0 == "\t" || $0 == ";" || $0 == "\r" }
        return rest.isEmpty || rest.hasPrefix(hash ? "#" : "//")
    }

    /// The range declared in a trailing `// evolve: 16...256, log` comment.
    static func declaration(_ after: String, hash: Bool) -> String? {
        guard let comment = after.range(of: hash ? "#" : "//"),
              let key = after[comment.upperBound...].range(of: "evolve:") else { return nil }
        return after[key.upperBound...].trimmingCharacters(in: .whitespaces)
    }
}

extension String {
    func trimmingTrailingSpaces() -> Substring {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
