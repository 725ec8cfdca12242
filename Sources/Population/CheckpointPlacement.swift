import Foundation

/// Where a child stopped between benchmarks could still land in the grid: for each descriptor the range
/// its final value can take, and the cells those ranges span.
///
/// The descriptors measured so far are not the child's final ones. An evaluator's descriptors are
/// combined over benchmarks as maxima (parameters, FLOPs per step, peak memory) or sums (training
/// FLOPs), so a benchmark still to run can only *enlarge* them: in issue 28's run the 6×6 Sudokus
/// counted 182,497 parameters and the maze 356,481, and the checkpoint put two children in an occupied
/// cell whose final cell was empty. So each measured descriptor's final value lies in
/// `measured ... upper`, where `upper` is, in order of preference:
/// - what the evaluator already knows (`settled`, which may raise the lower bound too): stage 1 built
///   the model on every benchmark, so its parameter count is known; the remaining training budgets
///   bound the sum of training FLOPs;
/// - else what the parents' own records say a later benchmark adds: the larger of their growth as a
///   ratio (final ÷ value on the same benchmarks) and as a difference, applied to the child's value
///   (a mutation that scales the whole model keeps the ratio, one that changes only the part that does
///   not depend on the task keeps the difference), the increase widened by `growthHeadroom`;
/// - else unbounded (the top bin): nothing says how far it can grow.
///
/// ```swift
/// let placement = CheckpointPlacement(measured: ["parameters": 182_497], settled: [:],
///                                     growth: [.init(prefix: ["parameters": 93_601], final: ["parameters": 178_689])])
/// placement.cells(in: .trm, fixed: [:])   // every cell from the checkpoint's bin to the predicted one
/// ```
public struct CheckpointPlacement: Sendable, Equatable {
    /// One finished program's descriptors over the benchmarks the child has measured so far and over
    /// its whole suite: how much the rest of the suite enlarged them.
    public struct Growth: Sendable, Equatable {
        public var prefix: [String: Double]
        public var final: [String: Double]

        public init(prefix: [String: Double], final: [String: Double]) {
            self.prefix = prefix
            self.final = final
        }
    }

    /// How much more than its parents' growth a child is allowed: the predicted increase times this. In
    /// issue 28's run 15 of 78 children grew their FLOPs per step past both readings of their parent's
    /// growth, by at most 4.6% of the final value (~7% of the increase; a step count is an integer and
    /// an adaptive model's step cost varies); 1.25 covers three times that, and cost no stop there.
    public static let growthHeadroom = 1.25

    /// The range of each measured descriptor's final value; the upper bound may be infinite.
    public var ranges: [String: ClosedRange<Double>]

    public init(ranges: [String: ClosedRange<Double>]) {
        self.ranges = ranges
    }

    /// The ranges for a child whose benchmarks so far measured `measured`. The lower bound is the
    /// measured value (a maximum or a sum over more benchmarks is never smaller) or, higher, what the
    /// evaluator settled; never a prediction, so a range never excludes a cell by predicting growth the
    /// child may not have.
    public init(measured: [String: Double], settled: [String: ClosedRange<Double>] = [:], growth: [Growth] = []) {
        var ranges: [String: ClosedRange<Double>] = [:]
        for (name, value) in measured where value.isFinite {
            var lower = value
            let upper: Double
            if let known = settled[name] {
                lower = max(value, known.lowerBound)
                upper = known.upperBound
            } else {
                let predictions = growth.compactMap { g -> [Double]? in
                    guard let before = g.prefix[name], let after = g.final[name], before > 0, after.isFinite, before.isFinite else { return nil }
                    return [value * after / before, value + after - before]
                }.flatMap { $0 }
                upper = predictions.max().map { value + max(0, $0 - value) * Self.growthHeadroom } ?? .infinity
            }
            ranges[name] = lower...max(lower, upper.isNaN ? .infinity : upper)
        }
        self.ranges = ranges
    }

    /// The cells the child can still reach, in `space`: the bins each range spans; a descriptor with no
    /// range takes its value in `fixed` (a generic descriptor no benchmark changes), and one in neither
    /// (not measured yet) may land in any bin.
    public func cells(in space: FeatureSpace, fixed: [String: Double]) -> [[Int]] {
        let binsPerDimension = space.dimensions.map { dimension -> [Int] in
            if let range = ranges[dimension.name] {
                let top = range.upperBound.isFinite ? dimension.bin(range.upperBound) : dimension.bins - 1
                return Array(dimension.bin(range.lowerBound)...max(dimension.bin(range.lowerBound), top))
            }
            if let value = fixed[dimension.name] { return [dimension.bin(value)] }
            return Array(0..<dimension.bins)
        }
        return binsPerDimension.reduce([[]]) { cells, bins in cells.flatMap { cell in bins.map { cell + [$0] } } }
    }
}
