/// What one evaluated program did to the population, and what must run next because of it.
///
/// A first evaluation (`PopulationState.complete`) and the end of a race (`PopulationState.settle`) return one;
/// the store writes its `changes` in one transaction, the loop runs its `race` and then the follow-ups
/// `FollowUpRule` derives from it.
public struct Placement: Sendable, Equatable {
    /// The program's MAP-Elites cell (one bin per feature dimension).
    public var cell: [Int] = []
    /// It became the elite of its cell (an empty cell, or it displaced the incumbent under the racing rule).
    public var isCellElite = false
    /// The elite it displaced.
    public var replaced: String?
    public var isNewIslandBest = false
    public var isNewBest = false
    /// Copies this placement made on the next island (ring migration).
    public var migrated: [String] = []
    /// The island lost its grid and restarted from the best other island's best (stagnation).
    public var reseeded = false
    public var evicted: [String] = []
    /// Programs (originals) to evaluate with more training seeds before this one's race is settled: the
    /// contender itself first, then incumbents it races that have fewer than `repeats` evaluations.
    public var race: [String] = []
    /// The program's evaluation carried a finding that acts on selection: it is held out of the bests
    /// until a re-run with a fresh training seed comes back clean (`IntegrityHold.swift`).
    public var needsRecheck = false
    /// What the store must write, in order, for the population it holds to match this one.
    public var changes: [PopulationChange] = []

    public init(cell: [Int] = []) {
        self.cell = cell
    }

    /// The displacements this placement made (cell, island best, run best), as the store records them.
    public var displacements: [DisplacementRecord] {
        changes.compactMap { if case .displaced(let record) = $0 { record } else { nil } }
    }
}

/// One write the store makes so the persisted population matches the in-memory one (the store applies a
/// placement's changes in one transaction; `PopulationState` decides them and never touches storage).
public enum PopulationChange: Sendable, Equatable {
    /// The island's stored record (generation, last improvement and migration, best).
    case island(Int, IslandRecord)
    /// `id` holds the cell `key` of the island with `score` (a new elite, or its mean changed).
    case cell(island: Int, key: String, Elite)
    /// The island's grid is emptied (a stagnation reseed).
    case clearCells(island: Int)
    /// `id` holds no cell anywhere (it was disqualified).
    case removeFromCells(id: String)
    /// The program's own cell key (where its descriptors put it).
    case assignCell(id: String, key: String)
    case archive(id: String, score: Double)
    case unarchive(id: String)
    /// The program leaves selection for good (its row stays, marked evicted).
    case evict(id: String)
    /// Every evaluated member of the island outside the archive is evicted at once (a reseed: one
    /// statement, where one per member was quadratic in the island's size).
    case evictIsland(Int)
    /// A migrated copy to store: a new row with the original's content and scores on another island.
    case copy(Migrant)
    /// The run's best (an original), nil when none is left.
    case runBest(String?)
    /// The program's hold under an integrity finding (nil: none, or released by a clean re-check).
    case hold(id: String, IntegrityHold?)
    /// The evaluation count a program races to (0: its race is settled).
    case raceTarget(id: String, Int)
    /// The racing rule handed a place from one program to another (`DisplacementRecord`): a row of history.
    case displaced(DisplacementRecord)
}

/// A copy of an evaluated program on another island: a new id, the original's content, cell and scores.
public struct Migrant: Sendable, Equatable {
    public var id: String
    public var original: String
    public var island: Int
    /// The target island's generation when it arrived.
    public var generation: Int
    /// The source island's generation (the iteration the copy is dated to).
    public var iteration: Int
    public var stats: ScoreStats
}

/// The size that settles an exact tie between two programs' means: less measured peak memory first, then
/// shorter code (the smaller program wins).
///
/// Both are numbers evolve measures itself (the sandbox's peak memory, the program's own files), never a
/// number from the candidate's process: a tie-break read from `run.json` (its `parameters`, as it was)
/// would let a kernel that rewrites the file win every tie it writes itself into. A kernel can raise its
/// peak memory, never lower it below what its weights and activations need.
public struct ProgramSize: Sendable, Comparable {
    public var peakMemoryBytes: Double
    public var codeLength: Int

    public init(peakMemoryBytes: Double, codeLength: Int) {
        self.peakMemoryBytes = peakMemoryBytes
        self.codeLength = codeLength
    }

    public static func < (a: ProgramSize, b: ProgramSize) -> Bool {
        (a.peakMemoryBytes, a.codeLength) < (b.peakMemoryBytes, b.codeLength)
    }
}

/// What runs after an evaluation: the race (more training seeds for the contender and the incumbents it
/// challenges), the held-out `test` score, the permutation `control`, and the `recheck` of a program an
/// integrity finding holds out of the bests (a re-run with a fresh training seed).
public struct FollowUps: Sendable, Equatable {
    public var test: Bool
    public var control: Bool
    public var race: [String]
    public var recheck: Bool

    public init(test: Bool = false, control: Bool = false, race: [String] = [], recheck: Bool = false) {
        self.test = test
        self.control = control
        self.race = race
        self.recheck = recheck
    }

    public static let none = FollowUps()

    /// After the race ran: the race's own follow-ups decide the control; a contender that took an
    /// empty cell at once still gets that cell elite's test score; a held contender still gets its re-check.
    public func afterRace(_ raced: FollowUps) -> FollowUps {
        FollowUps(test: test || raced.test, control: raced.control, recheck: recheck || raced.recheck)
    }
}

/// Which follow-ups a placement earns: a new cell elite or a new best is scored on the held-out test
/// split (`testElites`), a new best is retrained under the permutation control (`controlBests`, when the
/// evaluator supports it). A contender races first and gets its control only once its race confirms it,
/// never on a lucky first score. A program an integrity finding holds is re-checked (`IntegrityHold.swift`).
public struct FollowUpRule: Sendable, Equatable {
    public var testElites: Bool
    public var controlBests: Bool

    public init(testElites: Bool, controlBests: Bool) {
        self.testElites = testElites
        self.controlBests = controlBests
    }

    /// After a program's first evaluation.
    public func afterFirstEvaluation(_ placement: Placement) -> FollowUps {
        guard placement.race.isEmpty else {
            return FollowUps(test: testElites && placement.isCellElite, race: placement.race, recheck: placement.needsRecheck)
        }
        return afterRace(placement)
    }

    /// After a race was settled (its placement is by the mean over all its seeds).
    public func afterRace(_ placement: Placement) -> FollowUps {
        FollowUps(
            test: testElites && (placement.isCellElite || placement.isNewBest), control: controlBests && placement.isNewBest,
            recheck: placement.needsRecheck)
    }

    /// Whether an earned held-out test run can tell anything: not for a program whose validation mean is at
    /// the evaluator's floor (it learnt nothing there; on a plateau of zeros these runs were a fifth of the
    /// evaluations). Without a floor or a mean, it runs.
    public static func testIsInformative(validationMean mean: Double?, floor: Double?) -> Bool {
        guard let mean, let floor else { return true }
        return mean > floor
    }
}
