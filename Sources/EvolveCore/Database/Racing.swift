import Foundation

/// A program's selection score over its ordinary validation evaluations (one per training seed): the
/// mean, the sample standard deviation (n ≥ 2) and the count. An evaluation that did not end
/// `.evaluated` (a crash or a timeout under that training seed) counts as 0.
public struct ScoreStats: Codable, Sendable, Equatable {
    public var mean: Double
    /// Sample standard deviation (n − 1 in the denominator); nil for a single evaluation.
    public var sd: Double?
    public var n: Int

    public init(mean: Double, sd: Double? = nil, n: Int = 1) {
        self.mean = mean
        self.sd = sd
        self.n = max(1, n)
    }

    public init(scores: [Double]) {
        let n = max(1, scores.count)
        let mean = scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)
        var sd: Double?
        if scores.count >= 2 {
            sd = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count - 1)).squareRoot()
        }
        self.init(mean: mean, sd: sd, n: n)
    }

    /// The standard error of the mean, nil for one evaluation (no spread measured).
    public var standardError: Double? { sd.map { $0 / Double(n).squareRoot() } }
}

/// The racing rule (issue 16): a program may displace a cell's elite, an island's best or the run's
/// best only once its mean over at least `repeats` training seeds beats the incumbent's mean by
/// `margin` standard errors of the difference.
///
/// The standard error of the difference is the two-sample pooled one,
/// `σ·sqrt(1/n_a + 1/n_b)` with `σ = max(pooled SD, noiseFloor)`: at n = 3 each program's own SD has two
/// degrees of freedom and is often 0 (a saturated 1.0 three times), pooling gives the comparison more
/// and still works when the incumbent has a single evaluation; the floor stops identical scores from
/// looking infinitely certain. `repeats ≤ 1` is the plain single-evaluation rule (strictly higher wins),
/// the control arm. Exact ties go to the smaller program (fewer `parameters`, then shorter code).
public struct RacingRule: Codable, Sendable, Equatable {
    public var repeats = 3
    public var margin = 1.0
    /// The smallest per-evaluation standard deviation the rule assumes (a floor under the pooled SD).
    public var noiseFloor = 0.03

    public init(repeats: Int = 3, margin: Double = 1.0, noiseFloor: Double = 0.03) {
        self.repeats = repeats
        self.margin = margin
        self.noiseFloor = noiseFloor
    }

    public enum Verdict: Sendable, Equatable { case wins, tie, loses }

    /// Single evaluations decide (today's rule, `repeats: 1`).
    public var isSingle: Bool { repeats <= 1 }

    /// Whether a program has raced enough to claim a place that displaces or outranks another.
    public func isConfirmed(_ stats: ScoreStats) -> Bool { isSingle || stats.n >= repeats }

    public func seDifference(_ a: ScoreStats, _ b: ScoreStats) -> Double {
        let dof = a.n + b.n - 2
        let pooled = dof > 0
            ? ((Double(a.n - 1) * pow(a.sd ?? 0, 2) + Double(b.n - 1) * pow(b.sd ?? 0, 2)) / Double(dof)).squareRoot() : 0
        return max(pooled, noiseFloor) * (1 / Double(a.n) + 1 / Double(b.n)).squareRoot()
    }

    /// Whether `challenger` displaces `incumbent` (a tie is left to the size rule).
    public func compare(_ challenger: ScoreStats, _ incumbent: ScoreStats) -> Verdict {
        let difference = challenger.mean - incumbent.mean
        if isSingle { return difference > 0 ? .wins : difference == 0 ? .tie : .loses }
        guard challenger.n >= repeats else { return .loses }
        if abs(difference) < 1e-12 { return .tie }
        return difference > margin * seDifference(challenger, incumbent) ? .wins : .loses
    }

    /// Whether a first score is worth more evaluations against `incumbent`: it is at least the
    /// incumbent's mean (a truly better program's is, at least half the time; at equal means the smaller
    /// program may win the tie; a clear loser is not raced).
    public func isContender(first: Double, against incumbent: ScoreStats?) -> Bool {
        guard let incumbent else { return true }
        return first >= incumbent.mean
    }
}

/// The best program re-scored with fresh training seeds when the run ends: `freshSeeds` validation and
/// `freshSeeds` test evaluations, none with a seed it was selected on.
///
/// - `drift` = the selection score (mean of the ordinary validation evaluations selection used) minus the
///   mean over the fresh validation seeds: the winner's curse, positive when the selection was lucky.
/// - `gap` = the fresh validation mean minus the test mean: both are unselected estimates, so this is the
///   split's difference, not the curse.
public struct BestAssessment: Codable, Sendable, Equatable {
    public var selection: ScoreStats
    public var freshValidation: ScoreStats?
    public var test: ScoreStats?
    public var drift: Double?
    public var gap: Double?
    /// Human-readable flags: drift or gap above the configured thresholds.
    public var flags: [String]

    public init(selection: ScoreStats, freshValidation: ScoreStats?, test: ScoreStats?, driftThreshold: Double, gapThreshold: Double) {
        self.selection = selection
        self.freshValidation = freshValidation
        self.test = test
        drift = freshValidation.map { selection.mean - $0.mean }
        gap = freshValidation.flatMap { fresh in test.map { fresh.mean - $0.mean } }
        var flags: [String] = []
        if let drift, drift > driftThreshold {
            flags.append(String(format: "re-run drift %+.3f above %.3f: the selection score was lucky", drift, driftThreshold))
        }
        if let gap, abs(gap) > gapThreshold {
            flags.append(String(format: "val–test gap %+.3f beyond ±%.3f", gap, gapThreshold))
        }
        self.flags = flags
    }
}
