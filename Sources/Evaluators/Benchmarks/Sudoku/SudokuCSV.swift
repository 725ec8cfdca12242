import Foundation

/// Reads the Sudoku-Extreme CSV format (`source,question,answer,rating`, `.` or `0` for a blank): whole files
/// with `parse`/`load`, or a seeded sample of a large one with `PuzzleCSVDataset` (see `SudokuDataset`).
/// CRLF line ends, a byte-order mark, quoted fields and a header in any column order are accepted.
public enum SudokuCSV {
    /// Parses `text` (the file's content; `path` only names it in errors). Grids must be 9×9 with 3×3
    /// boxes unless other box dimensions are given. Every answer is checked against its question; a file with
    /// no puzzle rows is an error.
    public static func parse(
        _ text: String, path: String, boxRows: Int = 3, boxColumns: Int = 3
    ) throws -> [SudokuPuzzle] {
        try Format(boxRows: boxRows, boxColumns: boxColumns).parseAll(text, path: path)
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String, boxRows: Int = 3, boxColumns: Int = 3) throws -> [SudokuPuzzle] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkFileError(path: path, line: 0, problem: "cannot read the file; check the path and permissions")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path, boxRows: boxRows, boxColumns: boxColumns)
    }

    /// The row checks and conversion for `PuzzleCSVDataset`.
    struct Format: PuzzleCSVFormat {
        let boxRows: Int
        let boxColumns: Int
        var format: DataSource.Format { .sudokuCSV }
        var size: Int { boxRows * boxColumns }
        /// The cell value of each byte (see `cell`), -1 for bytes that are not cells: the check runs on every cell
        /// of millions of rows, so it is one table lookup.
        private let values: [Int8]

        init(boxRows: Int, boxColumns: Int) {
            self.boxRows = boxRows
            self.boxColumns = boxColumns
            let size = boxRows * boxColumns
            values = (0..<256).map { byte in
                let digit: Int
                switch UInt8(byte) {
                case UInt8(ascii: "."), UInt8(ascii: "0"): return 0
                case UInt8(ascii: "1")...UInt8(ascii: "9"): digit = byte - 48
                case UInt8(ascii: "a")...UInt8(ascii: "g"): digit = byte - 87
                case UInt8(ascii: "A")...UInt8(ascii: "G"): digit = byte - 55
                default: return -1
                }
                return digit <= size ? Int8(digit) : -1
            }
        }

        /// 1…N for a digit cell, 0 for a blank (`.` or `0`), nil for anything else (digits above 9 are a–g, as hex).
        func cell(_ byte: UInt8) -> Int? {
            let value = values[Int(byte)]
            return value < 0 ? nil : Int(value)
        }

        func rowProblem(question: ArraySlice<UInt8>, answer: ArraySlice<UInt8>) -> String? {
            let cells = size * size
            // The common case first, without building messages.
            if question.count == cells, answer.count == cells, question.allSatisfy({ values[Int($0)] >= 0 }),
                answer.allSatisfy({ values[Int($0)] > 0 })
            {
                return nil
            }
            if question.contains(where: { "#SGo".utf8.contains($0) }) {
                return "question has maze cells ('#', 'S', 'G'): this is a Maze-Hard file; use generator: maze for maze data"
            }
            guard question.count == cells else {
                return "question has \(question.count) cells, expected \(cells) (a \(size)×\(size) grid; set box_rows and box_columns for other sizes)"
            }
            if let (offset, byte) = question.enumerated().first(where: { cell($0.element) == nil }) {
                return "question has an invalid cell '\(Self.shown(byte))' at position \(offset); expected a digit 1 to \(size) or '.' for a blank"
            }
            guard answer.count == cells else { return "answer has \(answer.count) cells, expected \(cells)" }
            if let (offset, byte) = answer.enumerated().first(where: { (cell($0.element) ?? 0) == 0 }) {
                return "answer has an invalid cell '\(Self.shown(byte))' at position \(offset); expected a digit 1 to \(size)"
            }
            return nil
        }

        func puzzle(question: [UInt8], answer: [UInt8]) throws -> SudokuPuzzle {
            let givens = question.map { cell($0) ?? 0 }, solution = answer.map { cell($0) ?? 0 }
            guard SudokuVerifier(boxRows: boxRows, boxColumns: boxColumns).isValidCompletion(puzzle: givens, answer: solution) else {
                throw PuzzleRowProblem("answer is not a valid completion of the question")
            }
            return SudokuPuzzle(boxRows: boxRows, boxColumns: boxColumns, givens: givens, solution: solution)
        }

        func key(_ puzzle: SudokuPuzzle) -> String { puzzle.symmetryKey }

        static func shown(_ byte: UInt8) -> String {
            (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : String(format: "\\x%02X", byte)
        }
    }
}
