import Foundation

/// Reads the Maze-Hard CSV format (`source,question,answer,rating`; question and answer are a square grid
/// flattened row by row in `# SGo` characters, the answer being the question with `o` on a shortest path):
/// whole files with `parse`/`load`, or a seeded sample with `PuzzleCSVDataset` (see `MazeDataset`). Maze-Hard's
/// grids are 30×30; any square side of 2 or more is read.
public enum MazeCSV {
    /// Parses `text` (the file's content; `path` only names it in errors). The grid side is the square root
    /// of the question's length, the same for every row; every answer must be a shortest path for its question
    /// (any one of them). A file with no puzzle rows is an error.
    public static func parse(_ text: String, path: String) throws -> [MazePuzzle] {
        try Format().parseAll(text, path: path)
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws -> [MazePuzzle] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkFileError(path: path, line: 0, problem: "cannot read the file; check the path and permissions")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// The row checks and conversion for `PuzzleCSVDataset`.
    struct Format: PuzzleCSVFormat {
        var format: DataSource.Format { .mazeCSV }

        /// Token of each byte (0 where the byte is not a maze cell), so rows are checked without Characters.
        private static let tokens: [Int] = (0..<256).map { byte in
            MazeToken.token(for: Character(UnicodeScalar(UInt8(byte)))) ?? 0
        }

        func rowProblem(question: ArraySlice<UInt8>, answer: ArraySlice<UInt8>) -> String? {
            if let side = MazeVerifier.squareSide(question.count), side >= 2, answer.count == question.count,
                question.allSatisfy({ Self.tokens[Int($0)] != 0 }), answer.allSatisfy({ Self.tokens[Int($0)] != 0 })
            {
                return nil
            }
            for (name, field) in [("question", question), ("answer", answer)] {
                if let (offset, byte) = field.enumerated().first(where: { Self.tokens[Int($0.element)] == 0 }) {
                    let sudoku = field.allSatisfy { $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                    if sudoku {
                        return "\(name) holds digits and '.', not maze cells: this is a Sudoku CSV; use generator: sudoku for Sudoku data"
                    }
                    return "\(name) has an invalid cell '\(SudokuCSV.Format.shown(byte))' at position \(offset); expected one of '# SGo'"
                }
            }
            guard let side = MazeVerifier.squareSide(question.count), side >= 2 else {
                return "question has \(question.count) cells, not a square grid"
            }
            guard answer.count == question.count else {
                return "answer has \(answer.count) cells, expected \(question.count) like the question"
            }
            return nil
        }

        func puzzle(question: [UInt8], answer: [UInt8]) throws -> MazePuzzle {
            let input = question.map { Self.tokens[Int($0)] }, label = answer.map { Self.tokens[Int($0)] }
            if let problem = MazeVerifier.inputProblem(input) { throw PuzzleRowProblem("question: \(problem)") }
            if let problem = MazeVerifier.problem(input: input, output: label) {
                throw PuzzleRowProblem("answer is not a shortest path: \(problem)")
            }
            return MazePuzzle(side: MazeVerifier.squareSide(input.count) ?? 0, inputTokens: input, labelTokens: label)
        }

        func key(_ puzzle: MazePuzzle) -> String { puzzle.symmetryKey }
    }
}
