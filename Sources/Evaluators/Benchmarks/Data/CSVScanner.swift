import EvolveSupport
import Foundation

/// One puzzle row of a `source,question,answer,rating` CSV, its fields unquoted. The slices point into a
/// buffer the scanner reuses: copy what must outlive the callback.
struct CSVRecord {
    let line: Int
    /// 0-based position among the puzzle rows (header and blank lines not counted).
    let index: Int
    let question: ArraySlice<UInt8>
    let answer: ArraySlice<UInt8>
    /// The rating field, when the file has that column.
    let rating: ArraySlice<UInt8>?
}

/// Splits the bytes of a puzzle CSV (Sudoku-Extreme, Maze-Hard) into rows, fed in chunks so a file of millions
/// of rows streams through bounded memory, and hashes every line on the way.
///
/// Accepts what real exports contain: `\n` or `\r\n` line ends (Swift's `Character` would merge `\r\n`, so this
/// works on bytes), a UTF-8 byte-order mark, RFC 4180 quoted fields (`"a,b"`, `""` for a quote) and a header
/// line naming the columns in any order. Without a header the columns are `source,question,answer[,rating]`.
/// Fields are not trimmed: a maze's open cells are spaces.
struct CSVScanner {
    let path: String
    /// Lines seen so far (1-based numbering of the last one).
    private(set) var lineNumber = 0
    /// Puzzle rows delivered so far.
    private(set) var rows = 0
    private(set) var sawHeader = false
    private var nonEmptyLines = 0
    private var pending: [UInt8] = []
    private var hasher = FNV1a()
    private var ranges: [Range<Int>] = []
    private var columns = (question: 1, answer: 2, rating: Optional(3))
    private var neededFields = 3

    init(path: String) { self.path = path }

    /// FNV-1a over every line's bytes (line end excluded), in order.
    var contentHash: String { hasher.hex }

    private static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")

    /// Feeds the next chunk of the file; calls `row` for each complete puzzle line in it.
    mutating func consume(_ chunk: UnsafeRawBufferPointer, row: (CSVRecord) throws -> Void) throws {
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return }
        var start = 0
        while start < chunk.count {
            let rest = chunk.count - start
            if let found = memchr(base + start, Int32(Self.newline), rest) {
                let end = base.distance(to: UnsafeRawPointer(found))
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
                try endLine(row)
                start = end + 1
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
                start = chunk.count
            }
        }
    }

    /// Ends the input (a last line without a line end counts) and checks that it held puzzles.
    mutating func finish(row: (CSVRecord) throws -> Void) throws {
        if !pending.isEmpty { try endLine(row) }
        guard nonEmptyLines > 0 else {
            throw BenchmarkFileError(
                path: path, line: 0, problem: "the file is empty; a puzzle CSV has a header line source,question,answer,rating and one puzzle per line")
        }
        guard rows > 0 else {
            throw BenchmarkFileError(path: path, line: 0, problem: "the file has a header line but no puzzle rows")
        }
    }

    private mutating func endLine(_ row: (CSVRecord) throws -> Void) throws {
        lineNumber += 1
        hasher.combine(pending)
        defer { pending.removeAll(keepingCapacity: true) }
        var start = 0
        if lineNumber == 1, pending.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }  // UTF-8 byte-order mark
        var end = pending.count
        if end > start, pending[end - 1] == Self.carriageReturn { end -= 1 }
        guard end > start else { return }
        nonEmptyLines += 1
        try split(start..<end)
        if nonEmptyLines == 1, try readHeader() { return }
        guard ranges.count >= neededFields else {
            let shown = String(decoding: pending[start..<min(end, start + 40)], as: UTF8.self)
            throw BenchmarkFileError(
                path: path, line: lineNumber,
                problem: "expected source,question,answer[,rating], got \(ranges.count) field\(ranges.count == 1 ? "" : "s") (\"\(shown)\(end - start > 40 ? "…" : "")\")")
        }
        rows += 1
        let rating = columns.rating.flatMap { $0 < ranges.count ? pending[ranges[$0]] : nil }
        try row(CSVRecord(line: lineNumber, index: rows - 1, question: pending[ranges[columns.question]], answer: pending[ranges[columns.answer]], rating: rating))
    }

    /// Treats the first line as a header when one of its fields is `question`, and takes the columns from it.
    private mutating func readHeader() throws -> Bool {
        let names = ranges.map { String(decoding: pending[$0], as: UTF8.self).lowercased() }
        guard names.contains("question") else { return false }
        guard let question = names.firstIndex(of: "question"), let answer = names.firstIndex(of: "answer") else {
            throw BenchmarkFileError(
                path: path, line: lineNumber, problem: "the header names \(names.joined(separator: ",")) but no answer column; expected source,question,answer,rating")
        }
        sawHeader = true
        columns = (question, answer, names.firstIndex(of: "rating"))
        neededFields = max(question, answer) + 1
        return true
    }

    /// Splits `pending[bounds]` into fields, unquoting quoted ones in place.
    private mutating func split(_ bounds: Range<Int>) throws {
        ranges.removeAll(keepingCapacity: true)
        var i = bounds.lowerBound
        let end = bounds.upperBound
        while true {
            if i < end, pending[i] == Self.quote {
                let fieldStart = i
                var write = i, read = i + 1, closed = false
                while read < end {
                    let byte = pending[read]
                    read += 1
                    if byte == Self.quote {
                        if read < end, pending[read] == Self.quote {
                            read += 1
                        } else {
                            closed = true
                            break
                        }
                    }
                    pending[write] = byte
                    write += 1
                }
                guard closed else {
                    throw BenchmarkFileError(
                        path: path, line: lineNumber,
                        problem: "field \(ranges.count + 1) opens a quote that does not close on this line; puzzle CSVs hold one puzzle per line")
                }
                ranges.append(fieldStart..<write)
                if read == end { return }
                guard pending[read] == Self.comma else {
                    throw BenchmarkFileError(
                        path: path, line: lineNumber,
                        problem: "field \(ranges.count) has '\(Character(UnicodeScalar(pending[read])))' after its closing quote; expected a comma")
                }
                i = read + 1
            } else {
                var next = i
                while next < end, pending[next] != Self.comma { next += 1 }
                ranges.append(i..<next)
                if next == end { return }
                i = next + 1
            }
        }
    }
}

extension CSVScanner {
    /// Streams the file at `path` through a scanner in 1 MiB chunks; returns the scanner (line count, hash).
    static func scan(file path: String, row: (CSVRecord) throws -> Void) throws -> CSVScanner {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BenchmarkFileError(path: path, line: 0, problem: "cannot open the file; check the path and permissions")
        }
        defer { try? handle.close() }
        var scanner = CSVScanner(path: path)
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw BenchmarkFileError(path: path, line: scanner.lineNumber, problem: "read failed: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            try chunk.withUnsafeBytes { try scanner.consume($0, row: row) }
        }
        try scanner.finish(row: row)
        return scanner
    }

    /// Scans text already in memory (the file's content; `path` names it in errors).
    static func scan(text: String, path: String, row: (CSVRecord) throws -> Void) throws -> CSVScanner {
        var scanner = CSVScanner(path: path)
        try Array(text.utf8).withUnsafeBytes { try scanner.consume($0, row: row) }
        try scanner.finish(row: row)
        return scanner
    }
}
