import EvolveCore
import Foundation
import Population
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

/// Issue 28: the default grid's axes come from numbers the driver counts (parameters, training FLOPs per
/// optimiser step), capped by what the sandbox measured; the kernel's own report stays visible as its claim.
@Suite struct MeasuredDescriptorsTests {
    static func metrics(parameters: Int, steps: Int?, trainFLOPs: Double, memory: Int? = 1 << 30, depth: Double) -> Metrics {
        Metrics(benchmarks: ["sudoku": BenchmarkMetrics(
            exactAccuracy: 0.5, tokenAccuracy: 0.7, trainFLOPs: trainFLOPs, parameters: parameters,
            reported: ["effective_depth": depth], steps: steps, peakMemoryBytes: memory)], split: "validation")
    }

    @Test func aLyingDepthReportLandsWhereTheMeasuredNumbersSay() {
        let honest = MeasuredDescriptors(Self.metrics(parameters: 93_601, steps: 156, trainFLOPs: 7.5e11, depth: 6)).values
        let liar = MeasuredDescriptors(Self.metrics(parameters: 93_601, steps: 156, trainFLOPs: 7.5e11, depth: 1e12)).values
        #expect(honest["flops_per_step"] == 7.5e11 / 156)
        #expect(FeatureSpace.trm.cell(liar) == FeatureSpace.trm.cell(honest))
        // The claim is kept under its own name, for a grid that asks for it explicitly.
        #expect(liar["effective_depth"] == 1e12)
        // Under the old grid the lie picked the top depth bin; the measured axes do not read it.
        #expect(FeatureSpace([.parameters, .effectiveDepth]).cell(liar) != FeatureSpace([.parameters, .effectiveDepth]).cell(honest))
        #expect(!FeatureSpace.trm.dimensions.map(\.name).contains("effective_depth"))
    }

    @Test func aParameterClaimIsCappedByTheMeasuredMemory() {
        // 1e7 parameters need 40 MB of weights at least; a run that peaked at 4 MB holds at most 1e6.
        let inflated = MeasuredDescriptors(Self.metrics(parameters: 10_000_000, steps: 10, trainFLOPs: 1e10, memory: 4_000_000, depth: 1)).values
        #expect(inflated["parameters"] == 1e6)
        #expect(inflated["peak_memory_bytes"] == 4e6)
        // Unmeasured memory (0 or absent) caps nothing; no step count gives no per-step figure.
        let unmeasured = MeasuredDescriptors(Self.metrics(parameters: 5000, steps: nil, trainFLOPs: 1e10, memory: nil, depth: 1)).values
        #expect(unmeasured["parameters"] == 5000 && unmeasured["flops_per_step"] == nil && unmeasured["peak_memory_bytes"] == nil)
    }

    /// Issue 26: at a checkpoint, stage 1's parameter counts on the remaining benchmarks settle the final
    /// count (issue 28's child f23115b9: 182,497 on the 6×6 Sudokus, 356,481 on the maze), and the
    /// remaining budgets bound the training FLOPs; a stage-1 run without a count settles nothing.
    @Test func stage1SettlesTheParameterCountAndTheBudgetsBoundTrainingFLOPs() throws {
        let text = """
            seed: 1
            benchmarks:
              - {name: small, generator: sudoku, box_rows: 2, box_columns: 3, train: 4, validation: 2, test: 2, train_flops: 7.5e11, eval_flops: 1e11}
              - {name: maze, generator: maze, size: 4, train: 4, validation: 2, test: 2, train_flops: 1e12, eval_flops: 1e12}
            """
        let specs = try ProgramConfig.parse(text, path: "evolve.yaml").benchmarks
        let measured = ["parameters": 182_497.0, "train_flops": 7.498e11]
        let maze = BenchmarkMetrics(exactAccuracy: 0, tokenAccuracy: 0, parameters: 356_481, peakMemoryBytes: 130_000_000)
        let settled = SettledDescriptors.ranges(measured: measured, stage1: ["maze": maze], remaining: [specs[1]])
        #expect(settled["parameters"] == 356_481...356_481)
        #expect(settled["train_flops"] == 7.498e11...(7.498e11 + 1e12))
        // A memory cap that binds in stage 1 leaves the range between the capped and the driver's count.
        let capped = SettledDescriptors.ranges(
            measured: measured, stage1: ["maze": BenchmarkMetrics(exactAccuracy: 0, tokenAccuracy: 0, parameters: 356_481, peakMemoryBytes: 1_000_000)],
            remaining: [specs[1]])
        #expect(capped["parameters"] == 250_000...356_481)
        let unread = SettledDescriptors.ranges(measured: measured, stage1: ["maze": BenchmarkMetrics(exactAccuracy: 0, tokenAccuracy: 0)], remaining: [specs[1]])
        #expect(unread["parameters"] == nil)
    }
}

extension SandboxedCandidates {
    /// The same kernel with an honest and a lying depth report, compiled and run: one cell.
    @Suite(.serialized) struct MeasuredCellTests {
        let scratch = ScratchDirectory("evolve-cells")
        var root: URL { scratch.url }

        func evaluate(_ source: String) async throws -> EvaluationReport {
            let evaluator = CandidateEvaluator(
                sandbox: Sandbox(), module: try await SharedModule.shared.get(),
                config: try ProgramConfig.parse(CandidateEvaluatorTests.tinyConfig, path: "test.yaml"), workRoot: root.appendingPathComponent("work"))
            let program = Program(files: ["kernel.swift": source])
            var report = try await evaluator.evaluate(program, EvaluationRequest(split: .validation, trainingSeed: 1))
            for _ in 0..<3 where HostileKernelTests.startFailed(report.artifacts["build"]) {
                try await Task.sleep(for: .seconds(3))
                report = try await evaluator.evaluate(program, EvaluationRequest(split: .validation, trainingSeed: 1))
            }
            return report
        }

        @Test func aKernelThatReportsADepthOfATrillionGetsTheCellOfItsMeasuredNumbers() async throws {
            let honest = try await evaluate(Fixtures.tinyKernel)
            let liar = try await evaluate(Fixtures.tinyKernel.replacingOccurrences(of: "[\"effective_depth\": 1]", with: "[\"effective_depth\": 1e12]"))
            #expect(honest.outcome == .evaluated && liar.outcome == .evaluated, "\(honest.artifacts) \(liar.artifacts)")
            let metrics = try #require(liar.metrics?.benchmarks["sudoku-4x4"])
            #expect(metrics.reported["effective_depth"] == 1e12)
            let steps = try #require(metrics.steps)
            #expect(steps > 0 && liar.descriptors["flops_per_step"] == metrics.trainFLOPs / Double(steps))
            #expect(liar.descriptors["parameters"] == Double(metrics.parameters) && metrics.parameters > 0)
            #expect(FeatureSpace.trm.cell(liar.descriptors) == FeatureSpace.trm.cell(honest.descriptors))
        }
    }
}
