import EvolveConfig
import Foundation
import Testing

/// The benchmark entries are read by the file's one reader like every other section: typed, bounded by the
/// registry and named by index in errors, so the evaluators never parse `evolve.yaml` a second time.
@Suite struct BenchmarkEntryTests {
    static let entry = "  - {name: b, generator: maze, train: 4, validation: 2, test: 3, train_flops: 1.0e10, eval_flops: 1.0e9"

    @Test func anEntryIsReadWithItsValuesAndItsLocation() throws {
        let file = try EvolveFile.parse("seed: 7\nbenchmarks:\n" + Self.entry + ", size: 5, difficulty: 40, skip_bad_files: true, memory_mib: 512}\n",
                                        path: "evolve.yaml")
        let read = try #require(file.benchmarks?.first)
        #expect(read.location == "benchmarks[0] (\"b\")" && read.name == "b" && read.generator == "maze")
        #expect(read.train == 4 && read.validation == 2 && read.test == 3 && read.size == 5 && read.difficulty == "40")
        #expect(read.trainFLOPs == 1.0e10 && read.evalFLOPs == 1.0e9 && read.skipBadFiles && read.memoryMiB == 512)
        #expect(read.data == nil && read.wallSeconds == nil && read.augmentations == nil)
        #expect(file.program.seed == 7)
    }

    @Test func aFileWithoutBenchmarksHasNone() throws {
        #expect(try EvolveFile.parse("evaluator:\n  command: [python3, e.py]\n", path: "evolve.yaml").benchmarks == nil)
    }

    @Test(arguments: [
        (", memory_mib: 100}", "evolve.yaml: benchmarks[0] (\"b\"): memory_mib must be from 256 to 262144, got 100"),
        (", size: big}", "evolve.yaml: benchmarks[0].size: expected a whole number, found big"),
        (", skip_bad_files: 3}", "evolve.yaml: benchmarks[0].skip_bad_files: expected true or false, found 3"),
        (", augmentations: -1}", "evolve.yaml: benchmarks[0] (\"b\"): augmentations must be at least 0, got -1"),
    ])
    func aWrongValueIsOneLineNamingTheEntry(tail: String, message: String) {
        #expect { try EvolveFile.parse("benchmarks:\n" + Self.entry + tail + "\n", path: "evolve.yaml") } throws: { "\($0)" == message }
    }

    @Test func aMissingRequiredKeyIsNamed() {
        let yaml = "benchmarks:\n  - {name: b, generator: maze, train: 4, validation: 2, test: 3, train_flops: 1.0e10}\n"
        #expect { try EvolveFile.parse(yaml, path: "evolve.yaml") } throws: {
            "\($0)" == "evolve.yaml: benchmarks[0] has no \"eval_flops\", which is required"
        }
    }

    @Test func aSuiteIncludeIsReplacedByItsBenchmarksWithAbsoluteDataPaths() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-suite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("suites"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("benchmarks:\n\(Self.entry), data: maze.csv}\n".utf8).write(to: folder.appendingPathComponent("suites/s.yaml"))
        let path = folder.appendingPathComponent("evolve.yaml").path
        let file = try EvolveFile.parse(try EvolveFile.inliningSuite("seed: 1\nsuite: suites/s.yaml\n", path: path), path: path)
        #expect(file.benchmarks?.map(\.data) == [folder.appendingPathComponent("suites/maze.csv").standardizedFileURL.path])
        #expect { try EvolveFile.inliningSuite("suite: suites/s.yaml\nbenchmarks: []\n", path: path) } throws: { "\($0)".contains("has both suite: and benchmarks:") }
    }
}
