import Foundation

/// One region of a program that evolution may change: the lines between an `EVOLVE-BLOCK-START name`
/// marker and the next `EVOLVE-BLOCK-END`, in one file. Everything else, markers included, is fixed.
///
/// ```swift
/// // EVOLVE-BLOCK-START hyperparameters
/// enum Hyper { static let hidden = 64 }
/// // EVOLVE-BLOCK-END
/// ```
public struct EvolveBlock: Sendable, Equatable {
    public var file: String
    /// The word(s) after `EVOLVE-BLOCK-START`; an unnamed block is called `#1`, `#2`, … by its order in
    /// the file.
    public var name: String
    /// 1-based line numbers of the two marker lines.
    public var startLine: Int
    public var endLine: Int
    /// The lines between the markers, each ending in a newline.
    public var body: String

    /// `kernel.swift: hyperparameters`, how prompts and errors name a block.
    public var label: String { "\(file): \(name)" }
}

/// Why a program's markers cannot be used, naming the file and line.
public struct EvolveBlockError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
}

/// Finds and checks the EVOLVE-BLOCK regions of a program's files.
///
/// A marker is a line holding only a comment whose text starts with `EVOLVE-BLOCK-START` (optionally
/// followed by a name) or `EVOLVE-BLOCK-END`, in any common comment syntax (`//`, `#`, `--`, `;`, `/* */`,
/// `<!-- -->`). Blocks do not nest and every START has its END in the same file.
public enum EvolveBlocks {
    public static let startToken = "EVOLVE-BLOCK-START"
    public static let endToken = "EVOLVE-BLOCK-END"

    /// The blocks of every file, ordered by path then position. Throws when markers are unbalanced or
    /// nested, a name repeats within a file, or no file has a block at all.
    public static func parse(_ files: [String: String]) throws(EvolveBlockError) -> [EvolveBlock] {
        var blocks: [EvolveBlock] = []
        let paths = files.keys.filter { $0 != ProgramFiles.configFileName }.sorted()
        for path in paths {
            blocks += try parse(file: path, text: files[path]!)
        }
        guard !blocks.isEmpty else {
            throw EvolveBlockError(description: "no file has an \(startToken) marker (looked at \(paths.count) file\(paths.count == 1 ? "" : "s")). Add markers around the code evolve may change; see Programs/trm/kernel.swift for an example.")
        }
        return blocks
    }

    /// The blocks of one file (none is fine: a file without markers is read-only context).
    public static func parse(file: String, text: String) throws(EvolveBlockError) -> [EvolveBlock] {
        try parse(file: file, lines: SourceLines(text).lines)
    }

    package static func parse(file: String, lines: [String]) throws(EvolveBlockError) -> [EvolveBlock] {
        var blocks: [EvolveBlock] = []
        var open: (name: String, line: Int)?
        var unnamed = 0
        for (index, line) in lines.enumerated() {
            guard let marker = Marker(line) else { continue }
            switch marker {
            case .start(let name):
                if let open {
                    throw EvolveBlockError(description: "\(file):\(index + 1): \(startToken) inside the block '\(open.name)' opened at line \(open.line + 1); close it with \(endToken) first (blocks do not nest)")
                }
                var blockName = name
                if blockName.isEmpty {
                    unnamed += 1
                    blockName = "#\(unnamed)"
                }
                if blocks.contains(where: { $0.name == blockName }) {
                    throw EvolveBlockError(description: "\(file):\(index + 1): a second block named '\(blockName)'; give each block of a file its own name")
                }
                open = (blockName, index)
            case .end:
                guard let opened = open else {
                    throw EvolveBlockError(description: "\(file):\(index + 1): \(endToken) without an \(startToken) before it; add the start marker or remove this line")
                }
                let body = lines[(opened.line + 1)..<index].map { $0 + "\n" }.joined()
                blocks.append(EvolveBlock(file: file, name: opened.name, startLine: opened.line + 1, endLine: index + 1, body: body))
                open = nil
            }
        }
        if let open {
            throw EvolveBlockError(description: "\(file):\(open.line + 1): block '\(open.name)' has no \(endToken); add one after its last line")
        }
        return blocks
    }

    /// Whether a line mentions a marker token at all (a proper marker or not): such lines may not be
    /// added or changed by an edit.
    package static func mentionsMarker(_ line: String) -> Bool {
        line.contains(startToken) || line.contains(endToken)
    }

    /// The file with each block's body replaced by its name: what must never change.
    package static func skeleton(_ lines: [String], _ blocks: [EvolveBlock]) -> [String] {
        var result: [String] = []
        var next = 0
        for block in blocks {
            result += lines[next..<block.startLine]
            result.append("\u{0}\(block.name)")
            next = block.endLine - 1
        }
        return result + lines[next...]
    }

    /// `kernel.swift: hyperparameters` as its file and block name.
    package static func splitLabel(_ label: String) -> (file: String, name: String) {
        guard let range = label.range(of: ": ") else { return (label, "") }
        return (String(label[..<range.lowerBound]), String(label[range.upperBound...]))
    }

    /// The body of block `name` in `file`, or nil when the program lacks it.
    package static func blockBody(_ files: [String: String], file: String, name: String) -> String? {
        guard let text = files[file] else { return nil }
        return (try? EvolveBlocks.parse(file: file, text: text))?.first { $0.name == name }?.body
    }

    /// `text` with block `name`'s body replaced (line endings follow `text`).
    package static func replacingBody(of name: String, in text: String, with body: String) -> String {
        var source = SourceLines(text)
        guard let block = (try? EvolveBlocks.parse(file: "", lines: source.lines))?.first(where: { $0.name == name }) else { return text }
        var bodyLines = SourceLines(body).lines
        if bodyLines.last == "" { bodyLines.removeLast() }
        source.lines.replaceSubrange(block.startLine..<(block.endLine - 1), with: bodyLines)
        return source.text
    }

    package enum Marker: Equatable {
        case start(name: String)
        case end

        private static let leaders = ["<!--", "/*", "(*", "//", "--", "#", ";", "%"]
        private static let trailers = ["-->", "*/", "*)"]

        /// Parses a marker line, or nil when the line is anything else.
        package init?(_ line: String) {
            var rest = Substring(line.trimmingCharacters(in: .whitespaces))
            guard let leader = Self.leaders.first(where: { rest.hasPrefix($0) }) else { return nil }
            rest = rest.dropFirst(leader.count)
            while rest.first == "/" || rest.first == "#" { rest = rest.dropFirst() }  // `///`, `##`
            rest = Substring(rest.trimmingCharacters(in: .whitespaces))
            for trailer in Self.trailers where rest.hasSuffix(trailer) {
                rest = rest.dropLast(trailer.count)
            }
            if rest.hasPrefix(EvolveBlocks.startToken) {
                let name = rest.dropFirst(EvolveBlocks.startToken.count)
                guard name.isEmpty || name.first == " " || name.first == "\t" || name.first == ":" else { return nil }
                self = .start(name: name.drop { $0 == ":" }.trimmingCharacters(in: .whitespaces))
            } else if rest.hasPrefix(EvolveBlocks.endToken) {
                let tail = rest.dropFirst(EvolveBlocks.endToken.count)
                guard tail.isEmpty || tail.first == " " || tail.first == "\t" else { return nil }
                self = .end
            } else {
                return nil
            }
        }
    }
}

/// A file as lines without their terminators, remembering whether it used CRLF, so an edited file is
/// written back in its own convention.
package struct SourceLines: Equatable {
    package var lines: [String]
    package var crlf: Bool

    package init(_ text: String) {
        crlf = text.contains("\r\n")
        let normalised = crlf ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        lines = normalised.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    package init(lines: [String], crlf: Bool) {
        self.lines = lines
        self.crlf = crlf
    }

    package var text: String { lines.joined(separator: crlf ? "\r\n" : "\n") }
}
