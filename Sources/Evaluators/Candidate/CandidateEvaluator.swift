import EvolveCore
import Foundation
import Sandbox

/// What an evaluation concluded, with the artifacts the next prompt shows the LLM.
public struct EvaluationReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Scored on the full budget.
        case evaluated
        /// The program did not compile.
        case buildFailed
        /// Stage 1 (tiny budget, small slice) failed: a crash, a timeout or malformed predictions.
        case rejected
    }

    public var outcome: Outcome
    /// Present when `outcome == .evaluated`.
    public var metrics: Metrics?
    /// Short texts keyed by what they are about ("build", "sudoku-6x6-minimal: stage 1", …).
    public var artifacts: [String: String]
    public var buildSeconds: Double
    public var totalSeconds: Double
}

/// Evaluates TRM kernels by the candidate protocol (docs/candidate-protocol.md): compile against the
/// cached TRMKit module, then per benchmark write the work dir, run the binary in the sandbox and score
/// its predictions against labels that never leave this process.
///
/// Cascade: stage 1 runs 1% of the training budget on 16 queries and rejects programs that crash, time
/// out or write malformed predictions; stage 2 runs the full budget on the requested split.
///
/// ```swift
/// let evaluator = CandidateEvaluator(sandbox: Sandbox(), module: module, workRoot: runDir.appendingPathComponent("work"))
/// let report = try await evaluator.evaluate(programDir: URL(fileURLWithPath: "Programs/trm"), split: .validation)
/// print(report.metrics?.combinedScore ?? 0)
/// ```
public final class CandidateEvaluator: Sendable {
    public let sandbox: Sandbox
    public let module: TRMKitModule
    public let workRoot: URL
    public let compileSeconds: Double
    /// What the candidate's sources may contain, checked before compiling (issue 15); nil only for
    /// tests that compile non-kernel programs on purpose.
    public let sourcePolicy: SourcePolicy?

    public init(
        sandbox: Sandbox, module: TRMKitModule, workRoot: URL, compileSeconds: Double = 300,
        sourcePolicy: SourcePolicy? = .kernel
    ) {
        self.sandbox = sandbox
        self.module = module
        self.workRoot = workRoot
        self.compileSeconds = compileSeconds
        self.sourcePolicy = sourcePolicy
    }

    public func evaluate(
        programDir: URL, split: SudokuBenchmark.Split, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> EvaluationReport {
        let started = Date()
        let config = try ProgramConfig.load(programDir: programDir)
        let root = workRoot.appendingPathComponent("eval-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // The sandbox user must be able to traverse to its work dirs.
        chmod(root.path, 0o755)

        progress("compiling \(programDir.lastPathComponent)")
        let build = try await compile(programDir: programDir, in: root.appendingPathComponent("build"))
        guard let binary = build.binary else {
            return EvaluationReport(
                outcome: .buildFailed, metrics: nil, artifacts: ["build": build.diagnostics], buildSeconds: build.seconds,
                totalSeconds: Date().timeIntervalSince(started))
        }

        var artifacts: [String: String] = [:]
        var instances: [(BenchmarkSpec, TaskData, PredictionScorer)] = []
        for spec in config.benchmarks {
            let (task, scorer) = try spec.instantiate(split: split, seed: config.seed)
            instances.append((spec, task, scorer))
        }

        // Stage 1: does it run and answer in the right shape?
        for (spec, task, scorer) in instances {
            progress("stage 1: \(spec.name) (1% budget, 16 queries)")
            var slice = task
            slice.evaluation = Array(task.evaluation.prefix(16))
            let run = try await runBenchmark(
                binary: binary, task: slice, trainFLOPs: max(spec.trainFLOPs / 100, 1e8), evalFLOPs: spec.evalFLOPs,
                seed: config.seed, wallSeconds: spec.wallSeconds ?? 120, dir: root.appendingPathComponent("\(spec.name)-stage1"))
            let report = scorer.score(predictionsText: run.predictions, expected: slice.evaluation)
            let failure: String? =
                !run.result.succeeded ? "the program ended with \(run.result.termination)"
                : report.answered < slice.evaluation.count ? "it answered \(report.answered) of \(slice.evaluation.count) queries with well-formed predictions"
                : nil
            if let failure {
                artifacts["\(spec.name): stage 1"] = Self.describe(run: run.result, problems: report.problems, headline: failure)
                return EvaluationReport(
                    outcome: .rejected, metrics: nil, artifacts: artifacts, buildSeconds: build.seconds,
                    totalSeconds: Date().timeIntervalSince(started))
            }
        }

        // Stage 2: the full budget on the requested split.
        var benchmarks: [String: BenchmarkMetrics] = [:]
        for (spec, task, scorer) in instances {
            progress("stage 2: \(spec.name) (\(String(format: "%.2g", spec.trainFLOPs)) train FLOPs, \(task.evaluation.count) \(split.rawValue) queries)")
            let run = try await runBenchmark(
                binary: binary, task: task, trainFLOPs: spec.trainFLOPs, evalFLOPs: spec.evalFLOPs, seed: config.seed,
                wallSeconds: spec.wallSeconds ?? 120, dir: root.appendingPathComponent("\(spec.name)-stage2"))
            var report = run.result.succeeded
                ? scorer.score(predictionsText: run.predictions, expected: task.evaluation)
                : PredictionScorer.Report(exactAccuracy: 0, tokenAccuracy: 0, answered: 0, problems: [])
            let runInfo = run.runJSON
            // Issue 15 hook: budgets and descriptors as the driver measured them, checked against the
            // budgets given; a run inconsistent with them scores nothing.
            let measured = RunReport(json: runInfo, trainBudget: spec.trainFLOPs, evalBudget: spec.evalFLOPs)
            if let finding = measured.finding, run.result.succeeded {
                report = PredictionScorer.Report(exactAccuracy: 0, tokenAccuracy: 0, answered: 0, problems: ["\(finding)"] + report.problems)
            }
            benchmarks[spec.name] = BenchmarkMetrics(
                exactAccuracy: report.exactAccuracy, tokenAccuracy: report.tokenAccuracy,
                trainFLOPs: measured.trainFLOPs, evalFLOPs: measured.evalFLOPs,
                parameters: measured.parameters, wallSeconds: run.result.wallSeconds, cpuSeconds: run.result.cpuSeconds,
                reported: measured.reported)
            artifacts[spec.name] = Self.describe(
                run: run.result, problems: report.problems,
                headline: String(format: "exact %.3f, token %.3f; %@", report.exactAccuracy, report.tokenAccuracy, Self.curveSummary(runInfo)))
        }
        return EvaluationReport(
            outcome: .evaluated, metrics: Metrics(benchmarks: benchmarks, split: split.rawValue), artifacts: artifacts,
            buildSeconds: build.seconds, totalSeconds: Date().timeIntervalSince(started))
    }

    // MARK: - Steps

    struct Build {
        var binary: URL?
        var diagnostics: String
        var seconds: Double
    }

    func compile(programDir: URL, in dir: URL) async throws -> Build {
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("program"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("module"), withIntermediateDirectories: true)
        var sources: [String] = []
        for file in try fm.contentsOfDirectory(atPath: programDir.path).sorted() {
            let source = programDir.appendingPathComponent(file)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            try fm.copyItem(at: source, to: dir.appendingPathComponent("program/\(file)"))
            if file.hasSuffix(".swift") { sources.append("program/\(file)") }
        }
        guard !sources.isEmpty else {
            return Build(binary: nil, diagnostics: "\(programDir.path) has no .swift files", seconds: 0)
        }
        // Issue 15 hook: refuse what a kernel may not use before the compiler sees it.
        if let refusal = try sourcePolicy?.refusal(sources: sources.map { dir.appendingPathComponent($0) }) {
            return Build(binary: nil, diagnostics: refusal, seconds: 0)
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
        // MemberImportVisibility: members of modules TRMKit uses internally (Glibc…) stay out of reach.
        // Swift 5 mode: no bare /regex/ literals, which SourcePolicy's lexer does not read.
        let command = ["swiftc", "-parse-as-library", "-O", "-target-cpu", "native", "-I", "module", "-L", "module", "-lTRMKit",
                       "-swift-version", "5", "-enable-upcoming-feature", "MemberImportVisibility",
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
