import Foundation

/// Reads ARC-AGI task files (`{"train": [{"input": grid, "output": grid}…], "test": [{"input": grid,
/// "output": grid}…]}`) and Kaggle's combined files (`…_challenges.json`, an object of task id → task without
/// test outputs, and `…_solutions.json`, task id → the test output grids), with errors naming the file, the line
/// and column, and the JSON path of the bad value.
public enum ARCLoader {
    /// Parses one task file's content; `path` names it in errors and its base name names the task.
    public static func parse(_ data: Data, path: String) throws -> ARCTask {
        var reader = ARCJSONReader(data)
        if reader.isAtEnd {
            throw BenchmarkFileError(path: path, line: 0, problem: "the file is empty; an ARC task file holds {\"train\": [...], \"test\": [...]}")
        }
        do {
            let task = try reader.task(at: "", testOutputs: true)
            try reader.end(after: "the task object")
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            return ARCTask(name: name, train: task.train, test: task.test.map { ARCPair(input: $0.input, output: $0.output ?? []) })
        } catch let failure as ARCJSONReader.Failure {
            throw error(failure, in: reader, data: data, path: path)
        }
    }

    /// Loads the task file at `path`, or every `*.json` file of the directory at `path` in name order.
    public static func load(path: String) throws -> [ARCTask] {
        switch DataPath.kind(of: path) {
        case .missing:
            throw BenchmarkFileError(path: path, line: 0, problem: "no such file or directory")
        case .file:
            return [try loadFile(path)]
        case .directory(let entries):
            let names = entries.filter { $0.hasSuffix(".json") }
            guard !names.isEmpty else { throw BenchmarkFileError(path: path, line: 0, problem: "the directory holds no *.json task files") }
            return try names.map { try loadFile(URL(fileURLWithPath: path).appendingPathComponent($0).path) }
        }
    }

    /// Parses a Kaggle challenges file and its solutions file into tasks, in the challenges file's order. With
    /// `skipBad`, a task whose entry is malformed (or has no matching solution) is left out and described in
    /// `skipped` instead of failing the whole file; a file that is not valid JSON still fails.
    static func parseKaggle(
        challenges: Data, challengesPath: String, solutions: Data, solutionsPath: String, skipBad: Bool
    ) throws -> (tasks: [ARCTask], skipped: [String]) {
        var skipped: [String] = []
        // Solutions first: task id → output grids.
        var outputs: [String: (grids: [ARCGrid], offset: Int)] = [:]
        var reader = ARCJSONReader(solutions)
        do {
            if reader.isAtEnd { throw BenchmarkFileError(path: solutionsPath, line: 0, problem: "the file is empty") }
            try reader.members(at: "the solutions") { reader, id in
                let start = reader.index
                do {
                    var grids: [ARCGrid] = []
                    try reader.elements(at: id, what: "a list of output grids") { reader, i in grids.append(try reader.grid(at: "\(id)[\(i)]")) }
                    outputs[id] = (grids, start)
                } catch let failure as ARCJSONReader.Failure where skipBad {
                    skipped.append(describe(failure, in: reader, path: solutionsPath))
                    reader.index = start
                    try reader.skipValue(at: id)
                }
            }
            try reader.end(after: "the solutions object")
        } catch let failure as ARCJSONReader.Failure {
            throw error(failure, in: reader, data: solutions, path: solutionsPath)
        }

        var tasks: [ARCTask] = []
        reader = ARCJSONReader(challenges)
        do {
            if reader.isAtEnd { throw BenchmarkFileError(path: challengesPath, line: 0, problem: "the file is empty") }
            try reader.members(at: "the challenges") { reader, id in
                let start = reader.index
                do {
                    let task = try reader.task(at: id, testOutputs: false)
                    guard let solution = outputs[id] else {
                        throw ARCJSONReader.Failure(offset: start, problem: "task \(id) has no entry in \(URL(fileURLWithPath: solutionsPath).lastPathComponent)")
                    }
                    guard solution.grids.count == task.test.count else {
                        throw ARCJSONReader.Failure(
                            offset: start,
                            problem: "task \(id) has \(task.test.count) test input\(task.test.count == 1 ? "" : "s") but \(URL(fileURLWithPath: solutionsPath).lastPathComponent) lists \(solution.grids.count) output grid\(solution.grids.count == 1 ? "" : "s")")
                    }
                    let test = zip(task.test, solution.grids).map { ARCPair(input: $0.input, output: $1) }
                    tasks.append(ARCTask(name: id, train: task.train, test: test))
                } catch let failure as ARCJSONReader.Failure where skipBad {
                    skipped.append(describe(failure, in: reader, path: challengesPath))
                    reader.index = start
                    try reader.skipValue(at: id)
                }
            }
            try reader.end(after: "the challenges object")
        } catch let failure as ARCJSONReader.Failure {
            throw error(failure, in: reader, data: challenges, path: challengesPath)
        }
        return (tasks, skipped)
    }

    static func loadFile(_ path: String) throws -> ARCTask {
        try parse(try read(path), path: path)
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkFileError(path: path, line: 0, problem: "cannot read the file; check the path and permissions")
        }
        return data
    }

    /// `path:line:column: problem`, or a whole-file error when the file is a CSV (the other benchmarks' format).
    static func error(_ failure: ARCJSONReader.Failure, in reader: ARCJSONReader, data: Data, path: String) -> BenchmarkFileError {
        if failure.offset <= 3, let hint = csvHint(data) { return BenchmarkFileError(path: path, line: 0, problem: hint) }
        let (line, column) = reader.position(of: failure.offset)
        return BenchmarkFileError(path: path, line: line, column: column, problem: failure.problem)
    }

    static func describe(_ failure: ARCJSONReader.Failure, in reader: ARCJSONReader, path: String) -> String {
        let (line, column) = reader.position(of: failure.offset)
        return BenchmarkFileError(path: path, line: line, column: column, problem: failure.problem).description
    }

    /// Why bytes meant as ARC JSON are a CSV, or nil when they do not look like one.
    static func csvHint(_ data: Data) -> String? {
        let head = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = head.first, first != "{", first != "[" else { return nil }
        let line = head.prefix { $0 != "\n" && $0 != "\r" }
        guard line.contains(",") else { return nil }
        return "not JSON: it starts like a CSV (\"\(line.prefix(32))\"); Sudoku and Maze CSVs go with generator: sudoku or generator: maze"
    }
}
