import EvolveCore
import Foundation

/// What an evaluation already knows, at a checkpoint, about the final value of the descriptors its
/// remaining benchmarks can still enlarge (`PartialEvaluation.settled`), so the early stop places the
/// child where it will land rather than where the cheap benchmarks put it.
///
/// - `parameters`: stage 1 already ran every benchmark, and TRMKit's driver counts the parameters of
///   the model the kernel builds from the task's shape (vocabulary, sequence length, puzzle ids) and the
///   training seed, before any training: both are the same in stage 2, and the budget is not an input
///   to the model's construction. So the final count is the largest of the count so far and stage 1's
///   counts on the remaining benchmarks (between the memory-capped and the driver's figure, as
///   `MeasuredDescriptors.parameters` caps it). A stage-1 run without a count settles nothing.
/// - `train_flops` (a sum over benchmarks): at most the sum so far plus the remaining benchmarks'
///   training budgets (a run past its budget is rejected, `RunReport`).
///
/// ```swift
/// let settled = SettledDescriptors.ranges(measured: partial, stage1: stage1Metrics, remaining: specs)
/// ```
enum SettledDescriptors {
    static func ranges(
        measured: [String: Double], stage1: [String: BenchmarkMetrics], remaining: [BenchmarkSpec]
    ) -> [String: ClosedRange<Double>] {
        var ranges: [String: ClosedRange<Double>] = [:]
        let counted = remaining.compactMap { stage1[$0.name] }.filter { $0.parameters > 0 }
        if let parameters = measured["parameters"], !remaining.isEmpty, counted.count == remaining.count {
            let lower = max(parameters, counted.map { Double(MeasuredDescriptors.parameters($0)) }.max() ?? 0)
            let upper = max(lower, counted.map { Double($0.parameters) }.max() ?? 0)
            ranges["parameters"] = lower...upper
        }
        if let trainFLOPs = measured["train_flops"] {
            ranges["train_flops"] = trainFLOPs...(trainFLOPs + remaining.map(\.trainFLOPs).reduce(0, +))
        }
        return ranges
    }
}
