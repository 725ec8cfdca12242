import Foundation

/// Reads the JSON of ARC files straight into grids, knowing where it is: a problem names the JSON path of the
/// value (`train[0].input[2][3]`) and its byte offset, which `BenchmarkFileError` turns into line and column.
///
/// A general JSON decoder says "invalid JSON" or "type mismatch" for a colour of 1.5; this says "1.5 is not an
/// integer colour (0 to 9) at train[0].input[2][3]". Keys other than the ones ARC defines are skipped (any
/// valid JSON), so extra metadata in a file does no harm.
struct ARCJSONReader {
    /// A problem at a byte offset; `problem` already names the JSON path.
    struct Failure: Error {
        let offset: Int
        let problem: String
    }

    /// A pair as read: the output is absent in Kaggle challenge files (it is in the solutions file).
    struct Pair {
        var input: ARCGrid
        var output: ARCGrid?
    }

    struct Task {
        var train: [ARCPair]
        var test: [Pair]
    }

    private let bytes: [UInt8]
    /// Byte offset of the next unread byte; a caller may rewind to step over a bad value with `skipValue`.
    var index = 0

    init(_ data: Data) {
        bytes = Array(data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // a UTF-8 byte-order mark, as some editors write
    }

    /// 1-based line and byte column of `offset`.
    func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1, lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    // MARK: - ARC structures

    /// `{"train": [pair…], "test": [pair…]}`; test outputs are required unless `testOutputs` is false.
    mutating func task(at path: String, testOutputs: Bool) throws -> Task {
        let start = index
        var train: [ARCPair]?
        var test: [Pair]?
        try members(at: path.isEmpty ? "the task" : path) { reader, key in
            let keyPath = Self.join(path, key)
            switch key {
            case "train":
                var pairs: [ARCPair] = []
                try reader.elements(at: keyPath) { reader, i in
                    let pair = try reader.pair(at: "\(keyPath)[\(i)]", needsOutput: true)
                    pairs.append(ARCPair(input: pair.input, output: pair.output ?? []))
                }
                train = pairs
            case "test":
                var pairs: [Pair] = []
                try reader.elements(at: keyPath) { reader, i in pairs.append(try reader.pair(at: "\(keyPath)[\(i)]", needsOutput: testOutputs)) }
                test = pairs
            default:
                try reader.skipValue(at: keyPath)
            }
        }
        let name = path.isEmpty ? "the task" : "task \(path)"
        guard let train else { throw Failure(offset: start, problem: "\(name) has no \"train\" list (its demonstration pairs)") }
        guard let test else { throw Failure(offset: start, problem: "\(name) has no \"test\" list (its test pairs)") }
        guard !train.isEmpty else { throw Failure(offset: start, problem: "\(name) has an empty \"train\" list: no demonstration pairs") }
        guard !test.isEmpty else { throw Failure(offset: start, problem: "\(name) has an empty \"test\" list: no test pairs") }
        return Task(train: train, test: test)
    }

    /// `{"input": grid, "output": grid}`.
    mutating func pair(at path: String, needsOutput: Bool) throws -> Pair {
        let start = index
        var input: ARCGrid?, output: ARCGrid?
        try members(at: path) { reader, key in
            switch key {
            case "input": input = try reader.grid(at: Self.join(path, key))
            case "output": output = try reader.grid(at: Self.join(path, key))
            default: try reader.skipValue(at: Self.join(path, key))
            }
        }
        guard let input else { throw Failure(offset: start, problem: "\(path) has no \"input\" grid") }
        if needsOutput, output == nil { throw Failure(offset: start, problem: "\(path) has no \"output\" grid") }
        return Pair(input: input, output: output)
    }

    /// A list of 1 to 30 rows of equal length, 1 to 30 colours 0–9 each.
    mutating func grid(at path: @autoclosure () -> String) throws -> ARCGrid {
        let start = index
        var rows: ARCGrid = []
        try elements(at: path(), what: "a grid (a list of rows)") { reader, r in
            let rowStart = reader.index
            var row: [Int] = []
            try reader.elements(at: "\(path())[\(r)]", what: "a row (a list of colours)") { reader, c in
                row.append(try reader.colour(at: "\(path())[\(r)][\(c)]"))
            }
            if row.isEmpty { throw Failure(offset: rowStart, problem: "\(path())[\(r)] is an empty row; a row has 1 to 30 colours") }
            if row.count > 30 { throw Failure(offset: rowStart, problem: "\(path())[\(r)] has \(row.count) colours; an ARC row has at most 30") }
            if let first = rows.first, first.count != row.count {
                throw Failure(offset: rowStart, problem: "\(path())[\(r)] has \(row.count) colours but row 0 has \(first.count); a grid is rectangular")
            }
            rows.append(row)
        }
        if rows.isEmpty { throw Failure(offset: start, problem: "\(path()) is an empty grid; a grid has 1 to 30 rows") }
        if rows.count > 30 { throw Failure(offset: start, problem: "\(path()) has \(rows.count) rows; an ARC grid has at most 30") }
        return rows
    }

    /// An integer 0–9.
    mutating func colour(at path: @autoclosure () -> String) throws -> Int {
        skipSpace()
        let start = index
        guard index < bytes.count else { throw endOfFile(in: path()) }
        let byte = bytes[index]
        // The common case: one digit followed by a delimiter.
        if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), index + 1 < bytes.count, !Self.isNumberByte(bytes[index + 1]) {
            index += 1
            return Int(byte) - 48
        }
        guard byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
            let found = try kindOfValue(at: path())
            throw Failure(offset: start, problem: "\(found) is not a colour (an integer 0 to 9) at \(path())")
        }
        let text = try number(at: path())
        if let value = Int(text), (0...9).contains(value), text == String(value) { return value }
        if Int(text) != nil {
            throw Failure(offset: start, problem: "\(text) is not a colour (an integer 0 to 9) at \(path())")
        }
        throw Failure(offset: start, problem: "\(text) is not an integer colour (0 to 9) at \(path())")
    }

    // MARK: - JSON structure

    /// Calls `body` for each member of an object, with the reader positioned at the member's value.
    mutating func members(at path: @autoclosure () -> String, _ body: (inout ARCJSONReader, String) throws -> Void) throws {
        try open(UInt8(ascii: "{"), at: path(), what: "an object")
        skipSpace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw unexpected(expected: "a quoted key", in: path()) }
            let key = try string(at: path())
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw unexpected(expected: "':' after the key \"\(key)\"", in: path()) }
            index += 1
            try body(&self, key)
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw unexpected(expected: "',' or '}' after the value of \"\(key)\"", in: path())
            }
        }
    }

    /// Calls `body` for each element of an array, with the reader positioned at the element.
    mutating func elements(
        at path: @autoclosure () -> String, what: String = "a list", _ body: (inout ARCJSONReader, Int) throws -> Void
    ) throws {
        try open(UInt8(ascii: "["), at: path(), what: what)
        skipSpace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return
        }
        var i = 0
        while true {
            try body(&self, i)
            i += 1
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw unexpected(expected: "',' or ']' after element \(i - 1)", in: path())
            }
        }
    }

    /// Skips any JSON value (for keys ARC does not define, and to step over a bad task in a combined file).
    mutating func skipValue(at path: @autoclosure () -> String, depth: Int = 0) throws {
        guard depth < 64 else { throw Failure(offset: index, problem: "values nested deeper than 64 levels at \(path())") }
        skipSpace()
        switch peek ?? 0 {
        case UInt8(ascii: "{"): try members(at: path()) { reader, key in try reader.skipValue(at: Self.join(path(), key), depth: depth + 1) }
        case UInt8(ascii: "["): try elements(at: path()) { reader, i in try reader.skipValue(at: "\(path())[\(i)]", depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try string(at: path())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number(at: path())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): try literal(at: path())
        default: throw unexpected(expected: "a value", in: path())
        }
    }

    /// Checks that only whitespace follows the top-level value.
    mutating func end(after what: String) throws {
        skipSpace()
        if index < bytes.count { throw unexpected(expected: "the end of the file after \(what)", in: "the top level") }
    }

    var isAtEnd: Bool {
        mutating get {
            skipSpace()
            return index >= bytes.count
        }
    }

    /// A quoted string with JSON escapes.
    mutating func string(at path: @autoclosure () -> String) throws -> String {
        let start = index
        index += 1  // the opening quote
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                        throw Failure(offset: index - 2, problem: "invalid \\u escape in a string at \(path())")
                    }
                    index += 4
                    out.append(contentsOf: Array(String(UnicodeScalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                default:
                    throw Failure(offset: index - 2, problem: "invalid escape '\\\(Character(UnicodeScalar(escape)))' in a string at \(path())")
                }
            case 0..<0x20:
                throw Failure(offset: index - 1, problem: "a control character inside a string at \(path()) (a line break in a key?)")
            default: out.append(byte)
            }
        }
        throw Failure(offset: start, problem: "a string that never closes at \(path()) (the file is cut short?)")
    }

    /// A JSON number's text, checked against JSON's grammar.
    mutating func number(at path: @autoclosure () -> String) throws -> String {
        let start = index
        while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard Self.isJSONNumber(text) else { throw Failure(offset: start, problem: "\(text) is not a valid JSON number at \(path())") }
        return text
    }

    // MARK: - Helpers

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func open(_ bracket: UInt8, at path: String, what: String) throws {
        skipSpace()
        guard peek == bracket else {
            guard index < bytes.count else { throw endOfFile(in: path) }
            let found = try kindOfValue(at: path)
            throw Failure(offset: index, problem: "expected \(what) at \(path), found \(found)")
        }
        index += 1
    }

    private mutating func literal(at path: String) throws {
        for word in ["true", "false", "null"] where bytes[index...].starts(with: word.utf8) {
            index += word.utf8.count
            return
        }
        throw unexpected(expected: "a value", in: path)
    }

    /// Names the value at the reader's position without consuming it ("a string", "1.5", "null").
    private func kindOfValue(at path: String) throws -> String {
        var probe = self
        guard let byte = peek else { return "the end of the file" }
        switch byte {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "a list"
        case UInt8(ascii: "\""): return "a string (\"\((try? probe.string(at: path)).map { String($0.prefix(20)) } ?? "")\")"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return (try? probe.number(at: path)) ?? "a number"
        case UInt8(ascii: "t"): return "true"
        case UInt8(ascii: "f"): return "false"
        case UInt8(ascii: "n"): return "null"
        default: return "'\(Self.shown(byte))'"
        }
    }

    private func unexpected(expected: String, in path: String) -> Failure {
        guard let byte = peek else { return endOfFile(in: path) }
        return Failure(offset: index, problem: "expected \(expected) in \(path), found '\(Self.shown(byte))'")
    }

    private func endOfFile(in path: String) -> Failure {
        Failure(offset: index, problem: "the file ends inside \(path) (it is cut short?)")
    }

    private static func shown(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : String(format: "\\x%02X", byte)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return true
        default: return false
        }
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isJSONNumber(_ text: String) -> Bool {
        var s = Substring(text)
        func digits() -> Int {
            let n = s.prefix { $0.isASCII && $0.isNumber }.count
            s = s.dropFirst(n)
            return n
        }
        if s.first == "-" { s = s.dropFirst() }
        if s.first == "0" {
            s = s.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if s.first == "." {
            s = s.dropFirst()
            if digits() == 0 { return false }
        }
        if s.first == "e" || s.first == "E" {
            s = s.dropFirst()
            if s.first == "+" || s.first == "-" { s = s.dropFirst() }
            if digits() == 0 { return false }
        }
        return s.isEmpty
    }

    /// `base.key`, or `key` at the top level.
    static func join(_ base: String, _ key: String) -> String { base.isEmpty ? key : "\(base).\(key)" }
}
