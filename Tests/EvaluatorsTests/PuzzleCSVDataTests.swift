import EvolveCore
import EvolveSupport
import Foundation
import Testing
@testable import Evaluators

/// Sudoku-Extreme and Maze-Hard CSVs as `data:` benchmarks: what real exports contain (CRLF, a byte-order mark,
/// quoted fields, a header), the seeded streaming draw, disjoint splits, and every malformed-input message.
@Suite struct SudokuDataTests {
    static let puzzles = RealData.sudokuPuzzles(40, seed: 21)

    static func spec(_ dir: URL, data: String, counts: (Int, Int, Int) = (20, 8, 8), extra: [String] = []) throws -> BenchmarkSpec {
        let file = dir.appendingPathComponent("evolve.yaml")
        let lines = ["name: sudoku-extreme", "generator: sudoku", "data: \(data)", "train: \(counts.0)", "validation: \(counts.1)", "test: \(counts.2)"]
        try RealData.write(RealData.config(lines + extra), to: file)
        return try ProgramConfig.parse(String(contentsOf: file, encoding: .utf8), path: file.path).benchmarks[0]
    }

    static func drawn(_ spec: BenchmarkSpec, seed: UInt64 = 5) throws -> (validation: TaskData, test: TaskData) {
        (try spec.instantiate(split: .validation, seed: seed).task, try spec.instantiate(split: .test, seed: seed).task)
    }

    static func puzzle(_ example: TokenExample) -> SudokuPuzzle {
        SudokuPuzzle(boxRows: 3, boxColumns: 3, givens: example.input.map { $0 <= 1 ? 0 : $0 - 1 }, solution: example.label.map { $0 - 1 })
    }

    @Test func aSudokuExtremeCSVBecomesTrainingDataAndScoredQueries() throws {
        let dir = try RealData.temporaryDirectory("sudoku")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.write(([RealData.sudokuHeader] + RealData.sudokuRows(Self.puzzles)).joined(separator: "\n") + "\n", to: dir.appendingPathComponent("extreme.csv"))
        let spec = try Self.spec(dir, data: "extreme.csv", extra: ["augmentations: 1"])
        let (validation, test) = try Self.drawn(spec)
        #expect(validation.vocabSize == 11 && validation.seqLen == 81)
        #expect(validation.train.count == 40 && validation.evaluation.count == 8 && test.evaluation.count == 8)
        let trained = Set(validation.train.filter { !$0.id.contains("a") }.map(Self.puzzle))
        let validated = Set(validation.evaluation.map(Self.puzzle)), tested = Set(test.evaluation.map(Self.puzzle))
        #expect(trained.union(validated).union(tested).isSubset(of: Set(Self.puzzles)), "every puzzle comes from the file")
        #expect(trained.count == 20 && trained.isDisjoint(with: validated) && trained.isDisjoint(with: tested) && validated.isDisjoint(with: tested))
        let source = try #require(validation.dataSource)
        #expect(source.format == .sudokuCSV && source.files == ["extreme.csv"] && source.available == 40)
        #expect(source.drawn == DataSource.Counts(train: 20, validation: 8, test: 8))

        let (_, scorer) = try spec.instantiate(split: .validation, seed: 5)
        let answers = validation.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.label)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: answers, expected: validation.evaluation).exactAccuracy == 1)
        let copies = validation.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.input)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: copies, expected: validation.evaluation).exactAccuracy == 0)
    }

    @Test func trainAndTestFilesFeedTheirOwnSplits() throws {
        let dir = try RealData.temporaryDirectory("sudoku-dir")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainPuzzles = Array(Self.puzzles.prefix(25)), testPuzzles = Array(Self.puzzles.suffix(15))
        try RealData.write(([RealData.sudokuHeader] + RealData.sudokuRows(trainPuzzles)).joined(separator: "\n"), to: dir.appendingPathComponent("sudoku-extreme/train.csv"))
        try RealData.write(([RealData.sudokuHeader] + RealData.sudokuRows(testPuzzles)).joined(separator: "\n"), to: dir.appendingPathComponent("sudoku-extreme/test.csv"))
        let (validation, test) = try Self.drawn(try Self.spec(dir, data: "sudoku-extreme", counts: (20, 6, 6)))
        #expect(Set(validation.train.map(Self.puzzle)).isSubset(of: Set(trainPuzzles)))
        #expect(Set((validation.evaluation + test.evaluation).map(Self.puzzle)).isSubset(of: Set(testPuzzles)))
        #expect(validation.dataSource?.files == ["train.csv", "test.csv"])
    }

    /// The same puzzles written with CRLF line ends, a byte-order mark, or quoted fields load exactly as the plain
    /// file does (before, a CRLF file with a header loaded 0 puzzles and exited 0).
    @Test(arguments: ["crlf", "bom", "quoted", "bom-crlf-quoted", "no-header", "columns-reordered"])
    func realExportVariantsLoadTheSamePuzzles(variant: String) throws {
        let dir = try RealData.temporaryDirectory("sudoku-\(variant)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = RealData.sudokuRows(Self.puzzles)
        try RealData.write(([RealData.sudokuHeader] + rows).joined(separator: "\n"), to: dir.appendingPathComponent("plain.csv"))
        var lines = [RealData.sudokuHeader] + rows
        if variant.contains("quoted") {
            lines = lines.map { $0.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ",") }
            lines[1] = lines[1].replacingOccurrences(of: "\"fixture\"", with: "\"fixture, \"\"hard\"\" set\"")
        }
        if variant == "no-header" { lines.removeFirst() }
        if variant == "columns-reordered" {
            lines = lines.map { line in
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                return [f[3], f[2], f[0], f[1]].joined(separator: ",")
            }
        }
        var text = lines.joined(separator: variant.contains("crlf") ? "\r\n" : "\n") + (variant.contains("crlf") ? "\r\n" : "\n")
        if variant.contains("bom") { text = "\u{FEFF}" + text }
        try RealData.write(text, to: dir.appendingPathComponent("variant.csv"))
        let plain = try Self.drawn(try Self.spec(dir, data: "plain.csv")).validation
        let other = try Self.drawn(try Self.spec(dir, data: "variant.csv")).validation
        #expect(other.train == plain.train && other.evaluation == plain.evaluation)
        #expect(try SudokuCSV.load(path: dir.appendingPathComponent("variant.csv").path) == Self.puzzles)
    }

    @Test func minRatingFiltersRows() throws {
        let dir = try RealData.temporaryDirectory("sudoku-rating")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.write(([RealData.sudokuHeader] + RealData.sudokuRows(Self.puzzles)).joined(separator: "\n"), to: dir.appendingPathComponent("x.csv"))
        // Ratings cycle 0…4, so 16 of the 40 rows are rated 3 or 4.
        let spec = try Self.spec(dir, data: "x.csv", counts: (8, 4, 4), extra: ["min_rating: 3"])
        let source = try #require(try spec.loadData(seed: 5))
        #expect(source.available == 16 && source.leftOut == ["x.csv: 24 rows below min_rating 3"])
        let rated = Set(Self.puzzles.enumerated().filter { $0.offset % 5 >= 3 }.map(\.element))
        let (validation, test) = try Self.drawn(spec)
        #expect(Set((validation.train + validation.evaluation + test.evaluation).map(Self.puzzle)).isSubset(of: rated))
        let tooMany = RealData.failure { _ = try Self.spec(dir, data: "x.csv", counts: (10, 4, 4), extra: ["min_rating: 3"]).loadData(seed: 5) }
        #expect(tooMany == "benchmark sudoku-extreme: \(dir.appendingPathComponent("x.csv").path): asked for 10 train + 4 validation + 4 test puzzles but it holds 16 puzzles with rating ≥ 3 (24 below); lower the counts")
    }

    @Test func symmetricCopiesInTheFileNeverStraddleSplits() throws {
        let dir = try RealData.temporaryDirectory("sudoku-copies")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: 3)
        let base = Array(Self.puzzles.prefix(12))
        let copies = base.map { SudokuSymmetry.random(boxRows: 3, boxColumns: 3, using: &rng).apply($0) }
        try RealData.write(([RealData.sudokuHeader] + RealData.sudokuRows(base + copies)).joined(separator: "\n"), to: dir.appendingPathComponent("c.csv"))
        let spec = try Self.spec(dir, data: "c.csv", counts: (6, 3, 3))
        let (validation, test) = try Self.drawn(spec)
        let keys = [validation.train, validation.evaluation, test.evaluation].map { Set($0.map { Self.puzzle($0).symmetryKey }) }
        #expect(keys[0].count == 6 && keys[1].count == 3 && keys[2].count == 3, "not even within a split")
        #expect(keys[0].isDisjoint(with: keys[1]) && keys[0].isDisjoint(with: keys[2]) && keys[1].isDisjoint(with: keys[2]))
        let full = RealData.failure { _ = try Self.spec(dir, data: "c.csv", counts: (8, 3, 3)).loadData(seed: 5) }
        #expect(full == "benchmark sudoku-extreme: \(dir.appendingPathComponent("c.csv").path): asked for 8 train + 3 validation + 3 test puzzles but it holds 24 puzzles, 12 of them symmetric copies of puzzles already drawn; lower the counts")
    }
}

@Suite struct SudokuDataErrorTests {
    static func message(_ text: String, file: String = "bad.csv", extra: [String] = []) throws -> (String?, String) {
        let dir = try RealData.temporaryDirectory("sudoku-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(file).path
        try RealData.write(text, to: URL(fileURLWithPath: path))
        let spec = try SudokuDataTests.spec(dir, data: file, counts: (1, 1, 1), extra: extra)
        return (RealData.failure { _ = try spec.instantiate(split: .validation, seed: 1) }, path)
    }

    static let good = RealData.sudokuRows(SudokuDataTests.puzzles)

    @Test func anEmptyFile() throws {
        let (message, path) = try Self.message("")
        #expect(message == "benchmark sudoku-extreme: \(path): the file is empty; a puzzle CSV has a header line source,question,answer,rating and one puzzle per line")
        let (blank, _) = try Self.message("\n\r\n\n")
        #expect(blank?.hasSuffix("the file is empty; a puzzle CSV has a header line source,question,answer,rating and one puzzle per line") == true)
    }

    @Test func aHeaderOnlyFile() throws {
        let (message, path) = try Self.message(RealData.sudokuHeader + "\r\n")
        #expect(message == "benchmark sudoku-extreme: \(path): the file has a header line but no puzzle rows")
    }

    @Test func aQuoteThatDoesNotClose() throws {
        let (message, path) = try Self.message([RealData.sudokuHeader, Self.good[0], "\"fixture,\(Self.good[1].dropFirst(8))"].joined(separator: "\n"))
        #expect(message == "benchmark sudoku-extreme: \(path):3: field 1 opens a quote that does not close on this line; puzzle CSVs hold one puzzle per line")
    }

    @Test func aBadRowNamesItsLine() throws {
        let rows = [RealData.sudokuHeader] + Self.good.prefix(3) + ["fixture,123,456,1"] + Self.good.suffix(3)
        let (message, path) = try Self.message(rows.joined(separator: "\r\n"))
        #expect(message == "benchmark sudoku-extreme: \(path):5: question has 3 cells, expected 81 (a 9×9 grid; set box_rows and box_columns for other sizes)")
        var wrong = Array(Self.good[1])
        let answerStart = wrong.count - 83  // "…,<81 digits>,r"
        wrong.swapAt(answerStart, answerStart + 1)
        let (unsolved, _) = try Self.message(([RealData.sudokuHeader] + [String(wrong)]).joined(separator: "\n"))
        #expect(unsolved?.hasSuffix("bad.csv:2: answer is not a valid completion of the question") == true, "\(unsolved ?? "")")
    }

    @Test func aMazeFileGivenAsSudoku() throws {
        let maze = RealData.mazeRows(RealData.maze30s(2, seed: 1))
        let (message, path) = try Self.message((["source,question,answer,rating"] + maze).joined(separator: "\n"))
        #expect(message == "benchmark sudoku-extreme: \(path):2: question has maze cells ('#', 'S', 'G'): this is a Maze-Hard file; use generator: maze for maze data")
    }

    @Test func anARCFileOrFolderGivenAsSudoku() throws {
        let (message, path) = try Self.message(RealData.taskJSON(RealData.mirrorTask("x", side: 3, seed: 1)), file: "task.json")
        #expect(message == "benchmark sudoku-extreme: \(path): the file is JSON, not a puzzle CSV; ARC task files go with generator: arc")
        let dir = try RealData.temporaryDirectory("sudoku-arc")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.arcCheckout(at: dir.appendingPathComponent("arc"), training: 2, evaluation: 3)
        let folder = RealData.failure { _ = try SudokuDataTests.spec(dir, data: "arc/data").loadData(seed: 1) }
        #expect(folder == "benchmark sudoku-extreme: \(dir.appendingPathComponent("arc/data").path): the folder has no train.csv or test.csv; it holds ARC task files (.json): use generator: arc for ARC data")
    }

    @Test func aMissingPath() throws {
        let dir = try RealData.temporaryDirectory("sudoku-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = RealData.failure { _ = try SudokuDataTests.spec(dir, data: "/nonexistent/sudoku-extreme/train.csv").loadData(seed: 1) }
        #expect(message == "benchmark sudoku-extreme: data path /nonexistent/sudoku-extreme/train.csv does not exist; check the path or download the data set (see docs/real-data.md)")
    }
}

@Suite struct MazeDataTests {
    static let mazes = RealData.maze30s(24, seed: 40)

    static func spec(_ dir: URL, data: String, counts: (Int, Int, Int) = (12, 4, 4), extra: [String] = []) throws -> BenchmarkSpec {
        let file = dir.appendingPathComponent("evolve.yaml")
        let lines = ["name: maze-hard", "generator: maze", "data: \(data)", "train: \(counts.0)", "validation: \(counts.1)", "test: \(counts.2)"]
        try RealData.write(RealData.config(lines + extra), to: file)
        return try ProgramConfig.parse(String(contentsOf: file, encoding: .utf8), path: file.path).benchmarks[0]
    }

    @Test func mazeHard30x30LoadsAndScores() throws {
        let dir = try RealData.temporaryDirectory("maze")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.write((["source,question,answer,rating"] + RealData.mazeRows(Self.mazes)).joined(separator: "\r\n"), to: dir.appendingPathComponent("maze-hard/test.csv"))
        try RealData.write((["source,question,answer,rating"] + RealData.mazeRows(RealData.maze30s(20, seed: 900))).joined(separator: "\n"), to: dir.appendingPathComponent("maze-hard/train.csv"))
        let spec = try Self.spec(dir, data: "maze-hard", extra: ["augmentations: 2"])
        let (validation, scorer) = try spec.instantiate(split: .validation, seed: 2)
        let test = try spec.instantiate(split: .test, seed: 2).task
        #expect(validation.seqLen == 900 && validation.vocabSize == 6)
        #expect(validation.train.count == 36 && validation.evaluation.count == 4 && test.evaluation.count == 4)
        #expect(Set((validation.evaluation + test.evaluation).map(\.input)).isSubset(of: Set(Self.mazes.map(\.inputTokens))), "queries from test.csv")
        #expect(Set(validation.evaluation.map(\.input)).isDisjoint(with: Set(test.evaluation.map(\.input))))
        let answers = validation.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.label)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: answers, expected: validation.evaluation).exactAccuracy == 1)
        let unsolved = validation.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.input)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: unsolved, expected: validation.evaluation).exactAccuracy == 0)
        #expect(validation.dataSource?.format == .mazeCSV && validation.dataSource?.files == ["train.csv", "test.csv"])
        #expect(try MazeCSV.load(path: dir.appendingPathComponent("maze-hard/test.csv").path) == Self.mazes)
    }

    @Test func aRotatedCopyStaysInOneSplit() throws {
        let dir = try RealData.temporaryDirectory("maze-rot")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = Array(Self.mazes.prefix(8))
        let turned = base.map { MazeSymmetry(index: 1).apply($0) }
        try RealData.write((["source,question,answer,rating"] + RealData.mazeRows(base + turned)).joined(separator: "\n"), to: dir.appendingPathComponent("m.csv"))
        let spec = try Self.spec(dir, data: "m.csv", counts: (4, 2, 2))
        let validation = try spec.instantiate(split: .validation, seed: 1).task, test = try spec.instantiate(split: .test, seed: 1).task
        func keys(_ examples: [TokenExample]) -> Set<String> { Set(examples.map { MazePuzzle(side: 30, inputTokens: $0.input, labelTokens: $0.label).symmetryKey }) }
        let all = [keys(validation.train), keys(validation.evaluation), keys(test.evaluation)]
        #expect(all.map(\.count) == [4, 2, 2])
        #expect(all[0].isDisjoint(with: all[1]) && all[0].isDisjoint(with: all[2]) && all[1].isDisjoint(with: all[2]))
    }

    @Test func aSudokuFileGivenAsMaze() throws {
        let dir = try RealData.temporaryDirectory("maze-sudoku")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.write(([RealData.sudokuHeader] + RealData.sudokuRows(RealData.sudokuPuzzles(3, seed: 2))).joined(separator: "\n"), to: dir.appendingPathComponent("s.csv"))
        let message = RealData.failure { _ = try Self.spec(dir, data: "s.csv", counts: (1, 1, 1)).loadData(seed: 1) }
        #expect(message == "benchmark maze-hard: \(dir.appendingPathComponent("s.csv").path):2: question holds digits and '.', not maze cells: this is a Sudoku CSV; use generator: sudoku for Sudoku data")
    }

    @Test func mixedGridSizesAreNamed() throws {
        let dir = try RealData.temporaryDirectory("maze-mixed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = MazeGenerator(size: 3).generate(count: 1, seed: 1)
        try RealData.write((["source,question,answer,rating"] + RealData.mazeRows(Array(Self.mazes.prefix(3)) + small)).joined(separator: "\n"), to: dir.appendingPathComponent("m.csv"))
        let message = RealData.failure { _ = try Self.spec(dir, data: "m.csv", counts: (1, 1, 1)).loadData(seed: 1) }
        #expect(message?.hasSuffix("m.csv:5: question has 49 cells, but earlier rows have 900; every puzzle of a file must be the same size") == true, "\(message ?? "")")
    }
}

/// The reservoir keeps the `capacity` items of smallest priority from a stream of any length.
@Suite struct ReservoirSampleTests {
    @Test func keepsTheSmallestPrioritiesWithBoundedMemory() {
        let n = 50_000
        var sample = ReservoirSample<Int>(capacity: 25, seed: 9, salt: 1)
        for position in 0..<n { sample.offer(position: position) { position } }
        let priorities = (0..<n).map { sample.priority(of: $0) }
        let expected = (0..<n).sorted { priorities[$0] < priorities[$1] }.prefix(25)
        #expect(sample.ordered == Array(expected))
        #expect(sample.offered == n)
        var smaller = ReservoirSample<Int>(capacity: 10, seed: 9, salt: 1)
        for position in 0..<n { smaller.offer(position: position) { position } }
        #expect(smaller.ordered == Array(expected.prefix(10)), "asking for fewer keeps a prefix of the same draw")
        var other = ReservoirSample<Int>(capacity: 25, seed: 10, salt: 1)
        for position in 0..<n { other.offer(position: position) { position } }
        #expect(Set(other.ordered).intersection(Set(expected)).count < 5, "another seed draws other items")
    }

    @Test func itemsAreBuiltOnlyWhenKept() {
        var built = 0
        var sample = ReservoirSample<Int>(capacity: 5, seed: 1, salt: 0)
        for position in 0..<10_000 {
            sample.offer(position: position) {
                built += 1
                return position
            }
        }
        #expect(built < 200, "about k·ln(n/k) of 10,000 items enter the heap, not all")
    }
}

/// The buffer path the data loaders stream through is the project's FNV-1a, value for value.
@Suite struct ContentHasherTests {
    @Test func agreesWithEvolveSupportsFNV1a() {
        var rng = SplitMix64(seed: 5)
        var fast = FNV1a(), reference = FNV1a()
        for length in [0, 1, 7, 81, 1000, 4096] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            bytes.withUnsafeBytes { fast.combine($0) }
            reference.combine(bytes)
            #expect(fast.value == reference.value && fast.hex == reference.hex)
        }
        Array("train.csv".utf8).withUnsafeBytes { fast.combine($0) }
        reference.combine("train.csv".utf8)
        #expect(fast.hex == reference.hex)
    }
}
