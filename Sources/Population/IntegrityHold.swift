/// Where a program stands with the integrity findings that act on selection (docs/candidate-protocol.md,
/// "What a flag does"): a flagged score may not come from learning within the budget, so it must not make
/// the program the run's best, nor an island's best (the parent that island's sampling and migration
/// favour), until a re-check shows the finding was not the program's doing.
///
/// The rule, in order:
/// 1. A program whose first evaluation carries a finding (`PopulationState.complete`, `flagged`) is held
///    `awaitingRecheck`; `Placement.needsRecheck` asks the loop (through `FollowUpRule`) for one re-run with
///    a fresh training seed. It still joins its island's members, its cell and the archive by its score:
///    the grid keeps its diversity, only the bests are closed to it.
/// 2. The re-check's verdict (`PopulationState.recheck`): clean releases it and places it again by its
///    mean, so it may take the bests it had earned; flagged again makes the hold `persisted` for good.
extension PopulationState {
    /// The hold on a program (a migrated copy carries its original's), nil when none.
    public func hold(of id: String) -> IntegrityHold? { holds[originalID(id)] }

    /// The re-check of a held program came back: `clean` (no finding that acts on selection) releases it
    /// and, when it still stands (`island` non-nil), places it by its mean over all its evaluations; a
    /// finding again keeps it out of the bests for good. No change for a program not awaiting a re-check.
    public mutating func recheck(_ id: String, clean: Bool, island: Int?, cell: [Int], sizes: (String) -> ProgramSize?) -> Placement {
        let before = records()
        var placement = Placement()
        guard holds[id] == .awaitingRecheck else { return placement }
        if clean {
            setHold(id, nil)
            if let island, let stats = statsOf[id] {
                placement.cell = cell
                place(id, stats: stats, island: island, cell: cell, into: &placement, sizes: sizes)
            }
        } else {
            setHold(id, .persisted)
        }
        placement.changes = finish(since: before, always: island.map { [$0] } ?? [])
        return placement
    }

    package mutating func restoreHold(_ id: String, _ hold: IntegrityHold?) { holds[id] = hold }

    mutating func setHold(_ id: String, _ hold: IntegrityHold?) {
        holds[id] = hold
        pending.append(.hold(id: id, hold))
    }
}

/// A program's hold under the integrity findings that act on selection (see `PopulationState.hold(of:)`);
/// the raw value is what the store keeps in the program's `hold` column.
public enum IntegrityHold: String, Sendable, Equatable {
    /// An evaluation carried a finding: no best until a re-run with a fresh training seed comes back clean.
    case awaitingRecheck = "recheck"
    /// The re-check carried a finding as well: it never becomes a best.
    case persisted
}
