import Foundation

/// How parents are chosen. The three share the proposer and the evaluator, so their results compare.
public enum SearchStrategy: String, Codable, Sendable, CaseIterable {
    /// Islands, a MAP-Elites grid per island, migration and an elite archive (the default).
    case mapElites = "map-elites"
    /// Every child from a seed, no selection: the control arm that tells whether the machinery helps.
    case bestOfN = "best-of-n"
    /// The child of the current best; it becomes the parent only if better (the autoresearch loop).
    case hillClimb = "hill-climb"
}

/// The evolution loop's settings: when to stop, how much runs at once, how parents are chosen.
public struct RunConfig: Codable, Sendable, Equatable {
    public var strategy: SearchStrategy = .mapElites
    /// Child iterations (proposals) to make; nil: no limit.
    public var maxIterations: Int?
    /// The time limit over all sessions; when the scale check will run, the search stops its expected
    /// cost earlier (`ScaleReserve`), so the run as a whole ends near the limit.
    public var maxHours: Double?
    /// Stop once the LLM spend reaches this many dollars.
    public var maxSpendUSD: Double?
    /// Stop once a program's validation score reaches this.
    public var targetScore: Double?
    /// Evaluations in flight at once (default: the number of cores).
    public var parallel: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Proposals started ahead of free evaluation slots, so evaluations never wait for the LLM
    /// (default: half of `parallel`, at least 1; 0 runs one iteration at a time per slot).
    public var proposalLookahead: Int?
    /// Stop cleanly after the proposer has failed (endpoint down) for this long without a success.
    public var maxOutageSeconds: Double = 1800
    /// Seeds the loop's own stream (proposal seeds, crossover picks) and the sampler's.
    public var randomSeed: UInt64 = 42
    /// Probability that a child is a crossover of the parent and an inspiration (map-elites only).
    public var crossoverRate: Double = 0.1
    /// Earlier attempts on the lineage shown to the proposer.
    public var attemptsShown: Int = 6
    /// Score the held-out test split for every new cell elite and every new best.
    public var testElites = true
    /// Retrain every new best with its answer tokens renamed by a secret permutation (evaluators that
    /// support it); a program whose score collapses is taken out of selection, the evidence kept.
    public var controlBests = true
    /// Control runs before a program is flagged: training noise alone can sink one run of an honest
    /// learner near its accuracy cliff, while a written-in answer collapses under every secret, so a
    /// program is flagged only when all of these collapse (each with a fresh training seed and secret).
    public var controlRuns = 3
    /// Keep each evaluation's work dir instead of removing it.
    public var keepWork = false
    /// Stop once this many selection evaluations (first evaluations plus racing repeats) have run.
    public var maxEvaluations: Int?
    /// Repeats and racing over training seeds (`repeats`, `margin`, `noiseFloor`); `repeats: 1` is the
    /// single-evaluation rule.
    public var racing = RacingRule()
    /// Fresh training seeds the best is re-scored with at the end, on validation and on test (default:
    /// `repeats`, at least 3).
    public var freshSeeds: Int?
    /// Flag the best when its selection score minus its fresh validation mean exceeds this.
    public var driftThreshold = 0.1
    /// Flag the best when its fresh validation mean and its test mean differ by more than this.
    public var gapThreshold = 0.1
    /// The value function that stops a hopeless child between benchmarks (`evaluator.early_stop*`):
    /// only a child's first selection evaluation, never a seed's, a race's, a control, test or fresh run.
    public var earlyStop = EarlyStopRule()

    /// Whether the run's end retrains the best and its seed at `ScaleCheckMode.factor` × the budgets.
    public var scaleCheck = ScaleCheckMode.auto

    /// `scale_check` resolved: `auto` runs it when the run's time limit is at least 4 hours (it costs
    /// hours on a laptop: 2 × `freshSeeds` evaluations at 4× the budget).
    public var scaleCheckRuns: Bool {
        switch scaleCheck {
        case .on: true
        case .off: false
        case .auto: (maxHours ?? 0) >= 4
        }
    }

    public init() {}
}

/// `scale_check: auto | on | off`.
public enum ScaleCheckMode: String, Sendable, Codable {
    case auto, on, off

    /// The budget multiple of the run-end check (`evolve check-scale --factor` takes another).
    public static let factor = 4.0
}
