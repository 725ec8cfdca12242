import Foundation
import Testing
@testable import Evaluators
import EvolveConfig

/// evolve.yaml is checked key by key: a key evolve does not know is an error naming the file, the key and the
/// nearest known key — never a silent fallback to generated data.
@Suite struct ProgramConfigTests {
    static let entry = """
          - name: arc-real
            generator: arc
            train: 4
            validation: 2
            test: 2
            train_flops: 1.0e10
            eval_flops: 1.0e9
        """

    static func failure(_ yaml: String) -> String? {
        RealData.failure { _ = try ProgramConfig.parse(yaml, path: "/runs/seed/evolve.yaml") }
    }

    @Test func pathInsteadOfDataNamesTheKeyAndSuggestsData() {
        let message = Self.failure("seed: 1\nbenchmarks:\n" + Self.entry + "\n    path: ARC-AGI/data\n")
        #expect(message == "/runs/seed/evolve.yaml: benchmarks[0] (\"arc-real\") has unknown key \"path\" (did you mean \"data\"?); known keys there: "
            + BenchmarkSpec.keys.joined(separator: ", "))
    }

    @Test func misspeltKeysAreNamedBeforeTheMissingOnes() {
        let yaml = "seed: 1\nbenchmarks:\n" + Self.entry.replacingOccurrences(of: "train: 4", with: "trian: 4")
            .replacingOccurrences(of: "eval_flops", with: "evalflops") + "\n"
        let message = Self.failure(yaml)
        #expect(message?.hasPrefix("/runs/seed/evolve.yaml: benchmarks[0] (\"arc-real\") has unknown keys \"evalflops\" (did you mean \"eval_flops\"?), \"trian\" (did you mean \"train\"?); known keys there:") == true, "\(message ?? "")")
    }

    @Test func topLevelKeysAreCheckedAndBenchmarkKeysThereAreRedirected() {
        let typo = Self.failure("seed: 1\nbenchmark:\n" + Self.entry + "\n")
        #expect(typo?.hasPrefix("/runs/seed/evolve.yaml: the top level has unknown key \"benchmark\" (did you mean \"benchmarks\"?); known keys there: language, entry, brief, seed, data_key, benchmarks, transfer, llm, database, evaluator, evolution") == true, "\(typo ?? "")")
        let misplaced = Self.failure("seed: 1\ndata: ARC-AGI/data\nbenchmarks:\n" + Self.entry + "\n")
        #expect(misplaced?.hasPrefix("/runs/seed/evolve.yaml: the top level has unknown key \"data\" (a benchmark key; put it inside an entry of benchmarks:)") == true, "\(misplaced ?? "")")
        let inside = Self.failure("seed: 1\nbenchmarks:\n" + Self.entry + "\n    seed: 3\n")
        #expect(inside?.hasPrefix("/runs/seed/evolve.yaml: benchmarks[0] (\"arc-real\") has unknown key \"seed\" (a top-level key of evolve.yaml, not of a benchmark entry)") == true, "\(inside ?? "")")
    }

    @Test func runSectionsAndTheSeedProgramsKeysAreAccepted() throws {
        let yaml = """
            language: swift
            entry: kernel.swift
            brief: BRIEF.md
            seed: 1
            llm:
              api_key_env: OPENAI_API_KEY
              models: [{name: anything, weight: 2}]
            database: {num_islands: 4}
            evaluator:
              parallel_evaluations: 2
            evolution:
              max_iterations: 100
            benchmarks:
            \(Self.entry)
            """
        let config = try ProgramConfig.parse(yaml, path: "/runs/seed/evolve.yaml")
        #expect(config.language == "swift" && config.entry == "kernel.swift" && config.benchmarks.map(\.name) == ["arc-real"])
        #expect(Set(["llm", "database", "evaluator", "evolution", "max_iterations", "random_seed"]).isSubset(of: ProgramConfig.topLevelKeys))
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for program in ["trm", "hrm"] {
            #expect(throws: Never.self) { try ProgramConfig.load(programDir: repo.appendingPathComponent("Programs/\(program)")) }
        }
    }

    @Test(arguments: [
        ("generator: sudoku\n    data: x.csv\n    difficulty: minimal",
         "benchmarks[0] (\"b\"): difficulty has no effect with data: (the puzzles come from the file); remove it"),
        ("generator: maze\n    data: maze-hard\n    size: 14", "benchmarks[0] (\"b\"): size has no effect with data: (the grid side comes from the file); remove it"),
        ("generator: arc\n    skip_bad_files: true", "benchmarks[0] (\"b\"): skip_bad_files applies only to ARC data (data:); generated tasks have no files"),
        ("generator: sudoku\n    data: x.csv\n    skip_bad_files: true", "benchmarks[0] (\"b\"): skip_bad_files applies only to ARC task files; a bad CSV row is always an error"),
        ("generator: arc\n    data: ARC\n    min_rating: 3", "benchmarks[0] (\"b\"): min_rating applies only to Sudoku and Maze CSVs (ARC tasks have no rating)"),
        ("generator: sudoku\n    min_rating: 3", "benchmarks[0] (\"b\"): min_rating applies only with data: (it filters the rows of a CSV)"),
        ("generator: arc\n    data: ARC\n    size: 31", "benchmarks[0] (\"b\"): size (the canvas side) must be 1 to 30 for ARC, got 31"),
        ("generator: arc\n    data: \"\"", "benchmarks[0] (\"b\"): data is empty; give a file or folder, or remove the key to generate puzzles"),
        ("generator: chess", "benchmarks[0] (\"b\"): unknown generator \"chess\" (available: sudoku, maze, arc)"),
    ])
    func keysThatWouldDoNothingAreErrors(lines: String, problem: String) {
        let yaml = "seed: 1\nbenchmarks:\n  - name: b\n    \(lines)\n    train: 1\n    validation: 1\n    test: 1\n    train_flops: 1.0e10\n    eval_flops: 1.0e9\n"
        #expect(Self.failure(yaml) == "/runs/seed/evolve.yaml: \(problem)")
    }

    @Test func wrongTypesAndDuplicateNamesAreOneLine() {
        let wrong = Self.failure("seed: 1\nbenchmarks:\n" + Self.entry.replacingOccurrences(of: "train: 4", with: "train: many") + "\n")
        #expect(wrong?.hasPrefix("/runs/seed/evolve.yaml: benchmarks[0].train: expected a whole number") == true, "\(wrong ?? "")")
        #expect(wrong?.contains("\n") == false)
        let twice = Self.failure("seed: 1\nbenchmarks:\n" + Self.entry + "\n" + Self.entry + "\n")
        #expect(twice == "/runs/seed/evolve.yaml: two benchmarks are named \"arc-real\"; scores are kept by name, so give each its own")
        let missing = Self.failure("benchmarks:\n" + Self.entry + "\n")
        #expect(missing == "/runs/seed/evolve.yaml: the top level has no \"seed\", which is required")
    }

    @Test func dataPathsResolveAgainstTheConfigFolder() throws {
        func resolved(_ data: String) throws -> String? {
            try ProgramConfig.parse("seed: 1\nbenchmarks:\n" + Self.entry + "\n    data: \(data)\n", path: "/runs/seed/evolve.yaml").benchmarks[0].dataPath
        }
        #expect(try resolved("ARC-AGI/data") == "/runs/seed/ARC-AGI/data")
        #expect(try resolved("../shared/ARC-AGI/data/") == "/runs/shared/ARC-AGI/data")
        #expect(try resolved("/data/arc") == "/data/arc")
        #expect(try resolved("~/arc") == FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent("arc").standardizedFileURL.path)
        #expect(try ProgramConfig.parse("seed: 1\nbenchmarks:\n" + Self.entry + "\n", path: "/runs/seed/evolve.yaml").benchmarks[0].dataPath == nil)
    }

    @Test func editDistanceAndNearestKey() {
        #expect(ConfigKeys.editDistance("kitten", "sitting") == 3)
        #expect(ConfigKeys.nearest(to: "directory", in: BenchmarkSpec.keys) == "data")
        #expect(ConfigKeys.nearest(to: "Validation", in: BenchmarkSpec.keys) == "validation")
        #expect(ConfigKeys.nearest(to: "wall_secs", in: BenchmarkSpec.keys) == "wall_seconds")
        #expect(ConfigKeys.nearest(to: "zebra_stripes", in: BenchmarkSpec.keys) == nil)
    }
}

extension ProgramConfigTests {
    @Test func aYAMLSyntaxErrorIsOneLineWithItsPosition() {
        let message = Self.failure("seed: 1\nbenchmarks:\n  - name: [unclosed\n    generator: arc\n")
        #expect(message?.hasPrefix("/runs/seed/evolve.yaml: 4:14: error: parser: while parsing a flow sequence in line 3, column 11") == true, "\(message ?? "")")
        #expect(message?.contains("\n") == false, "\(message ?? "")")
    }
}

/// `suite: FILE` shares one benchmark list between seeds (Programs/suite.yaml): it reads FILE's benchmarks,
/// relative to the including file, and a run stores the inlined text so a later edit of FILE cannot change it.
extension ProgramConfigTests {
    static func suiteFolder(_ suite: String) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("suite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("seed"), withIntermediateDirectories: true)
        try Data(suite.utf8).write(to: root.appendingPathComponent("suite.yaml"))
        return root
    }

    @Test func aSuiteFileGivesTheBenchmarksAndRunsKeepItsTextInline() throws {
        let root = try Self.suiteFolder("# shared\nbenchmarks:\n" + Self.entry + "\n    data: ARC-AGI/data\n")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("seed/evolve.yaml").path
        let text = "# the seed\nseed: 7\nsuite: ../suite.yaml\nmax_iterations: 3\n"
        let config = try ProgramConfig.parse(text, path: path)
        #expect(config.seed == 7 && config.benchmarks.map(\.name) == ["arc-real"])
        // data: is relative to the suite file's folder, not the including file's.
        #expect(config.benchmarks[0].dataPath == root.appendingPathComponent("ARC-AGI/data").standardizedFileURL.path)
        let inlined = try ProgramConfig.inliningSuite(text, path: path)
        #expect(!inlined.contains("suite:") && inlined.contains("max_iterations: 3"))
        try FileManager.default.removeItem(at: root.appendingPathComponent("suite.yaml"))
        let kept = try ProgramConfig.parse(inlined, path: path)
        #expect(kept.seed == 7 && kept.benchmarks.map(\.name) == ["arc-real"] && kept.benchmarks[0].dataPath == config.benchmarks[0].dataPath)
        #expect(try ProgramConfig.inliningSuite("seed: 1\nbenchmarks:\n" + Self.entry + "\n", path: path) == "seed: 1\nbenchmarks:\n" + Self.entry + "\n")
    }

    /// The default suite carries its transfer benchmark: a suite file's `transfer:` list is inlined beside its
    /// benchmarks (data paths resolved the same way), and a second list in the including file is an error.
    @Test func aSuiteFilesTransferListComesAlong() throws {
        let transferEntry = Self.entry.replacingOccurrences(of: "arc-real", with: "arc-far")
        let root = try Self.suiteFolder("benchmarks:\n" + Self.entry + "\ntransfer:\n" + transferEntry + "\n    data: far/data\n")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("seed/evolve.yaml").path
        let config = try ProgramConfig.parse("seed: 1\nsuite: ../suite.yaml\n", path: path)
        #expect(config.benchmarks.map(\.name) == ["arc-real"] && config.transfer.map(\.name) == ["arc-far"])
        #expect(config.transfer[0].dataPath == root.appendingPathComponent("far/data").standardizedFileURL.path)
        let inlined = try ProgramConfig.inliningSuite("seed: 1\nsuite: ../suite.yaml\n", path: path)
        #expect(try ProgramConfig.parse(inlined, path: path).transfer.map(\.name) == ["arc-far"])
        let twice = RealData.failure { _ = try ProgramConfig.parse("seed: 1\nsuite: ../suite.yaml\ntransfer:\n" + transferEntry + "\n", path: path) }
        #expect(twice == "\(path): has transfer: and its suite ../suite.yaml has one too; keep one of them")
    }

    @Test func suiteMistakesAreOneLineErrors() throws {
        let root = try Self.suiteFolder("benchmarks:\n" + Self.entry + "\nseed: 2\n")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("seed/evolve.yaml").path
        func failure(_ yaml: String) -> String? { RealData.failure { _ = try ProgramConfig.parse(yaml, path: path) } }
        let suitePath = root.appendingPathComponent("suite.yaml").standardizedFileURL.path
        #expect(failure("seed: 1\nsuite: ../suite.yaml\n") == "\(suitePath): unknown key \"seed\"; a suite file holds only benchmarks: and transfer:")
        #expect(failure("seed: 1\nsuite: ../suite.yaml\nbenchmarks:\n" + Self.entry + "\n")?.contains("has both suite: and benchmarks:") == true)
        #expect(failure("seed: 1\nsuite: ../none.yaml\n")?.contains("suite ../none.yaml (") == true)
        #expect(failure("seed: 1\nsuite: [a, b]\n") == "\(path): suite must name a file holding a benchmarks: list, e.g. suite: ../suite.yaml")
    }
}

extension ProgramConfigTests {
    /// A benchmark may raise (or lower) the memory its runs get: real ARC on a 30×30 canvas needs more than
    /// the sandbox's 4096 MiB default with the seed TRM. Out of range is an error naming the entry.
    @Test func memoryPerBenchmarkIsReadAndChecked() throws {
        let config = try ProgramConfig.parse("seed: 1\nbenchmarks:\n" + Self.entry + "\n    memory_mib: 12288\n", path: "/runs/seed/evolve.yaml")
        #expect(config.benchmarks.first?.memoryMiB == 12288)
        let plain = try ProgramConfig.parse("seed: 1\nbenchmarks:\n" + Self.entry + "\n", path: "/runs/seed/evolve.yaml")
        #expect(plain.benchmarks.first?.memoryMiB == nil)
        let message = Self.failure("seed: 1\nbenchmarks:\n" + Self.entry + "\n    memory_mib: 100\n")
        #expect(message?.contains("benchmarks[0] (\"arc-real\"): memory_mib must be from 256 to 262144") == true, "\(message ?? "")")
    }
}
