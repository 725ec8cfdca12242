/// One displacement the racing rule decided: `challenger` took a cell, an island's best or the run's best
/// from `incumbent`. `PopulationState.place` emits it as `PopulationChange.displaced`, so the store keeps a
/// row of it in the same transaction as the placement, and a checker can later recompute both programs'
/// means from the evaluations as they stood and ask the rule again (`ProgramStore.displacementViolations`).
///
/// Recorded: every hand-over `place` made through `displaces` (the racing rule, an exact tie to the
/// smaller program), whatever called it — a first evaluation, a settled race, a released integrity hold,
/// and a migrated copy arriving on another island (its challenger is the copy, whose scores are its
/// original's; the checker reads the original's evaluations).
///
/// Not recorded, because no rule compared two programs there:
/// - an empty cell taken, an island without a best taking a confirmed program, a run without a best
///   taking its first (nobody is displaced);
/// - a disqualification or an integrity finding that removes a best (the island falls back to its best
///   remaining member, the run to the top island best: a removal, not a contest);
/// - a stagnation reseed, which empties the island's grid and best before its donor's copy arrives (the
///   copy then takes empty places; only a run's best it wins is a displacement, and recorded);
/// - a rescore that lowers an incumbent's mean: the incumbent keeps its place until a challenger is placed
///   against it, and that placement is what the rule decides.
public struct DisplacementRecord: Sendable, Equatable {
    /// What changed hands; the raw value is what the store keeps in `displacements.kind`.
    public enum Kind: String, Sendable, CaseIterable {
        case cell
        case islandBest = "island-best"
        case runBest = "run-best"
    }

    public var kind: Kind
    /// The program that took the place (for a cell or an island's best it may be a migrated copy; for the
    /// run's best it is always an original).
    public var challenger: String
    /// The program that held it.
    public var incumbent: String
    /// The island the challenger was placed on (for the run's best, the island whose best it became).
    public var island: Int

    public init(kind: Kind, challenger: String, incumbent: String, island: Int) {
        self.kind = kind
        self.challenger = challenger
        self.incumbent = incumbent
        self.island = island
    }
}
