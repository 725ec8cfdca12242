import EvolveCore
import Foundation
import Sandbox

/// Evaluates TRM kernels by the candidate protocol (docs/candidate-protocol.md): compile against the
/// cached TRMKit module, then per benchmark write the work dir, run the binary in the sandbox and score
/// its predictions against labels that never leave this process.
///
/// Cascade: stage 1 runs 1% of the training budget on 16 queries and rejects programs that crash, time
/// out or write malformed predictions, and flags one that scores there above what honest kernels reach
/// (`LearningControl`); stage 2 runs the full budget on the requested split.
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
    /// Memory the compiler may use (its cgroup and RLIMIT_DATA): a 50,000-line kernel took swift-frontend
    /// to 2.7 GB.
    public let compileMemoryBytes: Int
    /// The most Swift source a program may have; larger programs are refused before compiling.
    public static let maxSourceBytes = 256 << 10
    /// What the candidate's sources may contain, checked before compiling; nil only for tests that
    /// compile non-kernel programs on purpose.
    public let sourcePolicy: SourcePolicy?

    public init(
        sandbox: Sandbox, module: TRMKitModule, config: ProgramConfig, workRoot: URL, compileSeconds: Double = 300, keepWork: Bool = false,
        compileMemoryBytes: Int = 2 << 30, sourcePolicy: SourcePolicy? = .kernel
    ) {
        self.sandbox = sandbox
        self.module = module
        self.config = config
        self.workRoot = workRoot
        self.compileSeconds = compileSeconds
        self.keepWork = keepWork
        self.compileMemoryBytes = compileMemoryBytes
        self.sourcePolicy = sourcePolicy
    }

    public func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void
    ) async throws -> EvaluationReport {
        try await evaluate(program, request, progress: progress, checkpoint: nil)
    }

    public func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void,
        checkpoint: EvaluationCheckpoint?
    ) async throws -> EvaluationReport {
        let started = Date()
        let split = request.split
        guard split != .transfer || !config.transfer.isEmpty else {
            throw EvaluationError("a transfer score was asked for, but evolve.yaml has no transfer: benchmarks; add a transfer: list (docs/configuration.md)")
        }
        let root = workRoot.appendingPathComponent("eval-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if !keepWork { try? FileManager.default.removeItem(at: root) } }
        // The sandbox user must be able to traverse to its work dirs.
        chmod(root.path, 0o755)

        progress("compiling")
        let build = try await compile(files: program.files, in: root.appendingPathComponent("build"))
        defer { build.workDir?.remove() }
        guard let binary = build.binary else {
            return EvaluationReport(
                outcome: .buildFailed, artifacts: ["build": build.diagnostics], buildSeconds: build.seconds,
                totalSeconds: Date().timeIntervalSince(started))
        }

        // The compute check's calibration (measured once per process), which also sets the wall-clock net.
        let calibration = config.computeCheck == .off ? nil : await ComputeCalibrator.shared.calibration(for: self, progress: progress)
        func wallSeconds(_ spec: BenchmarkSpec, trainFLOPs: Double) -> Double {
            WallClockLimit(factor: config.wallFactor).seconds(
                trainFLOPs: trainFLOPs, evalFLOPs: spec.evalFLOPs, slowest: calibration?.slowest, explicit: spec.wallSeconds)
        }

        var artifacts: [String: String] = [:]
        if calibration == nil, config.computeCheck != .off {
            // Not the candidate's doing, but not silent either: the report shows the check did not run.
            artifacts["compute check"] = "not run: the compute calibration failed on this machine (evolve eval prints why); CPU time was not cross-checked and the wall-clock net is the fixed one"
        }
        var instances: [(BenchmarkSpec, TaskData, PredictionScorer)] = []
        var controls: [String: OutputPermutation] = [:]
        // Cheapest first (the cascade): a checkpoint after the cheap benchmarks can spare the dear ones.
        // A transfer request scores the transfer benchmarks on their held-out test split; they never
        // appear in any other request, so selection cannot see them.
        for spec in BenchmarkSpec.cheapestFirst(split == .transfer ? config.transfer : config.benchmarks) {
            let (task, scorer) = try spec.instantiate(split: split == .transfer ? .test : split, seed: config.dataSeed)
            instances.append((spec, task, scorer))
            if let secret = request.permutationSeed { controls[spec.name] = OutputPermutation(task: task, seed: secret) }
        }

        // Stage 1: does it run and answer in the right shape? And did it learn more at 1% of the
        // budget than honest kernels can (the learning control)?
        var findings: [(benchmark: String, finding: IntegrityFinding)] = []
        var stage1Exact: [String: Double] = [:]
        var stage1: [String: BenchmarkMetrics] = [:]  // what stage 1 counted (parameters), for the checkpoint's placement
        for (spec, task, scorer) in instances {
            progress("stage 1: \(spec.name) (1% budget, 16 queries)")
            var slice = task
            slice.evaluation = Array(task.evaluation.prefix(16))
            let run = try await runBenchmark(
                binary: binary, task: slice, scorer: scorer, trainFLOPs: max(spec.trainFLOPs / 100, 1e8), evalFLOPs: spec.evalFLOPs,
                seed: request.trainingSeed, wallSeconds: wallSeconds(spec, trainFLOPs: max(spec.trainFLOPs / 100, 1e8)), dir: root.appendingPathComponent(Self.runDirectoryName()),
                control: controls[spec.name], memoryMiB: spec.memoryMiB)
            let report = run.report
            let failure: String? =
                !run.result.succeeded ? "the program ended with \(run.result.verdict)"
                : report.answered < slice.evaluation.count ? "it answered \(report.answered) of \(slice.evaluation.count) queries with well-formed predictions"
                : nil
            if let failure {
                artifacts["\(spec.name): stage 1"] = SandboxArtifacts.describe(run: run.result, problems: report.problems, headline: failure)
                return EvaluationReport(
                    outcome: .rejected, artifacts: artifacts, buildSeconds: build.seconds, totalSeconds: Date().timeIntervalSince(started))
            }
            stage1Exact[spec.name] = report.exactAccuracy
            stage1[spec.name] = BenchmarkMetrics(
                exactAccuracy: report.exactAccuracy, tokenAccuracy: report.tokenAccuracy, parameters: run.record.parameters, peakMemoryBytes: run.result.peakMemoryBytes)
            if let finding = LearningControl().finding(stage1Exact: report.exactAccuracy, queries: slice.evaluation.count) {
                findings.append((spec.name, finding))
            }
        }

        // Stage 2: the full budget on the requested split.
        var benchmarks: [String: BenchmarkMetrics] = [:]
        for (index, (spec, task, scorer)) in instances.enumerated() {
            progress("stage 2: \(spec.name) (\(String(format: "%.2g", spec.trainFLOPs)) train FLOPs, \(task.evaluation.count) \(split.rawValue) queries)")
            let run = try await runBenchmark(
                binary: binary, task: task, scorer: scorer, trainFLOPs: spec.trainFLOPs, evalFLOPs: spec.evalFLOPs, seed: request.trainingSeed,
                wallSeconds: wallSeconds(spec, trainFLOPs: spec.trainFLOPs), dir: root.appendingPathComponent(Self.runDirectoryName()),
                control: controls[spec.name], memoryMiB: spec.memoryMiB)
            var report = run.result.succeeded
                ? run.report
                : PredictionScorer.Report(exactAccuracy: 0, tokenAccuracy: 0, answered: 0, problems: run.report.problems)
            // Issue 15 hook: budgets and descriptors as the driver measured them, checked against the
            // budgets given; a run inconsistent with them scores nothing.
            let measured = RunReport(record: run.record, trainBudget: spec.trainFLOPs, evalBudget: spec.evalFLOPs)
            if let finding = measured.finding, run.result.succeeded {
                report = PredictionScorer.Report(exactAccuracy: 0, tokenAccuracy: 0, answered: 0, problems: ["\(finding)"] + report.problems)
            }
            // Issue 15's cross-checks, on a run that followed the protocol.
            var computeLine: String?
            if run.result.succeeded, measured.finding == nil {
                if let calibration, let action = config.computeCheck.action {
                    // Anchored on the seed's run at this task's grid size (`calibration(seqLen:)`).
                    let check = ComputeCheck(calibration: calibration.calibration(seqLen: task.seqLen), factor: config.computeFactor, action: action)
                    let usage = ComputeUsage(record: run.record)
                    // What the budgets let a run claim (RunReport rejected any claim past them): training,
                    // the driver's four probes of 32 examples at the eval budget's rate, prediction. The
                    // op that crossed a budget is in the usage but not in this cap.
                    let probeShare = Double(min(32, task.train.count)) / Double(max(1, task.evaluation.count))
                    let maxFLOPs = spec.trainFLOPs + spec.evalFLOPs * (1 + 4 * probeShare)
                    computeLine = check.summary(cpuSeconds: run.result.cpuSeconds, usage: usage, maxFLOPs: maxFLOPs)
                    if let finding = check.finding(cpuSeconds: run.result.cpuSeconds, usage: usage, maxFLOPs: maxFLOPs) {
                        findings.append((spec.name, finding))
                    }
                }
                if let finding = TrainingCurveCheck().finding(validationExact: report.exactAccuracy, record: run.record) {
                    findings.append((spec.name, finding))
                }
            }
            benchmarks[spec.name] = BenchmarkMetrics(
                exactAccuracy: report.exactAccuracy, tokenAccuracy: report.tokenAccuracy,
                trainFLOPs: measured.trainFLOPs, evalFLOPs: measured.evalFLOPs,
                parameters: measured.parameters, wallSeconds: run.result.wallSeconds, cpuSeconds: run.result.cpuSeconds,
                reported: measured.reported, steps: measured.record.steps, peakMemoryBytes: run.result.peakMemoryBytes)
            artifacts[spec.name] = SandboxArtifacts.describe(
                run: run.result, problems: report.problems,
                headline: String(format: "exact %.3f, token %.3f; %@", report.exactAccuracy, report.tokenAccuracy, run.record.curveSummary)
                    + String(format: "; stage 1 (1%% budget) exact %.3f", stage1Exact[spec.name] ?? 0)
                    + (computeLine.map { "\n" + $0 } ?? ""))
            // The value function's checkpoint (never after the last benchmark, nor once a finding rejects:
            // then the rejection, with its evidence, is the report).
            if let checkpoint, index < instances.count - 1, !findings.contains(where: { $0.finding.action == .reject }) {
                let metrics = Metrics(benchmarks: benchmarks, split: split.rawValue)
                let soFar = MeasuredDescriptors(metrics).values, remaining = instances[(index + 1)...].map(\.0)
                let partial = PartialEvaluation(
                    scores: benchmarks.mapValues(\.exactAccuracy), remaining: remaining.map(\.name), descriptors: soFar,
                    settled: SettledDescriptors.ranges(measured: soFar, stage1: stage1, remaining: remaining))
                if let evidence = await checkpoint(partial) {
                    artifacts[EvaluationReport.earlyStopArtifact] = evidence
                    return EvaluationReport(
                        outcome: .stopped, metrics: metrics, descriptors: partial.descriptors, artifacts: artifacts,
                        buildSeconds: build.seconds, totalSeconds: Date().timeIntervalSince(started))
                }
            }
        }
        // Findings are kept with the evaluation as "flag: <check>" artifacts (ProgramStore.integrityFlags
        // reads them back for the report); a rejecting one fails the evaluation.
        for (check, group) in Dictionary(grouping: findings, by: { $0.finding.check }) {
            artifacts[EvaluationReport.flagArtifactPrefix + check] = group.map { "\($0.benchmark): \($0.finding.action.rawValue): \($0.finding.evidence)" }
                .joined(separator: "\n")
        }
        if findings.contains(where: { $0.finding.action == .reject }) {
            return EvaluationReport(
                outcome: .rejected, artifacts: artifacts, buildSeconds: build.seconds, totalSeconds: Date().timeIntervalSince(started))
        }
        let metrics = Metrics(benchmarks: benchmarks, split: split.rawValue)
        return EvaluationReport(
            outcome: .evaluated, metrics: metrics, descriptors: MeasuredDescriptors(metrics).values, artifacts: artifacts,
            buildSeconds: build.seconds, totalSeconds: Date().timeIntervalSince(started))
    }

    public var supportsControl: Bool { true }

    public func descriptors(of metrics: Metrics) -> [String: Double] { MeasuredDescriptors(metrics).values }

    public var supportsTransfer: Bool { !config.transfer.isEmpty }

    /// The scale check's evaluator: every benchmark's `train_flops` (and an explicit `wall_seconds`)
    /// times `factor`; prediction budgets, data and everything else unchanged.
    public func scaled(by factor: Double) -> (any Evaluator)? {
        var scaled = config
        for index in scaled.benchmarks.indices {
            scaled.benchmarks[index].trainFLOPs *= factor
            scaled.benchmarks[index].wallSeconds = scaled.benchmarks[index].wallSeconds.map { $0 * factor }
        }
        return CandidateEvaluator(
            sandbox: sandbox, module: module, config: scaled, workRoot: workRoot, compileSeconds: compileSeconds, keepWork: keepWork,
            compileMemoryBytes: compileMemoryBytes, sourcePolicy: sourcePolicy)
    }

    /// The combined score is a mean of exact accuracies evolve computes from held-back labels (never a
    /// number the kernel reports), so it lies in 0...1 whatever the kernel does.
    public var scoreRange: ClosedRange<Double>? { 0...1 }

    /// The permutation control's verdict, per benchmark: a learner keeps its accuracy with renamed
    /// answers, an answer written into the kernel does not.
    public func judgeControl(ordinary: Metrics, control: Metrics) -> String? {
        let verdicts = ordinary.benchmarks.sorted { $0.key < $1.key }.compactMap { name, metrics -> String? in
            let permuted = control.benchmarks[name] ?? BenchmarkMetrics(exactAccuracy: 0, tokenAccuracy: 0)
            return PermutationControl().finding(
                ordinary: (metrics.exactAccuracy, metrics.tokenAccuracy), permuted: (permuted.exactAccuracy, permuted.tokenAccuracy)
            ).map { "\(name): \($0.evidence)" }
        }
        return verdicts.isEmpty ? nil : verdicts.joined(separator: "; ")
    }
}
