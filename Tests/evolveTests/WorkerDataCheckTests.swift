import Evaluators
import EvolveCore
import EvolveQueue
import Foundation
import Testing
@testable import evolve

/// A worker refuses a job whose real data differs on its machine from what the run's coordinator read, with
/// one line naming the benchmark, the file and both hashes; the same copy passes.
@Suite struct WorkerDataCheckTests {
    static func csv(puzzles: Int, from first: Int = 0) -> String {
        "source,question,answer,rating\n" + (first..<(first + puzzles)).map { RealDataCommandLineTests.sudokuRow(seed: $0, blanks: 30) }
            .joined(separator: "\n") + "\n"
    }

    /// A folder with `evolve.yaml` and its `sudoku.csv` of `puzzles` rows from `first`; returns the config's path.
    static func folder(_ root: URL, _ name: String, first: Int) throws -> URL {
        let folder = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(csv(puzzles: 12, from: first).utf8).write(to: folder.appendingPathComponent("sudoku.csv"))
        try Data(configText.utf8).write(to: folder.appendingPathComponent("evolve.yaml"))
        return folder.appendingPathComponent("evolve.yaml")
    }

    static let configText = """
        seed: 3
        benchmarks:
          - name: sudoku-real
            generator: sudoku
            data: sudoku.csv
            train: 4
            validation: 2
            test: 2
            train_flops: 1.0e9
            eval_flops: 1.0e8

        """

    @Test func aWorkerWhoseDataFileDiffersFromTheCoordinatorsRefusesTheJob() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-worker-data-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        // What the coordinator records when the run starts (run.json's `data`), carried by every job. (Data is
        // read once per process and path, so each machine's copy is a folder of its own here.)
        let coordinator = try ProgramConfig.parse(Self.configText, path: try Self.folder(root, "coordinator", first: 0).path)
        let hashes = try coordinator.loadData().mapValues(\.contentHash)
        try #require(hashes.count == 1)
        func job(_ configFile: URL) -> JobPayload {
            JobPayload(run: "r@1", program: Program(files: ["main.swift": ""]), request: EvaluationRequest(trainingSeed: 1),
                       configText: Self.configText, configFile: configFile.path, dataHashes: hashes)
        }
        // A worker with the same copy passes.
        let same = try Self.folder(root, "same", first: 0)
        try WorkerDataCheck.verify(job(same), config: try ProgramConfig.parse(Self.configText, path: same.path))

        // A worker whose copy has other puzzles in it: refused, one line naming the benchmark, the file and the run's hash.
        let other = try Self.folder(root, "other", first: 40)
        let payload = job(other)
        let refused = #expect(throws: WorkerDataCheck.Mismatch.self) {
            try WorkerDataCheck.verify(payload, config: try ProgramConfig.parse(Self.configText, path: other.path))
        }
        let text = refused?.description ?? ""
        let file = other.deletingLastPathComponent().appendingPathComponent("sudoku.csv").path
        #expect(text.hasPrefix("benchmark sudoku-real: this worker's data (\(file)"), "\(text)")
        #expect(text.contains(String(hashes["sudoku-real"]!.prefix(16))) && text.contains("give this machine the run's copy"), "\(text)")
        #expect(!text.contains("\n"))
        // The worker's evaluator cache refuses the job the same way, before preparing anything.
        let cache = EvaluatorCache(root: root.appendingPathComponent("work"))
        await #expect(throws: WorkerDataCheck.Mismatch.self) { _ = try await cache.evaluator(for: payload) }
        // A job of generated benchmarks carries no hashes and needs no check.
        var generated = payload
        generated.dataHashes = nil
        try WorkerDataCheck.verify(generated, config: try ProgramConfig.parse(Self.configText, path: other.path))
    }
}
