/// The one place that writes the run's git lineage: a commit per evaluated program (its parent programs'
/// commits as parents) and the `best` / `island-<k>` refs, which move only here — after a placement,
/// after a disqualification, and when a resumed run repairs what a crash left.
final class LineageRecorder {
    let store: ProgramStore
    let lineage: GitLineage

    init(store: ProgramStore, lineage: GitLineage) {
        self.store = store
        self.lineage = lineage
    }

    /// Commits a program whose parents are committed (seeds are root commits); returns its commit id (the
    /// existing one when it has one).
    @discardableResult
    func commit(_ id: String) throws -> String? {
        guard let program = try store.program(id) else { return nil }
        if let existing = program.commitID { return existing }
        let parentCommits = try program.parents.compactMap { try store.commitID(of: $0) }
        let commitID = try lineage.commit(program, parentCommits: parentCommits)
        try store.setCommit(id, commitID)
        return commitID
    }

    /// Commits a placed program and moves the refs its placement earned.
    func record(_ id: String, island: Int, _ placement: Placement) throws {
        guard let commitID = try commit(id) else { return }
        if placement.isNewIslandBest { try lineage.point("island-\(island)", to: commitID) }
        if placement.isNewBest { try lineage.point("best", to: commitID) }
    }

    /// Points `best` and every `island-<k>` at the programs that hold the titles now (after a program
    /// was disqualified and the titles fell to others).
    func followBests() throws {
        try pointBest()
        for (island, entry) in store.islandBests().enumerated() {
            if let entry, let commitID = try store.program(entry.id)?.commitID { try lineage.point("island-\(island)", to: commitID) }
        }
    }

    /// Commits what a crash left uncommitted (telling `announce` how many first) and points `best` at
    /// the best again.
    func repair(announce: (Int) -> Void) throws {
        let missing = try store.programsWithoutCommit()
        if !missing.isEmpty { announce(missing.count) }
        for program in missing { try commit(program.id) }
        try pointBest()
    }

    private func pointBest() throws {
        if let best = try store.best(), let commitID = best.commitID { try lineage.point("best", to: commitID) }
    }
}
