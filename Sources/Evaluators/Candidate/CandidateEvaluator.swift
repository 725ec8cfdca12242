import EvolveCore
import Foundation
import Sandbox

/// Evaluates TRM kernels by the candidate protocol (docs/candidate-protocol.md): compile against the
/// cached TRMKit module, then per benchmark write the work dir, run the binary in the sandbox and score
/// its predictions against labels that never leave this process.
///
/// Cascade: stage 1 runs 1% of the training budget on 16 queries and rejects programs that crash, time
/// out or write malformed predictions; stage 2 runs the full budget on the requested split.
///
/// ```swift
/// let config = try ProgramConfig.load(programDir: seedDir)          // the run's benchmarks and budgets
/// let evaluator = CandidateEvaluator(sandbox: Sandbox(), module: module, config: config, workRoot: runDir.appendingPathComponent("work"))
/// let report = try await evaluator.evaluate(program, EvaluationRequest(split: .validation, trainingSeed: 1))
/// print(report.metrics?.combinedScore ?? 0)
/// ```
///
/// The benchmarks, budgets and the data seed come from `config`, fixed when the run starts; a
/// candidate's own `evolve.yaml`, if it has one, is ignored. The candidate sees only the training seed.
public final class CandidateEvaluator: Evaluator {
    public let sandbox: Sandbox
    public let module: TRMKitModule
    public let config: ProgramConfig
    public let workRoot: URL
    public let compileSeconds: Double
    /// Keep each evaluation's work dir (data, binary, predictions) for inspection instead of removing it.
    public let keepWork: Bool

    public init(
        sandbox: Sandbox, module: TRMKitModule, config: ProgramConfig, workRoot: URL, compileSeconds: Double = 300, keepWork: Bool = false
    ) {
        self.sandbox = sandbox
        self.module = module
        self.config = config
        self.workRoot = workRoot
        self.compileSeconds = compileSeconds
        self.keepWork = keepWork
    }

    public func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void
    ) async throws -> EvaluationReport {
        let started = Date()
        let split = request.split
        let root = workRoot.appendingPathComponent("eval-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if !keepWork { try? FileManager.default.removeItem(at: root) } }
        // The sandbox user must be able to traverse to its work dirs.
        chmod(root.path, 0o755)

        progress("compiling")
        let build = try await compile(files: program.files, in: root.appendingPathComponent("build"))
        guard let binary = build.binary else {
            return EvaluationReport(
                outcome: .buildFailed, artifacts: ["build": build.diagnostics], buildSeconds: build.seconds,
                totalSeconds: Date().timeIntervalSince(started))
        }

        var artifacts: [String: String] = [:]
        var instances: [(BenchmarkSpec, TaskData, PredictionScorer)] = []
        for spec in config.benchmarks {
            let (task, scorer) = try spec.instantiate(split: split, seed: config.seed)
            instances.append((spec, task, scorer))
        }

        // Stage 1: does it run and answer in the right shape?
        for (index, (spec, task, scorer)) in instances.enumerated() {
            progress("stage 1: \(spec.name) (1% budget, 16 queries)")
            var slice = task
            slice.evaluation = Array(task.evaluation.prefix(16))
            let run = try await runBenchmark(
                binary: binary, task: slice, trainFLOPs: max(spec.trainFLOPs / 100, 1e8), evalFLOPs: spec.evalFLOPs,
                seed: request.trainingSeed, wallSeconds: spec.wallSeconds ?? 120, dir: root.appendingPathComponent("run-a\(index)"))
            let report = scorer.score(predictionsText: run.predictions, expected: slice.evaluation)
            let failure: String? =
                !run.result.succeeded ? "the program ended with \(run.result.termination)"
                : report.answered < slice.evaluation.count ? "it answered \(report.answered) of \(slice.evaluation.count) queries with well-formed predictions"
                : nil
            if let failure {
                artifacts["\(spec.name): stage 1"] = Self.describe(run: run.result, problems: report.problems, headline: failure)
                return EvaluationReport(
                    outcome: .rejected, artifacts: artifacts, buildSeconds: build.seconds, totalSeconds: Date().timeIntervalSince(started))
            }
        }

        // Stage 2: the full budget on the requested split.
        var benchmarks: [String: BenchmarkMetrics] = [:]
        for (index, (spec, task, scorer)) in instances.enumerated() {
            progress("stage 2: \(spec.name) (\(String(format: "%.2g", spec.trainFLOPs)) train FLOPs, \(task.evaluation.count) \(split.rawValue) queries)")
            let run = try await runBenchmark(
                binary: binary, task: task, trainFLOPs: spec.trainFLOPs, evalFLOPs: spec.evalFLOPs, seed: request.trainingSeed,
                wallSeconds: spec.wallSeconds ?? 120, dir: root.appendingPathComponent("run-b\(index)"))
            let report = run.result.succeeded
                ? scorer.score(predictionsText: run.predictions, expected: task.evaluation)
                : PredictionScorer.Report(exactAccuracy: 0, tokenAccuracy: 0, answered: 0, problems: [])
            let runInfo = run.runJSON
            benchmarks[spec.name] = BenchmarkMetrics(
                exactAccuracy: report.exactAccuracy, tokenAccuracy: report.tokenAccuracy,
                trainFLOPs: runInfo["train_flops"] as? Double ?? 0, evalFLOPs: runInfo["eval_flops"] as? Double ?? 0,
                parameters: runInfo["parameters"] as? Int ?? 0, wallSeconds: run.result.wallSeconds, cpuSeconds: run.result.cpuSeconds,
                reported: (runInfo["config"] as? [String: Double]) ?? [:])
            artifacts[spec.name] = Self.describe(
                run: run.result, problems: report.problems,
                headline: String(format: "exact %.3f, token %.3f; %@", report.exactAccuracy, report.tokenAccuracy, Self.curveSummary(runInfo)))
        }
        let metrics = Metrics(benchmarks: benchmarks, split: split.rawValue)
        return EvaluationReport(
            outcome: .evaluated, metrics: metrics, descriptors: Self.descriptors(metrics), artifacts: artifacts,
            buildSeconds: build.seconds, totalSeconds: Date().timeIntervalSince(started))
    }

    /// The TRM descriptors: model size (the largest over benchmarks), recursion depth (as the kernel
    /// reports it) and training compute.
    static func descriptors(_ metrics: Metrics) -> [String: Double] {
        let benchmarks = metrics.benchmarks.values
        guard !benchmarks.isEmpty else { return [:] }
        var values: [String: Double] = [
            "parameters": Double(benchmarks.map(\.parameters).max() ?? 0),
            "train_flops": benchmarks.map(\.trainFLOPs).reduce(0, +),
        ]
        if let depth = benchmarks.compactMap({ $0.reported["effective_depth"] }).max() { values["effective_depth"] = depth }
        return values
    }

    // MARK: - Steps

    struct Build {
        var binary: URL?
        var diagnostics: String
        var seconds: Double
    }

    func compile(files: [String: String], in dir: URL) async throws -> Build {
        let fm = FileManager.default
        // The run's configuration is not the candidate's to change; a copy of it in a program is ignored.
        let programFiles = files.filter { $0.key != ProgramFiles.configFileName }
        try ProgramFiles.write(programFiles, to: dir.appendingPathComponent("program"))
        try fm.createDirectory(at: dir.appendingPathComponent("module"), withIntermediateDirectories: true)
        let sources = programFiles.keys.filter { $0.hasSuffix(".swift") }.sorted().map { "program/\($0)" }
        guard !sources.isEmpty else {
            return Build(binary: nil, diagnostics: "the program has no .swift files", seconds: 0)
        }
        for file in try fm.contentsOfDirectory(atPath: module.directory.path) {
            try fm.copyItem(at: module.directory.appendingPathComponent(file), to: dir.appendingPathComponent("module/\(file)"))
        }
        var limits = SandboxLimits()
        limits.wallSeconds = compileSeconds
        limits.cpuSeconds = Int(compileSeconds) * 2
        limits.addressSpaceBytes = nil  // the compiler reserves large virtual ranges
        limits.processes = 64
        // A three-line closure took 7 s to type-check here; LLM code must fail fast instead.
        let command = ["swiftc", "-parse-as-library", "-O", "-target-cpu", "native", "-I", "module", "-L", "module", "-lTRMKit",
                       "-Xfrontend", "-solver-expression-time-threshold=2", "-o", "candidate"] + sources
        let result = try await sandbox.run(command, in: dir, limits: limits)
        let diagnostics = Self.trimDiagnostics(result.stderr.text + result.stdout.text)
        guard result.succeeded else {
            return Build(binary: nil, diagnostics: "compile ended with \(result.termination):\n\(diagnostics)", seconds: result.wallSeconds)
        }
        return Build(binary: dir.appendingPathComponent("candidate"), diagnostics: diagnostics, seconds: result.wallSeconds)
    }

    struct BenchmarkRun {
        var result: SandboxResult
        var predictions: String
        var runJSON: [String: Any]
    }

    func runBenchmark(
        binary: URL, task: TaskData, trainFLOPs: Double, evalFLOPs: Double, seed: UInt64, wallSeconds: Double, dir: URL
    ) async throws -> BenchmarkRun {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try task.write(to: dir, trainFLOPs: Int64(trainFLOPs), evalFLOPs: Int64(evalFLOPs), seed: seed)
        try FileManager.default.copyItem(at: binary, to: dir.appendingPathComponent("candidate"))
        var limits = SandboxLimits()
        limits.wallSeconds = wallSeconds
        limits.cpuSeconds = Int(wallSeconds * 1.5) + 5
        let result = try await sandbox.run(["./candidate", dir.path], in: dir, limits: limits)
        let predictions = (try? String(contentsOf: dir.appendingPathComponent("out/predictions.jsonl"), encoding: .utf8)) ?? ""
        let runJSON = (try? JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/run.json")))) as? [String: Any] ?? [:]
        return BenchmarkRun(result: result, predictions: predictions, runJSON: runJSON)
    }

    // MARK: - Artifacts

    /// Compiler output reduced to the error and warning lines and their context, at most 40 lines.
    static func trimDiagnostics(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var keep: [Substring] = []
        for (index, line) in lines.enumerated() where line.contains("error:") || line.contains("warning:") {
            keep += lines[index...min(index + 3, lines.count - 1)]
        }
        return (keep.isEmpty ? Array(lines.suffix(20)) : Array(keep.prefix(40))).joined(separator: "\n")
    }

    static func describe(run: SandboxResult, problems: [String], headline: String) -> String {
        var lines = [headline, String(format: "sandbox: %@ after %.1f s wall, %.1f s CPU, peak RSS %d MiB", run.termination.description,
                                      run.wallSeconds, run.cpuSeconds, run.peakRSSBytes >> 20)]
        lines += problems.prefix(5)
        let tail = run.stderr.lastLines(8).trimmingCharacters(in: .whitespacesAndNewlines)
        if !tail.isEmpty { lines.append("stderr (last lines):\n\(tail)") }
        return lines.joined(separator: "\n")
    }

    /// The training curve in a few numbers: loss and training exact accuracy at a few points.
    static func curveSummary(_ runJSON: [String: Any]) -> String {
        guard let curve = runJSON["curve"] as? [[String: Any]], !curve.isEmpty else { return "no training curve" }
        let picks = Set([0, curve.count / 3, 2 * curve.count / 3, curve.count - 1])
        let points = picks.sorted().map { i -> String in
            let p = curve[i]
            return String(format: "step %d loss %.3f exact %.2f", p["step"] as? Int ?? 0, p["loss"] as? Double ?? .nan,
                          p["exact_accuracy"] as? Double ?? 0)
        }
        return "curve: " + points.joined(separator: " → ")
    }
}
