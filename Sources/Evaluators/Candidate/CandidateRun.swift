import EvolveCore
import Foundation
import Sandbox

/// Running a compiled candidate on one benchmark in the sandbox and scoring what it wrote.
extension CandidateEvaluator {
    /// A run's directory name: the same kind of random name in both stages, so the candidate cannot
    /// tell the gate from the scored run by its path.
    static func runDirectoryName() -> String {
        "run-" + String(UInt32.random(in: .min ... .max), radix: 16)
    }

    /// Where the Swift toolchain is installed: runs bind it read-only for the runtime libraries.
    static let toolchain: [String] = ExecutableLookup.find("swiftc").flatMap(ExecutableLookup.installPrefix).map { [$0] } ?? []

    struct BenchmarkRun {
        var result: SandboxResult
        /// The predictions scored against the run's queries (problems include refused output files).
        var report: PredictionScorer.Report
        /// `out/run.json` decoded into checked numbers (empty when it could not be read).
        var record: RunRecord
    }

    /// Runs the binary on `task` (renamed by `control` when given: the candidate trains on renamed
    /// answers, and its predictions are mapped back before scoring against the original labels).
    func runBenchmark(
        binary: URL, task: TaskData, scorer: PredictionScorer, trainFLOPs: Double, evalFLOPs: Double, seed: UInt64, wallSeconds: Double,
        dir: URL, control: OutputPermutation? = nil, memoryMiB: Int? = nil
    ) async throws -> BenchmarkRun {
        let workDir = try makeWorkDir(dir)
        defer { workDir?.remove() }
        // Fresh opaque ids for every run: they tell neither the split nor the stage.
        let task = task.withOpaqueQueryIDs()
        try (control?.apply(to: task) ?? task).write(to: dir, trainFLOPs: Int64(trainFLOPs), evalFLOPs: Int64(evalFLOPs), seed: seed)
        try FileManager.default.copyItem(at: binary, to: dir.appendingPathComponent("candidate"))
        var limits = SandboxLimits()
        limits.wallSeconds = wallSeconds
        limits.cpuSeconds = Int(wallSeconds * 1.5) + 5
        if let memoryMiB {
            limits.memoryBytes = memoryMiB << 20
            limits.addressSpaceBytes = max(limits.addressSpaceBytes ?? 0, 2 * (memoryMiB << 20))
        }
        limits.readOnlyPaths = Self.toolchain
        // Swift seeds `Hasher` per process: `Set` and `Dictionary` order, and any hash a kernel takes, would
        // make two runs with one training seed differ (the queue re-scores runs to the last bit).
        limits.environment["SWIFT_DETERMINISTIC_HASHING"] = "1"
        let result = try await sandbox.run(["./candidate", dir.path], in: dir, limits: limits)
        // Read as root from a directory the candidate controlled: no links, no FIFOs, bounded sizes.
        let output = CandidateOutput(workDir: dir, owner: result.user?.uid ?? getuid())
        var tally = PredictionScorer.Tally(scorer: scorer, expected: task.evaluation, vocabSize: task.vocabSize)
        if let refusal = output.forEachLine(
            "predictions.jsonl", maxBytes: scorer.maxFileBytes(expected: task.evaluation),
            maxLineBytes: scorer.maxLineBytes(expected: task.evaluation), { line in
                guard let control else { return tally.add(line: line) }
                return tally.add(line: Array(control.restore(predictionsText: String(decoding: line, as: UTF8.self)).utf8))
            }) {
            tally.refuse(refusal.description)
        }
        var report = tally.report()
        var record = RunRecord()
        switch output.runRecord() {
        case .success(let read): record = read
        case .failure(let problem): if result.succeeded { report.problems.insert(problem.description, at: 0) }
        }
        return BenchmarkRun(result: result, report: report, record: record)
    }
}
