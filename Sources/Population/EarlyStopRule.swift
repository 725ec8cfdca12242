import Foundation

/// When a child's selection evaluation is stopped between benchmarks: the value function's optimistic
/// prediction (mean + `z` standard errors) of its final score cannot reach what would make it a
/// contender — the elite of its cell and the best of its island, whichever is lower.
///
/// ```swift
/// let rule = EarlyStopRule(mode: .on, minFinished: 20, z: 2)
/// rule.verdict(prediction: p, islandBest: 0.6, cellElite: 0.5)   // a stop when p.mean + 2·p.se < 0.5
/// ```
///
/// A child that could still land in an empty cell is never stopped: an empty cell takes its first
/// arrival whatever it scores, and that is how MAP-Elites keeps the diversity it is for; a stop there
/// would trade it for CPU time with no score to justify it. Its cell at a checkpoint is not one cell but
/// every cell its final descriptors can still reach (`CheckpointPlacement`: later benchmarks enlarge
/// them), so the bar is the lowest elite among those cells, and one empty cell among them spares it.
/// An island without a best is never stopped either (every child there is a contender).
public struct EarlyStopRule: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Every child runs the whole suite (the baseline).
        case off
        /// A hopeless child is stopped and stored as `stopped`.
        case on
        /// Every child runs the whole suite; the stops it would have made are recorded beside its final
        /// score, so the false-stop rate can be measured before turning it on.
        case shadow
    }

    public var mode: Mode
    /// Finished selection evaluations the run must have before the first stop: the fit needs data of
    /// this run's own suite and kernels, and a fit on a handful of seeds' scores says little.
    public var minFinished: Int
    /// Standard errors added to the prediction before comparing it with the bar. 2 makes a stop at one
    /// checkpoint wrong about 2.3% of the time under normal residuals; with the two checkpoints of a
    /// three-benchmark suite that stays under the 5% false-stop ceiling.
    public var z: Double

    public init(mode: Mode = .shadow, minFinished: Int = 20, z: Double = 2) {
        self.mode = mode
        self.minFinished = minFinished
        self.z = z
    }

    /// What a checkpoint concluded: the prediction, the bar and whether it is a stop.
    public struct Verdict: Sendable, Equatable {
        public var prediction: ValueFunction.Prediction
        public var optimistic: Double
        /// The score the child had to reach (the lowest elite of the cells it can still reach, or its island's best if lower).
        public var bar: Double
        /// Which incumbent set the bar, in words ("cell elite 0.412", "island best 0.530").
        public var against: String
        public var stops: Bool { optimistic < bar }
    }

    /// The verdict for `prediction` (clamped into `range` when the evaluator bounds its scores); nil
    /// when the child cannot be stopped at all: no island best yet, or an empty cell.
    public func verdict(
        prediction: ValueFunction.Prediction, islandBest: Double?, cellElite: Double?, range: ClosedRange<Double>? = nil
    ) -> Verdict? {
        verdict(prediction: prediction, islandBest: islandBest, reachableElites: [cellElite], range: range)
    }

    /// The verdict when the child can still land in any of several cells, `reachableElites` holding each
    /// one's elite score (nil for an empty cell): nil when one of them is empty or there is no island
    /// best; otherwise the bar is the lowest of those elites and the island's best.
    public func verdict(
        prediction: ValueFunction.Prediction, islandBest: Double?, reachableElites: [Double?], range: ClosedRange<Double>? = nil
    ) -> Verdict? {
        let elites = reachableElites.compactMap { $0 }
        guard let islandBest, !elites.isEmpty, elites.count == reachableElites.count, let cellElite = elites.min() else { return nil }
        var optimistic = prediction.mean + z * prediction.standardError
        if let range { optimistic = min(range.upperBound, max(range.lowerBound, optimistic)) }
        let cells = elites.count == 1 ? "" : " (the lowest of the \(elites.count) cells it can still reach)"
        let (bar, against) = cellElite <= islandBest
            ? (cellElite, String(format: "cell elite %.3f", cellElite) + cells) : (islandBest, String(format: "island best %.3f", islandBest))
        return Verdict(prediction: prediction, optimistic: optimistic, bar: bar, against: against)
    }
}
