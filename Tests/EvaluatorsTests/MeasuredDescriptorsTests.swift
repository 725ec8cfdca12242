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
