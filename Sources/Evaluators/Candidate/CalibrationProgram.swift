import EvolveCore
import Foundation
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// A program the compute calibration compiles once and runs on task after task: its own calibration
/// kernel, or a seed it anchors on. Each run is a benchmark run in miniature (a fresh work dir under
/// `root`, the task's files, the binary, the sandbox), and gives one sample of CPU seconds against the
/// usage the run recorded. The program is evolve's own code, so it is built without the source policy.
///
/// ```swift
/// let program = try await CalibrationProgram(files, evaluator, in: root, directory: "build", failure: "the calibration kernel did not build")
/// defer { program.remove() }
/// let sample = try await program.sample(
///     task, budgets: .init(trainFLOPs: 3e6, evalFLOPs: 1e8), wallSeconds: 120, cpuSeconds: 200,
///     label: "start-up (width 8, tiny budget)", what: "calibration run 8-0-0-16")
/// ```
struct CalibrationProgram {
    /// Training and evaluation budgets of one run, in FLOPs.
    struct Budgets {
        var trainFLOPs: Double
        var evalFLOPs: Double
    }

    let evaluator: CandidateEvaluator
    let root: URL
    let binary: URL
    /// The build's quota mount (dropped by `remove`).
    let buildWorkDir: SandboxWorkDir?

    /// Compiles `files` in `root/<directory>`; an error begins with `failure` and quotes the compiler.
    init(_ files: [String: String], _ evaluator: CandidateEvaluator, in root: URL, directory: String, failure: String) async throws {
        let build = try await evaluator.compile(files: files, in: root.appendingPathComponent(directory), policy: nil)
        guard let binary = build.binary else {
            build.workDir?.remove()
            throw EvaluationError("\(failure): \(build.diagnostics)")
        }
        self.evaluator = evaluator
        self.root = root
        self.binary = binary
        buildWorkDir = build.workDir
    }

    /// Runs the program on `task` in a fresh work dir with `wallSeconds` and `cpuSeconds` limits: the run's
    /// CPU seconds and recorded usage as a sample called `label` (`seqLen` for an anchor run). `what`
    /// names the run in an error ("calibration run 8-0-0-16").
    func sample(
        _ task: TaskData, budgets: Budgets, wallSeconds: Double, cpuSeconds: Int, label: String, seqLen: Int? = nil, what: String
    ) async throws -> ComputeCalibration.Sample {
        let dir = root.appendingPathComponent(CandidateEvaluator.runDirectoryName())
        let workDir = try evaluator.makeWorkDir(dir)
        defer { workDir?.remove() }
        try task.write(to: dir, trainFLOPs: Int64(budgets.trainFLOPs), evalFLOPs: Int64(budgets.evalFLOPs), seed: 1)
        try FileManager.default.copyItem(at: binary, to: dir.appendingPathComponent("candidate"))
        var limits = SandboxLimits()
        limits.wallSeconds = wallSeconds
        limits.cpuSeconds = cpuSeconds
        limits.readOnlyPaths = CandidateEvaluator.toolchain
        let result = try await evaluator.sandbox.run(["./candidate", dir.path], in: dir, limits: limits)
        guard result.succeeded else { throw EvaluationError("\(what) ended with \(result.verdict): \(result.stderr.lastLines(4))") }
        switch CandidateOutput(workDir: dir, owner: result.user?.uid ?? getuid()).runRecord() {
        case .success(let record):
            return ComputeCalibration.Sample(cpuSeconds: result.cpuSeconds, usage: ComputeUsage(record: record), label: label, seqLen: seqLen)
        case .failure(let problem):
            throw EvaluationError("\(what): \(problem)")
        }
    }

    /// Drops the build's quota mount (its files go with `root`).
    func remove() { buildWorkDir?.remove() }
}
