import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

@Suite struct RunReportTests {
    static func json(train: Double = 7.49e11, eval: Double = 3e10, budget: Double = 7.5e11, readouts: Int = 150, probes: [Double] = [0.1, 0.3, 0.5, 0.6]) -> [String: Any] {
        [
            "protocol": 3, "train_budget": Int(budget), "train_flops": train, "train_overrun_flops": 2e9, "eval_flops": eval,
            "largest_step_flops": 4.8e9, "parameters": 93601, "steps": 156, "readouts": readouts, "examples_drawn": 1700,
            "probe_flops": 4e9, "probe_ops": 1000, "probe_dense_flops": 3e9,
            "curve": [["step": 10, "flops": 4.8e10, "loss": 2.1, "exact_accuracy": 0.0]],
            "probes": probes.enumerated().map { ["step": 40 * ($0.offset + 1), "train_flops": 1.8e11 * Double($0.offset + 1), "examples": 32, "answered": 32, "exact": $0.element] },
            "config": ["effective_depth": 6, "hidden": 64],
        ]
    }

    /// `json` as the file the driver writes, decoded the one way the evaluator decodes it.
    static func record(_ json: [String: Any]) throws -> RunRecord {
        try JSONDecoder().decode(RunRecord.self, from: JSONSerialization.data(withJSONObject: json))
    }

    static func report(_ json: [String: Any]) throws -> RunReport {
        RunReport(record: try record(json), trainBudget: 7.5e11, evalBudget: 1e11)
    }

    @Test func takesMeasuredFieldsAndLabelsTheConfigAsReported() throws {
        let report = try Self.report(Self.json())
        #expect(report.problems == [])
        #expect(report.finding == nil)
        #expect(report.trainFLOPs == 7.49e11 && report.parameters == 93601 && report.record.examplesDrawn == 1700)
        #expect(report.reported == ["effective_depth": 6, "hidden": 64])
        #expect(report.record.curve.first?.exactAccuracy == 0)
        #expect(report.record.probes.map(\.exact) == [0.1, 0.3, 0.5, 0.6] && report.record.finalProbeExact == 0.6)
        // The compute check sees every metered FLOP: training, the crossing op, probes, prediction.
        #expect(ComputeUsage(record: report.record).flops == 7.49e11 + 2e9 + 4e9 + 3e10)
    }

    @Test func contradictionsWithTheBudgetsRejectTheRun() throws {
        // Any training FLOP past the budget: the driver never counts past it, so no allowance.
        let overspent = try Self.report(Self.json(train: 7.5e11 + 1e6))
        #expect(overspent.finding?.action == .reject)
        #expect(overspent.problems.first?.contains("training FLOPs against a budget") == true)
        let doubled = try Self.report(Self.json(budget: 1.5e12))
        #expect(doubled.problems.contains { $0.contains("training budget of") })
        let reading = try Self.report(Self.json(readouts: 157))
        #expect(reading.problems.contains { $0.contains("157 readouts in 156 optimiser steps") })
        // A rewritten run.json without the driver's fields, or from the previous protocol.
        let forged = try Self.report(["train_flops": 1e9, "parameters": 10, "config": ["effective_depth": 999]])
        #expect(forged.problems.contains { $0.contains("protocol 3") })
        #expect(forged.problems.contains { $0.contains("no optimiser step") })
        var old = Self.json()
        old["protocol"] = 2
        #expect(try Self.report(old).problems.contains { $0.contains("protocol 3") })
    }

    @Test func hostileValuesAreDroppedNotTrusted() throws {
        var json = Self.json()
        json["train_flops"] = -5
        json["steps"] = "many"
        json["curve"] = (0..<500).map { ["step": $0, "flops": 1e9, "loss": 1.0] }
        json["probes"] = (0..<100).map { _ in ["exact": 7.0] }
        json["config"] = Dictionary(uniqueKeysWithValues: (0..<100).map { ("k\($0)", 1.0) }).merging(["bad key!": 1.0]) { a, _ in a }
        let record = try Self.record(json)
        #expect(record.trainFLOPs == 0 && record.steps == 0)
        #expect(record.curve.count == 64 && record.curve.last?.step == 499)
        #expect(record.probes.count == 16 && record.probes.allSatisfy { $0.exact == 1 })
        #expect(record.config.count == 32 && record.config["bad key!"] == nil)
    }
}

@Suite struct ComputeCheckTests {
    @Test func fitsOverheadAndRateFromRunsAtTwoBudgets() throws {
        // cpu = 0.4 s + 2.8e-11 s/FLOP, at stage-1 and stage-2 budgets.
        let samples = [7.6e9, 7.8e9, 7.6e11, 7.8e11].map { ComputeCalibration.Sample(cpuSeconds: 0.4 + 2.8e-11 * $0, meteredFLOPs: $0) }
        let fit = try ComputeCalibration.fit(samples)
        #expect(abs(fit.secondsPerFLOP - 2.8e-11) < 1e-14)
        #expect(abs(fit.overheadSeconds - 0.4) < 1e-6)
        // One budget only: no overhead, the mean rate (more lenient).
        let single = try ComputeCalibration.fit([.init(cpuSeconds: 21.5, meteredFLOPs: 7.8e11), .init(cpuSeconds: 22.5, meteredFLOPs: 7.8e11)])
        #expect(single.overheadSeconds == 0)
        #expect(abs(single.secondsPerFLOP / (22.0 / 7.8e11) - 1) < 0.01)
        #expect(throws: EvaluationError.self) { try ComputeCalibration.fit([]) }
    }

    /// cpu = 0.15 s + 2e-10 s/elementwise FLOP + 1.5e-11 s/dense FLOP + 1e-6 s/op, on runs shaped like
    /// the calibration kernel's: the fit recovers every term, and explains runs it never saw.
    @Test func fitsOpsAndDenseFLOPsApartFromElementwiseOnes() throws {
        let truth = ComputeCalibration(secondsPerFLOP: 2e-10, secondsPerDenseFLOP: 1.5e-11, secondsPerOp: 1e-6, overheadSeconds: 0.15)
        let usages = [
            ComputeUsage(flops: 3e6, denseFLOPs: 1e6, ops: 200), ComputeUsage(flops: 1.5e9, denseFLOPs: 3e8, ops: 2e6),
            ComputeUsage(flops: 4e9, denseFLOPs: 2e9, ops: 4e5), ComputeUsage(flops: 8e9, denseFLOPs: 1e9, ops: 1e5),
            ComputeUsage(flops: 4e10, denseFLOPs: 3.8e10, ops: 5e4),
        ]
        let fit = try ComputeCalibration.fit(usages.map { ComputeCalibration.Sample(cpuSeconds: truth.explainedSeconds($0), usage: $0) })
        #expect(abs(fit.secondsPerFLOP / truth.secondsPerFLOP - 1) < 1e-6)
        #expect(abs(fit.secondsPerDenseFLOP / truth.secondsPerDenseFLOP - 1) < 1e-6)
        #expect(abs(fit.secondsPerOp / truth.secondsPerOp - 1) < 1e-6)
        #expect(abs(fit.overheadSeconds - 0.15) < 1e-6)
        // A narrow kernel (mostly ops) and a wide one (mostly matrix products), at one budget: one
        // rate per FLOP would be off by ~10× for one of them; the fitted model explains both.
        for usage in [ComputeUsage(flops: 1e10, denseFLOPs: 2e9, ops: 5e6), ComputeUsage(flops: 1e10, denseFLOPs: 9.5e9, ops: 2e4)] {
            let check = ComputeCheck(calibration: fit)
            #expect(check.finding(cpuSeconds: truth.explainedSeconds(usage) * 1.5, usage: usage) == nil)
            #expect(check.finding(cpuSeconds: truth.explainedSeconds(usage) * 3 + 5, usage: usage)?.evidence.contains("work off the FLOP meter") == true)
        }
    }

    @Test func claimsPastTheBudgetExplainNothingMore() {
        let check = ComputeCheck(calibration: ComputeCalibration(secondsPerFLOP: 2e-10, secondsPerDenseFLOP: 2e-11, secondsPerOp: 1e-6, overheadSeconds: 0.2))
        // A forged run.json claiming 1e15 FLOPs is priced at the budget's cap (1e10 FLOPs: 2.2 s).
        let forged = ComputeUsage(flops: 1e15, denseFLOPs: 0, ops: 0)
        let finding = check.finding(cpuSeconds: 100, usage: forged, maxFLOPs: 1e10)
        #expect(finding?.evidence.contains("measured 100.0 CPU s") == true && finding?.evidence.contains("explains 2.20 CPU s") == true)
        // Dense FLOPs cannot exceed the FLOPs, nor op charges one per FLOP.
        #expect(ComputeCheck.capped(ComputeUsage(flops: 1e15, denseFLOPs: 1e15, ops: 1e16), maxFLOPs: 1e10) == ComputeUsage(flops: 1e10, denseFLOPs: 1e10, ops: 1e10))
    }

    @Test func theWallClockNetFollowsTheBudgetAndAnExplicitLimitCapsIt() {
        let slowest = ComputeCalibration.Rate(secondsPerFLOP: 1e-10, overheadSeconds: 0.5)
        let limit = WallClockLimit(factor: 3, floorSeconds: 30)
        // 1e12 FLOPs at the slowest honest rate: 100 s; 3× that plus the floor.
        #expect(abs(limit.seconds(trainFLOPs: 9e11, evalFLOPs: 1e11, slowest: slowest, explicit: nil) - (30 + 3 * 100.5)) < 1e-6)
        #expect(limit.seconds(trainFLOPs: 9e11, evalFLOPs: 1e11, slowest: slowest, explicit: 120) == 120)
        #expect(limit.seconds(trainFLOPs: 1e8, evalFLOPs: 1e8, slowest: slowest, explicit: 120) < 32)
        // Without a calibration (compute_check: off): the fixed net, or the explicit one.
        #expect(limit.seconds(trainFLOPs: 9e11, evalFLOPs: 1e11, slowest: nil, explicit: nil) == 120)
        #expect(limit.seconds(trainFLOPs: 9e11, evalFLOPs: 1e11, slowest: nil, explicit: 300) == 300)
    }

    @Test func aStoredCalibrationIsReusedForADayOnThisHostOnly() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-calibration-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let usage = ComputeUsage(flops: 1e9, denseFLOPs: 5e8, ops: 1e4)
        let result = ComputeCalibrator.Result(
            calibration: ComputeCalibration(secondsPerFLOP: 4e-10, secondsPerDenseFLOP: 1.5e-11, secondsPerOp: 5e-7, overheadSeconds: 0.02),
            samples: [ComputeCalibration.Sample(cpuSeconds: 0.3, usage: usage, label: "narrow")])
        ComputeCalibrator.writeCache(result, to: file)
        let read = try #require(ComputeCalibrator.readCache(file))
        #expect(read.calibration == result.calibration && read.samples == result.samples && read.slowest == result.slowest)
        // The slowest all-in rate prices the wall-clock net: the runs' (here (0.3 − 0.02) s over 1e9
        // FLOPs), but never below the elementwise rate.
        #expect(abs(read.slowest.secondsPerFLOP - 4e-10) < 1e-15)
        let slow = ComputeCalibrator.Result(calibration: result.calibration, samples: [ComputeCalibration.Sample(cpuSeconds: 1.02, usage: usage)])
        #expect(abs(slow.slowest.secondsPerFLOP - 1e-9) < 1e-15)
        // Another host, an older calibration or other calibration runs: measured again.
        for (host, age, version) in [("elsewhere", 0.0, ComputeCalibrator.version), (ProcessInfo.processInfo.hostName, 2 * 86400.0, ComputeCalibrator.version),
                                     (ProcessInfo.processInfo.hostName, 0.0, ComputeCalibrator.version - 1)] {
            let stored = ComputeCalibrator.Stored(
                version: version, host: host, measured: Date().addingTimeInterval(-age), calibration: result.calibration, samples: result.samples)
            try JSONEncoder().encode(stored).write(to: file)
            #expect(ComputeCalibrator.readCache(file) == nil)
        }
    }

    @Test func configKeysChooseTheActionAndTheFactors() throws {
        let base = CandidateEvaluatorTests.tinyConfig
        let defaults = try ProgramConfig.parse(base, path: "t.yaml")
        #expect(defaults.computeCheck == .reject && defaults.computeFactor == 3 && defaults.wallFactor == 3)
        let set = try ProgramConfig.parse(base + "\ncompute_check: flag\ncompute_factor: 4\nwall_factor: 5\n", path: "t.yaml")
        #expect(set.computeCheck == .flag && set.computeCheck.action == .flag && set.computeFactor == 4 && set.wallFactor == 5)
        #expect(try ProgramConfig.parse(base + "\ncompute_check: off\n", path: "t.yaml").computeCheck.action == nil)
        #expect { try ProgramConfig.parse(base + "\ncompute_check: warn\n", path: "t.yaml") } throws: { "\($0)".contains("expected reject, flag or off") }
        #expect { try ProgramConfig.parse(base + "\ncompute_factor: 0.5\n", path: "t.yaml") } throws: { "\($0)".contains("at least 1") }
        #expect { try ProgramConfig.parse(base + "\ncompute_fator: 2\n", path: "t.yaml") } throws: { "\($0)".contains("did you mean \"compute_factor\"") }
    }

    @Test func flagsCPUTimeTheMeteredFLOPsDoNotExplain() {
        let check = ComputeCheck(calibration: ComputeCalibration(secondsPerFLOP: 2.8e-11, overheadSeconds: 0.4))
        // An honest run, even on a busy machine.
        #expect(check.finding(cpuSeconds: 24, meteredFLOPs: 7.8e11) == nil)
        #expect(check.finding(cpuSeconds: 50, meteredFLOPs: 7.8e11) == nil)
        // ~3.7× the budget spent behind a reset meter (issue 15's third kernel, before the fix).
        let finding = check.finding(cpuSeconds: 81, meteredFLOPs: 7.8e11)
        #expect(finding?.action == .reject && finding?.check == "compute")
        #expect(finding?.evidence.contains("work off the FLOP meter") == true)
        // Flag-only when configured so.
        #expect(ComputeCheck(calibration: check.calibration, action: .flag).finding(cpuSeconds: 81, meteredFLOPs: 7.8e11)?.action == .flag)
    }
}

@Suite struct TrainingCurveCheckTests {
    func record(probes: [Double]) throws -> RunRecord {
        try RunReportTests.record(RunReportTests.json(probes: probes))
    }

    @Test func validationNearWhatPredictScoresOnTrainingExamplesPasses() throws {
        let check = TrainingCurveCheck()
        #expect(check.finding(validationExact: 0.61, record: try record(probes: [0, 0.1, 0.4, 0.55])) == nil)
        // Validation above the probe by sampling noise on 32 examples.
        #expect(check.finding(validationExact: 1.0, record: try record(probes: [0.2, 0.6, 0.8, 0.72])) == nil)
        #expect(check.finding(validationExact: 0.3, record: try record(probes: [])) == nil)
    }

    @Test func validationFarAboveTheProbeIsFlagged() throws {
        let check = TrainingCurveCheck()
        // Answers that favour the queries: predict scores 0.25 on training examples, 1.0 on validation.
        let finding = check.finding(validationExact: 1.0, record: try record(probes: [0, 0.1, 0.2, 0.25]))
        #expect(finding?.action == .flag && finding?.check == "curve")
        #expect(finding?.evidence.contains("validation exact 1.000, but predict answered only 0.250 of 32 training examples") == true)
        #expect(check.finding(validationExact: 0.9, record: try record(probes: []))?.evidence.contains("no probe") == true)
        // Only the final probe counts: an early high one does not excuse a late gap.
        #expect(check.finding(validationExact: 0.9, record: try record(probes: [0.9, 0.1])) != nil)
    }
}

@Suite struct LearningControlTests {
    @Test func aStage1ScoreAboveTheHonestMaximumPlusMarginIsFlaggedNotLearned() {
        let control = LearningControl()
        let above = control.honestMaximum + control.margin + 1.0 / 16
        let finding = control.finding(stage1Exact: above, queries: 16)
        #expect(finding?.action == .flag && finding?.check == "learning")
        #expect(finding?.evidence.contains("not learned?") == true && finding?.evidence.contains("16 queries") == true)
        // At the maximum plus margin, and anything an honest kernel measured, no flag.
        #expect(control.finding(stage1Exact: control.honestMaximum + control.margin, queries: 16) == nil)
        #expect(control.finding(stage1Exact: control.honestMaximum, queries: 16) == nil)
        #expect(control.finding(stage1Exact: 0, queries: 16) == nil)
    }
}

@Suite struct OutputPermutationTests {
    let task = TaskData(
        name: "t", vocabSize: 6, seqLen: 3,
        train: [TokenExample(id: "a", input: [1, 2, 1], label: [3, 2, 4]), TokenExample(id: "b", input: [5, 1, 1], label: [5, 4, 3])],
        evaluation: [TokenExample(id: "v", input: [1, 1, 3], label: [2, 5, 3])])

    @Test func permutesOnlyTheAnswerTokensWithoutFixedPoints() {
        let permutation = OutputPermutation(task: task, seed: 42)
        let answerTokens = [2, 3, 4, 5]
        for t in answerTokens { #expect(permutation.mapping[t] != t && answerTokens.contains(permutation.mapping[t])) }
        #expect(permutation.mapping[0] == 0 && permutation.mapping[1] == 1)
        let permuted = permutation.apply(to: task)
        #expect(permuted.train.map(\.input) == task.train.map(\.input))
        #expect(permuted.train[0].label == [3, 2, 4].map { permutation.mapping[$0] })
        #expect(OutputPermutation(task: task, seed: 42) == permutation)
        #expect(OutputPermutation(task: task, seed: 43).mapping != permutation.mapping || OutputPermutation(task: task, seed: 44).mapping != permutation.mapping)
    }

    @Test func restoresOutputsAndAttemptsAndKeepsWhatItCannotRead() throws {
        let permutation = try OutputPermutation(mapping: [0, 1, 3, 4, 5, 2])
        let text = "{\"id\":\"v\",\"output\":[3,5,4]}\n{\"id\":\"w\",\"attempts\":[[2,3],[4,9]]}\nnot json"
        let restored = permutation.restore(predictionsText: text).split(separator: "\n").map(String.init)
        #expect(restored[0] == #"{"id":"v","output":[2,4,3]}"#)
        #expect(restored[1] == #"{"attempts":[[5,2],[3,9]],"id":"w"}"#)
        #expect(restored[2] == "not json")
        #expect(throws: EvaluationError.self) { try OutputPermutation(mapping: [0, 0, 1]) }
    }

    @Test func theControlFlagsACollapseAndPassesALearner() {
        let control = PermutationControl()
        // A learner retrained under the control: like another seed.
        #expect(control.finding(ordinary: (0.61, 0.97), permuted: (0.17, 0.92)) == nil)
        // A hand-written answer: every renamed token wrong.
        let finding = control.finding(ordinary: (1.0, 1.0), permuted: (0.0, 0.02))
        #expect(finding?.action == .flag && finding?.check == "permutation")
        // A learner with a hand-written part: its token accuracy falls by more than the allowed share.
        #expect(control.finding(ordinary: (0.9, 0.98), permuted: (0.05, 0.5)) != nil)
    }
}

/// The permutation control end to end: the same evaluator, the same task with renamed answer tokens.
extension SandboxedCandidates {
    @Suite(.serialized) struct PermutationControlRunTests {
        let scratch = ScratchDirectory("evolve-permutation")
        var root: URL { scratch.url }

        /// The evaluator's ordinary run and its control run (`EvaluationRequest.permutationSeed`).
        func scores(_ source: String) async throws -> (ordinary: PredictionScorer.Report, permuted: PredictionScorer.Report) {
            // The hand-written solver is a Foundation program: compiled without the source policy, as if it
            // had got past every other layer — which is what this control is for.
            let evaluator = CandidateEvaluator(
                sandbox: Sandbox(), module: try await SharedModule.shared.get(),
                config: try ProgramConfig.parse(CandidateEvaluatorTests.tinyConfig, path: "test.yaml"), workRoot: root, sourcePolicy: nil)
            let program = Program(files: ["kernel.swift": source])
            func run(_ request: EvaluationRequest) async throws -> PredictionScorer.Report {
                var report = try await evaluator.evaluate(program, request)
                for _ in 0..<3 where HostileKernelTests.startFailed(report.artifacts["build"]) {
                    try await Task.sleep(for: .seconds(3))
                    report = try await evaluator.evaluate(program, request)
                }
                #expect(report.outcome == .evaluated, "\(report.artifacts)")
                let metrics = try #require(report.metrics?.benchmarks["sudoku-4x4"])
                return PredictionScorer.Report(exactAccuracy: metrics.exactAccuracy, tokenAccuracy: metrics.tokenAccuracy, answered: 0, problems: [])
            }
            return (try await run(EvaluationRequest(split: .validation, trainingSeed: 3)),
                    try await run(EvaluationRequest(split: .validation, trainingSeed: 3, permutationSeed: 0xC0FFEE)))
        }

        @Test func aHandWrittenSolverCollapsesAndALearnerHolds() async throws {
            let solver = try await scores(CandidateEvaluatorTests.answering("solve(input)", before: SandboxedCandidates.HostileKernelTests.solver, forgedRunJSON: true))
            #expect(solver.ordinary.exactAccuracy == 1)
            #expect(solver.permuted.exactAccuracy == 0 && solver.permuted.tokenAccuracy < 0.1)
            let control = PermutationControl()
            #expect(control.finding(
                ordinary: (solver.ordinary.exactAccuracy, solver.ordinary.tokenAccuracy),
                permuted: (solver.permuted.exactAccuracy, solver.permuted.tokenAccuracy)) != nil)

            let learner = try await scores(SandboxedCandidates.HostileKernelTests.kernel())
            #expect(learner.ordinary.tokenAccuracy > 0.3)
            #expect(control.finding(
                ordinary: (learner.ordinary.exactAccuracy, learner.ordinary.tokenAccuracy),
                permuted: (learner.permuted.exactAccuracy, learner.permuted.tokenAccuracy)) == nil,
                "learner \(learner.ordinary.tokenAccuracy) → \(learner.permuted.tokenAccuracy)")
        }
    }
}

/// The tiny benchmark of CandidateEvaluatorTests as a spec.
enum YAMLBenchmark {
    static func tiny() throws -> BenchmarkSpec {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-spec-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(CandidateEvaluatorTests.tinyConfig.utf8).write(to: dir.appendingPathComponent("evolve.yaml"))
        return try ProgramConfig.load(programDir: dir).benchmarks[0]
    }
}
