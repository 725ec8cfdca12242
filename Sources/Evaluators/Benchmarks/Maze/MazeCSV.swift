import Foundation

/// Reads the Maze-Hard CSV format (`source,question,answer,rating`; question and answer are a square grid
/// flattened row by row in `# SGo` characters, the answer being the question with `o` on a shortest path).
public enum MazeCSV {
    /// Parses `text` (the file's content; `path` only names it in errors). The grid side is the square root
    /// of the question's length; every answer must be a shortest path for its question (any one of them).
    public static func parse(_ text: String, path: String) throws -> [MazePuzzle] {
        var puzzles: [MazePuzzle] = []
        // Split on line ends only (`\r\n` is one Character in Swift) and trim nothing else: a grid may begin or
        // end with open cells, which are spaces.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = index + 1
            if line.isEmpty || (index == 0 && line.hasPrefix("source")) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 3 else {
                throw BenchmarkFileError(path: path, line: lineNumber, problem: "expected source,question,answer[,rating], got \(fields.count) fields")
            }
            func tokens(_ field: Substring, name: String) throws -> [Int] {
                try field.enumerated().map { offset, ch in
                    guard let token = MazeToken.token(for: ch) else {
                        throw BenchmarkFileError(
                            path: path, line: lineNumber, problem: "\(name) has an invalid cell '\(ch)' at position \(offset); expected one of '# SGo'")
                    }
                    return token
                }
            }
            let question = try tokens(fields[1], name: "question")
            let answer = try tokens(fields[2], name: "answer")
            guard let side = MazeVerifier.squareSide(question.count), side >= 2 else {
                throw BenchmarkFileError(path: path, line: lineNumber, problem: "question has \(question.count) cells, not a square grid")
            }
            guard answer.count == question.count else {
                throw BenchmarkFileError(path: path, line: lineNumber, problem: "answer has \(answer.count) cells, expected \(question.count) like the question")
            }
            if let problem = MazeVerifier.inputProblem(question) {
                throw BenchmarkFileError(path: path, line: lineNumber, problem: "question: \(problem)")
            }
            if let problem = MazeVerifier.problem(input: question, output: answer) {
                throw BenchmarkFileError(path: path, line: lineNumber, problem: "answer is not a shortest path: \(problem)")
            }
            puzzles.append(MazePuzzle(side: side, inputTokens: question, labelTokens: answer))
        }
        return puzzles
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws -> [MazePuzzle] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkFileError(path: path, line: 0, problem: "cannot read the file; check the path and permissions")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }
}
