import Foundation

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
    /// A race stops as soon as no remaining evaluation can let its contender displace anyone
    /// (`PopulationState.raceIsDecided`); false runs every race to `repeats` (the control arm).
    public var endsWhenDecided = true
    /// The lowest score the evaluator can give (its `scoreRange`'s lower bound; the loop sets it, nil for an
    /// unbounded evaluator). A first score there is no contender against an incumbent: it says the child
    /// learnt nothing on that seed, and against an incumbent at the floor too the race could only hand the
    /// place over by the size rule — `repeats − 1` evaluations per child on a plateau of zeros, which is
    /// where a search starting from a broken seed spends most of its early budget.
    public var scoreFloor: Double?

    public init(repeats: Int = 3, margin: Double = 1.0, noiseFloor: Double = 0.03, endsWhenDecided: Bool = true) {
        self.repeats = repeats
        self.margin = margin
        self.noiseFloor = noiseFloor
        self.endsWhenDecided = endsWhenDecided
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
    /// program may win the tie; a clear loser is not raced) and above the evaluator's floor.
    public func isContender(first: Double, against incumbent: ScoreStats?) -> Bool {
        guard let incumbent else { return true }
        if let scoreFloor, first <= scoreFloor { return false }
        return first >= incumbent.mean
    }

    /// Whether `challenger` loses to `incumbent` (`compare` says `.loses`, or a tie the size rule gives
    /// the incumbent) whatever the evaluations still to come score, each within `range`.
    ///
    /// The bound, from `compare` itself: the challenger ends with `n + remaining` scores, the incumbent
    /// with its own. The largest difference of means the future allows puts every remaining challenger
    /// score at `range`'s top and every remaining incumbent score at its bottom; the smallest standard
    /// error it allows is the noise floor's (the pooled SD is never below it). If even that difference
    /// does not exceed `margin` of that error, no outcome of the remaining evaluations is a win. A tie
    /// (an exact difference of 0) is a loss too unless `tieWins` (the challenger is the smaller program)
    /// and 0 still lies between the smallest and largest reachable difference. A challenger that cannot
    /// reach `repeats` evaluations loses by `compare`'s first rule.
    public func cannotWin(
        _ challenger: ScoreStats, remaining: Int, against incumbent: ScoreStats, incumbentRemaining: Int,
        range: ClosedRange<Double>, tieWins: Bool
    ) -> Bool {
        guard !isSingle else { return false }
        let n = challenger.n + max(0, remaining), m = incumbent.n + max(0, incumbentRemaining)
        guard n >= repeats else { return true }
        let sum = challenger.mean * Double(challenger.n), incumbentSum = incumbent.mean * Double(incumbent.n)
        let widest = (sum + Double(n - challenger.n) * range.upperBound) / Double(n)
            - (incumbentSum + Double(m - incumbent.n) * range.lowerBound) / Double(m)
        let narrowest = (sum + Double(n - challenger.n) * range.lowerBound) / Double(n)
            - (incumbentSum + Double(m - incumbent.n) * range.upperBound) / Double(m)
        if tieWins, narrowest < 1e-12, widest > -1e-12 { return false }
        // 1e-9 of slack: the settled mean is summed in another order than this bound.
        return widest + 1e-9 <= margin * noiseFloor * (1 / Double(n) + 1 / Double(m)).squareRoot()
    }
}
