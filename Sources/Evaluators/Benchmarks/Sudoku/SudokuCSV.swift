import Foundation

/// A problem found while reading a benchmark file, naming the file and line.
public struct BenchmarkFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int
    public let problem: String
    public var description: String { "\(path):\(line): \(problem)" }
}

/// Reads the Sudoku-Extreme CSV format (`source,question,answer,rating`, `.` or `0` for a blank).
public enum SudokuCSV {
    /// Parses `text` (the file's content; `path` only names it in errors). Grids must be 9×9 with 3×3
    /// boxes unless other box dimensions are given. Every answer is checked against its question.
    public static func parse(
        _ text: String, path: String, boxRows: Int = 3, boxColumns: Int = 3
    ) throws -> [SudokuPuzzle] {
        let n = boxRows * boxColumns
        let verifier = SudokuVerifier(boxRows: boxRows, boxColumns: boxColumns)
        var puzzles: [SudokuPuzzle] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            let lineNumber = index + 1
            if line.isEmpty || (index == 0 && line.hasPrefix("source")) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else {
                throw BenchmarkFileError(path: path, line: lineNumber, problem: "expected source,question,answer[,rating], got \(fields.count) fields")
            }
            func cells(_ field: String, name: String) throws -> [Int] {
                guard field.count == n * n else {
                    throw BenchmarkFileError(path: path, line: lineNumber, problem: "\(name) has \(field.count) cells, expected \(n * n)")
                }
                return try field.map { ch in
                    if ch == "." || ch == "0" { return 0 }
                    guard let digit = ch.hexDigitValue, (1...n).contains(digit) else {
                        throw BenchmarkFileError(path: path, line: lineNumber, problem: "\(name) has an invalid cell '\(ch)'")
                    }
                    return digit
                }
            }
            let question = try cells(fields[1], name: "question")
            let answer = try cells(fields[2], name: "answer")
            guard verifier.isValidCompletion(puzzle: question, answer: answer) else {
                throw BenchmarkFileError(path: path, line: lineNumber, problem: "answer is not a valid completion of the question")
            }
            puzzles.append(SudokuPuzzle(boxRows: boxRows, boxColumns: boxColumns, givens: question, solution: answer))
        }
        return puzzles
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String, boxRows: Int = 3, boxColumns: Int = 3) throws -> [SudokuPuzzle] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkFileError(path: path, line: 0, problem: "cannot read the file; check the path and permissions")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path, boxRows: boxRows, boxColumns: boxColumns)
    }
}
