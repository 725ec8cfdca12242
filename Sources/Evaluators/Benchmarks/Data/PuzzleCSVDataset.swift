import EvolveSupport
import Foundation

/// A one-puzzle-per-row CSV format (Sudoku-Extreme, Maze-Hard): a cheap check run on every row, the full
/// conversion run only on the rows drawn, and the key that keeps symmetric copies in one split.
protocol PuzzleCSVFormat: Sendable {
    associatedtype Puzzle: Sendable
    var format: DataSource.Format { get }
    /// Why a row cannot be this format's (lengths, characters), or nil. Says so when the row is another
    /// benchmark's format, since that is the likely mistake.
    func rowProblem(question: ArraySlice<UInt8>, answer: ArraySlice<UInt8>) -> String?
    /// The verified puzzle of a row that passed `rowProblem`; throws `PuzzleRowProblem` when the answer does
    /// not solve the question.
    func puzzle(question: [UInt8], answer: [UInt8]) throws -> Puzzle
    /// Shared by every symmetric copy of a puzzle: split disjointness is by this key.
    func key(_ puzzle: Puzzle) -> String
}

/// Why one row's puzzle is invalid (the caller adds the file and line).
struct PuzzleRowProblem: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

extension PuzzleCSVFormat {
    /// Every row of a CSV held in memory, checked and verified, in file order (small files and tests).
    func parseAll(_ text: String, path: String) throws -> [Puzzle] {
        var puzzles: [Puzzle] = []
        var expectedLength: Int?
        _ = try CSVScanner.scan(text: text, path: path) { record in
            try check(record, path: path, expectedLength: &expectedLength)
            puzzles.append(try verified(question: Array(record.question), answer: Array(record.answer), line: record.line, path: path))
        }
        return puzzles
    }

    func check(_ record: CSVRecord, path: String, expectedLength: inout Int?) throws {
        if let problem = rowProblem(question: record.question, answer: record.answer) {
            throw BenchmarkFileError(path: path, line: record.line, problem: problem)
        }
        if let expected = expectedLength, record.question.count != expected {
            throw BenchmarkFileError(
                path: path, line: record.line,
                problem: "question has \(record.question.count) cells, but earlier rows have \(expected); every puzzle of a file must be the same size")
        }
        expectedLength = record.question.count
    }

    func verified(question: [UInt8], answer: [UInt8], line: Int, path: String) throws -> Puzzle {
        do {
            return try puzzle(question: question, answer: answer)
        } catch let problem as PuzzleRowProblem {
            throw BenchmarkFileError(path: path, line: line, problem: problem.text)
        }
    }
}

/// Draws the train / validation / test puzzles of a `data:` benchmark from puzzle CSVs in one streaming pass
/// per file with bounded memory (a seeded `ReservoirSample`), so Sudoku-Extreme's 3.8M-row training file
/// never has to fit in memory.
///
/// `path` is a CSV file (all three splits are drawn from it) or a folder holding `train.csv` and `test.csv`, as
/// the Sudoku-Extreme and Maze-Hard downloads do (training puzzles from `train.csv`, validation and test from
/// `test.csv`). Rows are taken in seeded order; a puzzle whose symmetric copy was already drawn (in any
/// split) is passed over, so no symmetry class straddles splits. Every row's format is checked; the full
/// check (the answer solves the question) runs on the drawn rows.
enum PuzzleCSVDataset {
    struct Splits<Puzzle: Sendable>: Sendable {
        var train: [Puzzle] = []
        var validation: [Puzzle] = []
        var test: [Puzzle] = []
        var source: DataSource
    }

    private enum Role: String { case train, validation, test }

    private struct Pool {
        let file: String
        let name: String
        let targets: [(role: Role, count: Int)]
    }

    private struct Row {
        let line: Int
        let question: [UInt8]
        let answer: [UInt8]
    }

    static func load<Format: PuzzleCSVFormat>(
        _ format: Format, path: String, counts: DataSource.Counts, minRating: Int?, seed: UInt64
    ) throws -> Splits<Format.Puzzle> {
        let pools = try Self.pools(path: path, counts: counts, format: format)
        var splits = Splits<Format.Puzzle>(
            source: DataSource(
                path: path, format: format.format, files: pools.map(\.name), contentHash: "", seed: seed,
                drawn: DataSource.Counts(train: 0, validation: 0, test: 0), available: 0))
        var seen = Set<UInt64>()
        var hasher = FNV1a()
        for pool in pools {
            let need = pool.targets.map(\.count).reduce(0, +)
            var capacity = need + max(32, need / 8)
            while true {
                // Salted by role, not file name, and placed by row index, not line: renaming the file or adding a
                // header does not change the draw.
                var sample = ReservoirSample<Row>(capacity: capacity, seed: seed, salt: Self.salt(pool.targets[0].role.rawValue))
                var expectedLength: Int?
                var belowRating = 0
                let scanner = try CSVScanner.scan(file: pool.file) { record in
                    try format.check(record, path: pool.file, expectedLength: &expectedLength)
                    if let minRating {
                        guard let field = record.rating, let rating = Int(String(decoding: field, as: UTF8.self)) else {
                            throw BenchmarkFileError(
                                path: pool.file, line: record.line,
                                problem: "min_rating is set but this row has no integer rating column (\(record.rating.map { "\"\(String(decoding: $0, as: UTF8.self))\"" } ?? "none"))")
                        }
                        if rating < minRating {
                            belowRating += 1
                            return
                        }
                    }
                    sample.offer(position: record.index) { Row(line: record.line, question: Array(record.question), answer: Array(record.answer)) }
                }
                let available = sample.offered
                var drawn: [Role: [Format.Puzzle]] = [:]
                var local = seen
                var copies = 0
                var targetIndex = 0
                for row in sample.ordered {
                    while targetIndex < pool.targets.count, drawn[pool.targets[targetIndex].role, default: []].count >= pool.targets[targetIndex].count {
                        targetIndex += 1
                    }
                    guard targetIndex < pool.targets.count else { break }
                    let puzzle = try format.verified(question: row.question, answer: row.answer, line: row.line, path: pool.file)
                    var keyHash = FNV1a()
                    keyHash.combine(format.key(puzzle).utf8)
                    guard local.insert(keyHash.value).inserted else {
                        copies += 1
                        continue
                    }
                    drawn[pool.targets[targetIndex].role, default: []].append(puzzle)
                }
                let short = pool.targets.contains { drawn[$0.role, default: []].count < $0.count }
                if short, capacity < available {
                    capacity = min(available, capacity * 4)  // symmetric copies ate the slack: one more pass, wider
                    continue
                }
                if short {
                    let asked = pool.targets.map { "\($0.count) \($0.role.rawValue)" }.joined(separator: " + ")
                    var have = "it holds \(available) puzzle\(available == 1 ? "" : "s")"
                    if let minRating { have += " with rating ≥ \(minRating) (\(belowRating) below)" }
                    if copies > 0 { have += ", \(copies) of them symmetric copies of puzzles already drawn" }
                    throw BenchmarkFileError(path: pool.file, line: 0, problem: "asked for \(asked) puzzles but \(have); lower the counts")
                }
                seen = local
                splits.train += drawn[.train] ?? []
                splits.validation += drawn[.validation] ?? []
                splits.test += drawn[.test] ?? []
                splits.source.available += available
                if belowRating > 0 { splits.source.leftOut.append("\(pool.name): \(belowRating) rows below min_rating \(minRating ?? 0)") }
                if copies > 0 { splits.source.leftOut.append("\(pool.name): \(copies) symmetric copies of puzzles already drawn") }
                hasher.combine(pool.name.utf8)
                hasher.combine(scanner.contentHash.utf8)
                break
            }
        }
        splits.source.contentHash = hasher.hex
        splits.source.drawn = DataSource.Counts(train: splits.train.count, validation: splits.validation.count, test: splits.test.count)
        return splits
    }

    private static func salt(_ name: String) -> UInt64 {
        var hasher = FNV1a()
        hasher.combine(name.utf8)
        return hasher.value
    }

    /// The files to read and which splits each fills.
    private static func pools<Format: PuzzleCSVFormat>(path: String, counts: DataSource.Counts, format: Format) throws -> [Pool] {
        let all: [(Role, Int)] = [(.train, counts.train), (.validation, counts.validation), (.test, counts.test)]
        switch DataPath.kind(of: path) {
        case .missing:
            throw BenchmarkFileError(path: path, line: 0, problem: "no such file or directory")
        case .file:
            if let hint = DataPath.jsonHint(path) { throw BenchmarkFileError(path: path, line: 0, problem: hint) }
            return [Pool(file: path, name: URL(fileURLWithPath: path).lastPathComponent, targets: all)]
        case .directory(let entries):
            let train = entries.contains("train.csv"), test = entries.contains("test.csv")
            func file(_ name: String) -> String { URL(fileURLWithPath: path).appendingPathComponent(name).path }
            if train && test {
                return [
                    Pool(file: file("train.csv"), name: "train.csv", targets: [(.train, counts.train)]),
                    Pool(file: file("test.csv"), name: "test.csv", targets: [(.validation, counts.validation), (.test, counts.test)]),
                ]
            }
            if train || test {
                let name = train ? "train.csv" : "test.csv"
                return [Pool(file: file(name), name: name, targets: all)]
            }
            let csvs = entries.filter { $0.hasSuffix(".csv") }
            let jsons = entries.filter { $0.hasSuffix(".json") }
            var problem = "the folder has no train.csv or test.csv"
            if !csvs.isEmpty {
                problem += " (it holds \(csvs.prefix(3).joined(separator: ", "))\(csvs.count > 3 ? ", …" : "")); point data: at one CSV file instead"
            } else if !jsons.isEmpty || entries.contains("training") || entries.contains("evaluation") {
                problem += "; it holds ARC task files (.json): use generator: arc for ARC data"
            } else {
                problem += "; \(format.format == .sudokuCSV ? "Sudoku-Extreme" : "Maze-Hard") comes as train.csv and test.csv"
            }
            throw BenchmarkFileError(path: path, line: 0, problem: problem)
        }
    }
}
