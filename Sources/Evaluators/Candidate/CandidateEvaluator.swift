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
                exactAccuracy: report.exactAccuracy, tokenAccuracy: 0, parameters: run.record.parameters, peakMemoryBytes: run.result.peakMemoryBytes)
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

    // MARK: - Steps

    struct Build {
        var binary: URL?
        var diagnostics: String
        var seconds: Double
        /// The build's quota mount, removed when the evaluation ends.
        var workDir: SandboxWorkDir? = nil
    }

    /// A run's directory name: the same kind of random name in both stages, so the candidate cannot
    /// tell the gate from the scored run by its path.
    static func runDirectoryName() -> String {
        "run-" + String(UInt32.random(in: .min ... .max), radix: 16)
    }

    /// A work dir with a kernel-enforced quota, or a plain one when the work is kept for inspection
    /// (a mount would vanish with the evaluation).
    func makeWorkDir(_ dir: URL) throws -> SandboxWorkDir? {
        if keepWork {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return nil
        }
        return try sandbox.makeWorkDir(at: dir)
    }

    /// Where the Swift toolchain is installed: runs bind it read-only for the runtime libraries.
    static let toolchain: [String] = ExecutableLookup.find("swiftc").flatMap(ExecutableLookup.installPrefix).map { [$0] } ?? []

    func compile(files: [String: String], in dir: URL) async throws -> Build {
        try await compile(files: files, in: dir, policy: sourcePolicy)
    }

    /// Compiles with `policy` (nil: evolve's own calibration kernel, which needs none).
    func compile(files: [String: String], in dir: URL, policy: SourcePolicy?) async throws -> Build {
        let fm = FileManager.default
        // The run's configuration is not the candidate's to change; a copy of it in a program is ignored.
        let programFiles = files.filter { $0.key != ProgramFiles.configFileName }
        let sourceBytes = programFiles.filter { $0.key.hasSuffix(".swift") }.values.reduce(0) { $0 + $1.utf8.count }
        guard sourceBytes <= Self.maxSourceBytes else {
            return Build(
                binary: nil,
                diagnostics: "not compiled: the program has \(sourceBytes >> 10) KiB of Swift source, more than the \(Self.maxSourceBytes >> 10) KiB limit; make it smaller (generate tables at run time instead of writing them out)",
                seconds: 0)
        }
        let workDir = try makeWorkDir(dir)
        try ProgramFiles.write(programFiles, to: dir.appendingPathComponent("program"))
        try fm.createDirectory(at: dir.appendingPathComponent("module"), withIntermediateDirectories: true)
        let sources = programFiles.keys.filter { $0.hasSuffix(".swift") }.sorted().map { "program/\($0)" }
        guard !sources.isEmpty else {
            return Build(binary: nil, diagnostics: "the program has no .swift files", seconds: 0, workDir: workDir)
        }
        // Issue 15 hook: refuse what a kernel may not use before the compiler sees it.
        if let refusal = try policy?.refusal(sources: sources.map { dir.appendingPathComponent($0) }) {
            return Build(binary: nil, diagnostics: Artifacts.cap(refusal), seconds: 0, workDir: workDir)
        }
        for file in try fm.contentsOfDirectory(atPath: module.directory.path) {
            try fm.copyItem(at: module.directory.appendingPathComponent(file), to: dir.appendingPathComponent("module/\(file)"))
        }
        let limits = CandidateBuild.limits(seconds: compileSeconds, memoryBytes: compileMemoryBytes)
        let flags = CandidateBuild.flags
        // Issue 24: what the program references, as the compiler resolved it, checked in the build's
        // sandbox before the real build (docs/candidate-protocol.md, "What a kernel may do").
        var checkSeconds = 0.0
        if policy != nil {
            let texts = Dictionary(uniqueKeysWithValues: sources.map { ($0, programFiles[String($0.dropFirst("program/".count))] ?? "") })
            let outcome = try await CompilerDump(sandbox: sandbox, limits: limits, flags: flags).check(sources: sources, in: dir, texts: texts, policy: .kernel)
            checkSeconds = outcome.seconds
            if let refusal = outcome.refusal {
                return Build(binary: nil, diagnostics: Artifacts.cap(refusal), seconds: checkSeconds, workDir: workDir)
            }
        }
        let command = ["swiftc"] + flags + ["-o", "candidate"] + sources
        let result = try await sandbox.run(command, in: dir, limits: limits)
        let diagnostics = SandboxArtifacts.trimDiagnostics(result.stderr.text + result.stdout.text)
        let quoted = Artifacts.candidateBlock(diagnostics, label: "compiler output (it quotes the program's code)", maxLines: 40)
        guard result.succeeded else {
            return Build(
                binary: nil, diagnostics: Artifacts.cap(SandboxArtifacts.compileFailure(result, compileSeconds: compileSeconds) + "\n" + quoted),
                seconds: checkSeconds + result.wallSeconds, workDir: workDir)
        }
        // The linker wrote it as the run's uid: take only a regular file, never a link it left instead.
        let binary = dir.appendingPathComponent("candidate")
        var info = stat()
        guard lstat(binary.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return Build(binary: nil, diagnostics: "compile produced no executable file 'candidate'", seconds: checkSeconds + result.wallSeconds, workDir: workDir)
        }
        return Build(binary: binary, diagnostics: Artifacts.cap(quoted), seconds: checkSeconds + result.wallSeconds, workDir: workDir)
    }

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
