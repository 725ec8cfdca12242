import Foundation
import TestSupport
import Testing

/// `evolve eval` on `data:` benchmarks, as a user runs it: every bad input ends with one `error:` line naming the
/// file, where in it and the cause, and exit status 2 — before any program is compiled; good real-format data
/// (CRLF and a byte-order mark in a Sudoku CSV, an ARC folder with one bad file skipped) is evaluated.
@Suite(.serialized) struct RealDataCommandLineTests {
    /// A program directory with a trivial candidate and `evolve.yaml` made of `benchmark` (YAML lines of one entry).
    static func programDir(_ benchmark: [String], files: [String: String] = [:]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-cli-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let yaml = "seed: 3\nbenchmarks:\n  - " + (benchmark + ["train_flops: 1.0e9", "eval_flops: 1.0e8", "wall_seconds: 60"]).joined(separator: "\n    ") + "\n"
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("evolve.yaml"))
        try Data(echoProgram.utf8).write(to: dir.appendingPathComponent("main.swift"))
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return dir
    }

    /// A tiny honest TRMKit kernel (embedding → norm → head): well-formed answers at a tiny budget.
    static let echoProgram = Fixtures.tinyKernel

    /// A valid 9×9 solution (the shifted-rows pattern) with digits relabelled by `shift`, and a question with
    /// `blanks` cells blanked at positions drawn from `seed`: distinct symmetry classes for distinct blank sets.
    static func sudokuRow(seed: Int, blanks: Int) -> String {
        let solution = (0..<81).map { cell -> Int in
            let r = cell / 9, c = cell % 9
            return (r * 3 + r / 3 + c + seed) % 9 + 1
        }
        var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        var blanked = Set<Int>()
        while blanked.count < blanks {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            blanked.insert(Int(state >> 33) % 81)
        }
        let question = solution.enumerated().map { blanked.contains($0.offset) ? "." : String($0.element) }.joined()
        return "fixture,\(question),\(solution.map(String.init).joined()),\(seed)"
    }

    static func run(_ dir: URL) async throws -> (status: Int32, stdout: String, stderr: String) {
        defer { try? FileManager.default.removeItem(at: dir) }
        return try await EvolveBinary.run(["eval", dir.path])
    }

    /// The one `error:` line of a failed run.
    static func errorLine(_ result: (status: Int32, stdout: String, stderr: String)) -> String {
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        return lines.count == 1 ? String(lines[0]) : "expected one error line, got: \(result.stderr)"
    }

    static let sudoku = ["name: sudoku-extreme", "generator: sudoku", "data: sudoku.csv", "train: 4", "validation: 2", "test: 2"]

    @Test func aPathKeyIsAnErrorNotSyntheticData() async throws {
        let dir = try Self.programDir(["name: arc-real", "generator: arc", "path: ARC-AGI/data", "train: 2", "validation: 1", "test: 1"])
        let config = dir.appendingPathComponent("evolve.yaml").path
        let result = try await Self.run(dir)
        #expect(result.status == 2)
        #expect(Self.errorLine(result).hasPrefix("error: \(config): benchmarks[0] (\"arc-real\") has unknown key \"path\" (did you mean \"data\"?); known keys there:"))
        #expect(!result.stderr.contains("compiling"), "stops before compiling")
    }

    @Test func aMissingDataPath() async throws {
        let dir = try Self.programDir(["name: arc-real", "generator: arc", "data: ARC-AGI/data", "train: 2", "validation: 1", "test: 1"])
        let resolved = dir.appendingPathComponent("ARC-AGI/data").standardizedFileURL.path
        let result = try await Self.run(dir)
        #expect(result.status == 2)
        #expect(Self.errorLine(result) == "error: benchmark arc-real: data path \(resolved) (data: ARC-AGI/data, resolved against the folder of evolve.yaml) does not exist; check the path or download the data set (see docs/real-data.md)")
    }

    @Test(arguments: [
        ("", ": the file is empty; a puzzle CSV has a header line source,question,answer,rating and one puzzle per line"),
        ("source,question,answer,rating\r\n", ": the file has a header line but no puzzle rows"),
        ("source,question,answer,rating\n\"fixture,1.2,3,4\n", ":2: field 1 opens a quote that does not close on this line; puzzle CSVs hold one puzzle per line"),
        ("source,question,answer,rating\nfixture,12345,12345,0\n", ":2: question has 5 cells, expected 81 (a 9×9 grid; set box_rows and box_columns for other sizes)"),
        ("source,question,answer,rating\nhard,#S G#,#SoG#,1\n", ":2: question has maze cells ('#', 'S', 'G'): this is a Maze-Hard file; use generator: maze for maze data"),
        ("{\"train\": [], \"test\": []}", ": the file is JSON, not a puzzle CSV; ARC task files go with generator: arc"),
    ])
    func aBadSudokuCSV(text: String, problem: String) async throws {
        let dir = try Self.programDir(Self.sudoku, files: ["sudoku.csv": text])
        let file = dir.appendingPathComponent("sudoku.csv").path
        let result = try await Self.run(dir)
        #expect(result.status == 2)
        #expect(Self.errorLine(result) == "error: benchmark sudoku-extreme: \(file)\(problem)")
    }

    @Test func aFractionalARCColourSaysWhere() async throws {
        let task = "{\"train\": [\n  {\"input\": [[0, 1.5]], \"output\": [[1, 0]]}\n], \"test\": [{\"input\": [[2, 0]], \"output\": [[0, 2]]}]}"
        let dir = try Self.programDir(
            ["name: arc-real", "generator: arc", "data: arc", "train: 1", "validation: 1", "test: 0"], files: ["arc/bad.json": task])
        let file = dir.appendingPathComponent("arc/bad.json").path
        let result = try await Self.run(dir)
        #expect(result.status == 2)
        #expect(Self.errorLine(result) == "error: benchmark arc-real: \(file):2:18: 1.5 is not an integer colour (0 to 9) at train[0].input[0][1]")
    }

    /// A Sudoku CSV given as the ARC data path, and an ARC task file cut short (a download that stopped): one line
    /// naming the file and the cause, exit 2, and no crash (no stack dump, no "Fatal error").
    @Test(arguments: [
        ("arc/train.csv", "source,question,answer,rating\nfixture,1.2,3,4\n",
         #": not JSON: it starts like a CSV ("source,question,answer,rating"); Sudoku and Maze CSVs go with generator: sudoku or generator: maze"#),
        ("arc/cut.json", #"{"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]]"#,
         ":1:72: the file ends inside test[0] (it is cut short?)"),
    ])
    func aBadARCFileStopsWithOneLine(name: String, text: String, problem: String) async throws {
        let dir = try Self.programDir(["name: arc-real", "generator: arc", "data: \(name)", "train: 1", "validation: 1", "test: 0"], files: [name: text])
        let file = dir.appendingPathComponent(name).path
        let result = try await Self.run(dir)
        #expect(result.status == 2)
        #expect(Self.errorLine(result) == "error: benchmark arc-real: \(file)\(problem)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump") && !result.stderr.contains("compiling"), "\(result.stderr)")
    }

    @Test func aSudokuFileGivenToTheMazeBenchmark() async throws {
        let rows = ["source,question,answer,rating"] + (0..<3).map { Self.sudokuRow(seed: $0, blanks: 30 + $0) }
        let dir = try Self.programDir(
            ["name: maze-hard", "generator: maze", "data: maze.csv", "train: 1", "validation: 1", "test: 1"], files: ["maze.csv": rows.joined(separator: "\n")])
        let file = dir.appendingPathComponent("maze.csv").path
        let result = try await Self.run(dir)
        #expect(result.status == 2)
        #expect(Self.errorLine(result) == "error: benchmark maze-hard: \(file):2: question holds digits and '.', not maze cells: this is a Sudoku CSV; use generator: sudoku for Sudoku data")
    }

    /// Real-format data that used to load nothing (CRLF with a header, a byte-order mark, quoted fields) or fail a
    /// folder (one bad ARC file among many, skipped) is trained on and scored.
    @Test func goodRealDataIsEvaluated() async throws {
        // A spreadsheet's export: byte-order mark, CRLF, every field quoted.
        let rows = ["source,question,answer,rating"] + (0..<10).map { Self.sudokuRow(seed: $0, blanks: 20 + 3 * $0) }
        let quoted = rows.map { $0.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ",") }
        var files = ["sudoku.csv": "\u{FEFF}" + quoted.joined(separator: "\r\n") + "\r\n"]
        // Mirror tasks; evaluation grids use another pattern, so no evaluation task shares an input with a training one.
        func pair(_ i: Int, rowStep: Int) -> String {
            let side = 2 + i % 3
            func cell(_ r: Int, _ c: Int) -> String { String((rowStep * r + c + i) % 9 + 1) }
            let grid = (0..<side).map { r in "[" + (0..<side).map { cell(r, $0) }.joined(separator: ", ") + "]" }
            let mirrored = (0..<side).map { r in "[" + (0..<side).reversed().map { cell(r, $0) }.joined(separator: ", ") + "]" }
            return "{\"input\": [\(grid.joined(separator: ", "))], \"output\": [\(mirrored.joined(separator: ", "))]}"
        }
        for i in 0..<6 {
            files["arc/training/t\(i).json"] = "{\"train\": [\(pair(i, rowStep: 1))], \"test\": [\(pair(i, rowStep: 1))]}"
            files["arc/evaluation/e\(i).json"] = "{\"train\": [\(pair(i, rowStep: 2))], \"test\": [\(pair(i, rowStep: 2)), \(pair(i, rowStep: 3))]}"
        }
        files["arc/evaluation/broken.json"] = "{\"train\": [{\"input\": [[1]], \"output\": [[1]]}], \"test\": [{\"input\": [[1]]"
        let dir = try Self.programDir(Self.sudoku, files: files)
        let yaml = try String(contentsOf: dir.appendingPathComponent("evolve.yaml"), encoding: .utf8)
            + "  - name: arc-real\n    generator: arc\n    data: arc\n    size: 10\n    skip_bad_files: true\n    train: 3\n    validation: 2\n    test: 2\n"
            + "    train_flops: 1.0e9\n    eval_flops: 1.0e8\n    wall_seconds: 60\n"
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("evolve.yaml"))
        let result = try await Self.run(dir)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        let table = result.stdout.split(separator: "\n")
        #expect(table.contains { $0.hasPrefix("sudoku-extreme") } && table.contains { $0.hasPrefix("arc-real") }, "\(result.stdout)")
        #expect(result.stdout.contains("combined_score (mean exact accuracy, validation split): 0.0000"), "an echo never solves a puzzle")
        // What each score is on: the files and their hash, and the bad file skipped, named with its cause.
        let arc = dir.appendingPathComponent("arc").standardizedFileURL.path
        #expect(table.contains { $0.hasPrefix("data sudoku-extreme: sudoku-csv \(dir.appendingPathComponent("sudoku.csv").standardizedFileURL.path): 1 file, content fnv1a ") && $0.hasSuffix("drew 4 train, 2 validation, 2 test puzzles of 10 (seed 3)") }, "\(result.stdout)")
        #expect(table.contains { $0.hasPrefix("data arc-real: arc-agi \(arc): 13 files, content fnv1a ") }, "\(result.stdout)")
        #expect(table.contains { $0.hasPrefix("data arc-real: skipped \(arc)/evaluation/broken.json:1:") && $0.hasSuffix("(it is cut short?)") }, "\(result.stdout)")
    }
}
