import EvolveCore
import Foundation
import Sandbox
import Testing
@testable import Evaluators

@Suite struct RunReportTests {
    static func json(train: Double = 7.55e11, eval: Double = 3e10, largest: Double = 4.8e9, budget: Double = 7.5e11) -> [String: Any] {
        [
            "protocol": 2, "train_budget": Int(budget), "train_flops": train, "eval_flops": eval, "largest_step_flops": largest,
            "parameters": 93601, "steps": 156, "examples_drawn": 1700,
            "curve": [["step": 10, "flops": 4.8e10, "loss": 2.1, "exact_accuracy": 0.0, "answer_accuracy": NSNull()]],
            "config": ["effective_depth": 6, "hidden": 64],
        ]
    }

    @Test func takesMeasuredFieldsAndLabelsTheConfigAsReported() {
        let report = RunReport(json: Self.json(), trainBudget: 7.5e11, evalBudget: 1e11)
        #expect(report.problems == [])
        #expect(report.finding == nil)
        #expect(report.trainFLOPs == 7.55e11 && report.parameters == 93601 && report.examplesDrawn == 1700)
        #expect(report.reported == ["effective_depth": 6, "hidden": 64])
        #expect(report.curve.first?.answerAccuracy == nil && report.curve.first?.exactAccuracy == 0)
    }

    @Test func contradictionsWithTheBudgetsRejectTheRun() {
        // Spent far past the budget (a reset meter), or a driver that saw another budget.
        let overspent = RunReport(json: Self.json(train: 2.8e12), trainBudget: 7.5e11, evalBudget: 1e11)
        #expect(overspent.finding?.action == .reject)
        #expect(overspent.problems.first?.contains("training FLOPs against a budget") == true)
        let doubled = RunReport(json: Self.json(budget: 1.5e12), trainBudget: 7.5e11, evalBudget: 1e11)
        #expect(doubled.problems.contains { $0.contains("training budget of") })
        // A rewritten run.json without the driver's fields.
        let forged = RunReport(json: ["train_flops": 1e9, "parameters": 10, "config": ["effective_depth": 999]], trainBudget: 7.5e11, evalBudget: 1e11)
        #expect(forged.problems.contains { $0.contains("protocol 2") })
        #expect(forged.problems.contains { $0.contains("no optimiser step") })
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
        #expect(abs(single.secondsPerFLOP - 22.0 / 7.8e11) < 1e-15)
        #expect(throws: EvaluationError.self) { try ComputeCalibration.fit([]) }
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
    func curve(_ answers: [Double?]) -> [RunReport.CurvePoint] {
        answers.enumerated().map { RunReport.CurvePoint(step: 10 * ($0.offset + 1), flops: 0, loss: 1, exactAccuracy: 0.1, answerAccuracy: $0.element) }
    }

    @Test func validationNearTheTrainingAnswersPasses() {
        let check = TrainingCurveCheck()
        #expect(check.finding(validationExact: 0.61, curve: curve([0, 0, 0.02, 0.1, 0.35, 0.5])) == nil)
        // The seeds at the default budget (TRM training seed 1, HRM training seed 1): EMA weights beat
        // the live weights' training answers by up to ~0.36.
        #expect(check.finding(validationExact: 0.61, curve: curve([0, 0.06, 0.12, 0.23, 0.25, 0.24])) == nil)
        #expect(check.finding(validationExact: 1.0, curve: curve([0.3, 0.6, 0.65, 0.6, 0.65, 0.69, 0.68])) == nil)
        #expect(check.finding(validationExact: 0.3, curve: curve([nil, nil])) == nil)
    }

    @Test func validationFarAboveThemIsFlagged() {
        let check = TrainingCurveCheck()
        // A solver in predict on top of the seed's training: validation 1.0, training answers as the seed's.
        let finding = check.finding(validationExact: 1.0, curve: curve([0, 0.06, 0.12, 0.23, 0.25, 0.24]))
        #expect(finding?.action == .flag && finding?.check == "curve")
        #expect(finding?.evidence.contains("validation exact 1.000") == true)
        #expect(check.finding(validationExact: 0.9, curve: curve([nil, nil]))?.evidence.contains("no training answers") == true)
        // Only the recent stretch counts: an early lucky point does not excuse a late gap.
        #expect(check.recentAnswerAccuracy(curve([0.9, 0.1, 0.1, 0.1, 0.1, 0.1])) == 0.1)
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
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-permutation-\(UUID().uuidString)")

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
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(CandidateEvaluatorTests.tinyConfig.utf8).write(to: dir.appendingPathComponent("evolve.yaml"))
        return try ProgramConfig.load(programDir: dir).benchmarks[0]
    }
}
