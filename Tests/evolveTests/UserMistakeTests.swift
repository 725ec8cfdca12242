import Foundation
import TestSupport
import Testing

/// Every user mistake gives one line on stderr naming the object, the cause and the fix, exit code 2, and
/// no stack trace: run as a user runs it, with the built binary.
@Suite struct UserMistakeTests {
    let scratch = ScratchDirectory("evolve-mistakes")
    var root: URL { scratch.url }

    func environment() -> [String: String] { EvolveBinary.environment(runs: root.appendingPathComponent("runs")) }

    /// A seed directory with `files`; the default is a command-evaluator seed that runs in milliseconds.
    func seed(_ name: String, files: [String: String]? = nil) throws -> String {
        let directory = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = files ?? [
            "params.py": "# EVOLVE-BLOCK-START constants\nrate = 0.5\n# EVOLVE-BLOCK-END\n",
            "evolve.yaml": "max_iterations: 1\nparallel: 1\ndatabase:\n  num_islands: 1\nevaluator:\n  command: [/bin/sh, -c, 'echo {\\\"combined_score\\\": 0.5}', sh]\n",
        ]
        for (path, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(path)) }
        return directory.path
    }

    /// Runs `arguments` and checks the shape every mistake shares; returns stderr's line.
    @discardableResult
    func mistake(_ arguments: [String], mentions words: [String], oneLine: Bool = true) async throws -> String {
        let result = try await EvolveBinary.run(arguments, environment: environment())
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(result.status == 2, "\(arguments): exit \(result.status)\n\(result.stderr)")
        if oneLine { #expect(lines.count == 1, "\(arguments): stderr has \(lines.count) lines:\n\(result.stderr)") }
        #expect(lines.filter { $0.hasPrefix("error: ") }.count == 1, "\(arguments): \(result.stderr)")
        for word in words { #expect(result.stderr.contains(word), "\(arguments): no '\(word)' in: \(result.stderr)") }
        for trace in ["Fatal error", "Stack dump", "Current stack trace", "Usage:"] {
            #expect(!result.stderr.contains(trace), "\(arguments): \(result.stderr)")
        }
        return lines.first { $0.hasPrefix("error: ") } ?? ""
    }

    @Test func aMissingSeedDirectory() async throws {
        try await mistake(["run", "--seed", root.appendingPathComponent("nowhere").path], mentions: ["nowhere", "does not exist", "--seed"])
    }

    @Test func aSeedDirectoryWithoutAnEvolveBlock() async throws {
        let path = try seed("plain", files: ["a.py": "x = 1\n"])
        try await mistake(["run", "--seed", path], mentions: ["plain", "EVOLVE-BLOCK-START", "Add markers"])
    }

    @Test func badYAML() async throws {
        let path = try seed("bad-yaml", files: [
            "params.py": "# EVOLVE-BLOCK-START c\nrate = 0.5\n# EVOLVE-BLOCK-END\n", "evolve.yaml": "max_iterations: [1\nfoo: : :\n",
        ])
        try await mistake(["run", "--seed", path], mentions: ["evolve.yaml", "not valid YAML"], oneLine: false)
        // Yams' message spans several lines (a caret under the column); RunSettings.parse passes it on as is.
        let result = try await EvolveBinary.run(["run", "--seed", path], environment: environment())
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func anUnknownKeyNamesTheNearestKnownOne() async throws {
        let path = try seed("typo", files: [
            "params.py": "# EVOLVE-BLOCK-START c\nrate = 0.5\n# EVOLVE-BLOCK-END\n", "evolve.yaml": "max_iteratons: 3\n",
        ])
        try await mistake(["run", "--seed", path], mentions: ["evolve.yaml", "max_iteratons", "max_iterations"])
    }

    /// A benchmark the generator cannot satisfy (more distinct 4×4 Sudoku puzzles than the grid holds, a box
    /// too large for the solver) stops `evolve run` before the run exists and `evolve eval` before training,
    /// with one line naming the benchmark: it used to kill evolve with a precondition failure.
    @Test func aBenchmarkTheGeneratorCannotSatisfy() async throws {
        func seed(_ name: String, box: (Int, Int), train: Int) throws -> String {
            try self.seed(name, files: [
                "kernel.swift": "// EVOLVE-BLOCK-START c\nlet rate = 0.5\n// EVOLVE-BLOCK-END\n",
                "evolve.yaml": """
                    entry: kernel.swift
                    seed: 1
                    benchmarks:
                      - name: tiny
                        generator: sudoku
                        box_rows: \(box.0)
                        box_columns: \(box.1)
                        train: \(train)
                        validation: 50
                        test: 50
                        train_flops: 1.0e9
                        eval_flops: 1.0e8

                    """,
            ])
        }
        let small = try seed("too-small", box: (2, 2), train: 200)
        try await mistake(["run", "--seed", small, "--name", "small"], mentions: ["benchmark tiny", "sudoku-4x4", "fewer puzzles"])
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("runs/small").path))
        try await mistake(["eval", small], mentions: ["benchmark tiny", "sudoku-4x4", "fewer puzzles"])
        let large = try seed("too-large", box: (5, 4), train: 10)
        try await mistake(["run", "--seed", large], mentions: ["benchmark tiny", "box_rows", "5 × 4"])
    }

    @Test func anUnknownRun() async throws {
        try await mistake(["resume", "nope"], mentions: ["run 'nope'", "no such run", "evolve run --seed"])
        try await mistake(["inspect", "best", "nope"], mentions: ["run 'nope'", "no such run"])
        try await mistake(["report", "nope"], mentions: ["run 'nope'", "no such run"])
    }

    @Test func aRunNameThatExists() async throws {
        let path = try seed("twice")
        let first = try await EvolveBinary.run(["run", "--seed", path, "--name", "twice"], environment: environment())
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        try await mistake(["run", "--seed", path, "--name", "twice"], mentions: ["run 'twice' already exists", "evolve resume twice", "--name"],
                          oneLine: false)
        // RunCommand makes the proposer (and prints which one) before it finds the name taken.
        let again = try await EvolveBinary.run(["run", "--seed", path, "--name", "twice"], environment: environment())
        #expect(again.stderr.split(separator: "\n").count == 1, "\(again.stderr)")
    }

    @Test func usageMistakesAreOneLineWithTheCommandsHelp() async throws {
        let path = try seed("usage")
        try await mistake(["run", "--seed", path, "--parallel", "0"], mentions: ["--parallel must be at least 1", "evolve run --help"])
        try await mistake(["run", "--seed", path, "--strategy", "greedy"], mentions: ["greedy", "map-elites", "evolve run --help"])
        try await mistake(["inspect", "population", "--bogus"], mentions: ["--bogus", "evolve inspect population --help"])
        try await mistake(["report", "--top", "0"], mentions: ["--top must be at least 1"])
    }

    @Test func initRefusesANonEmptyDirectory() async throws {
        let path = try seed("occupied", files: ["notes.txt": "mine\n"])
        try await mistake(["init", path], mentions: ["occupied", "not empty", "evolve init"])
        #expect(try String(contentsOfFile: path + "/notes.txt", encoding: .utf8) == "mine\n")
    }

    @Test func helpStillExitsZero() async throws {
        for arguments in [["--help"], ["report", "--help"], ["init", "--help"]] {
            let result = try await EvolveBinary.run(arguments, environment: environment())
            #expect(result.status == 0, "\(arguments)")
            #expect(result.stdout.contains("USAGE:"), "\(arguments)")
        }
    }
}
