import Foundation

/// What happens to islands besides placement, inside the same decision (`PopulationState.complete`): ring
/// migration, FunSearch's stagnation reseed, and eviction beyond the population cap.
extension PopulationState {
    /// Copies an evaluated program onto `island` as a migrant (a new id, the same content, cell and
    /// scores) and places it there; nil when the island already holds that code or the program has no
    /// score.
    mutating func copy(_ id: String, to island: Int, iteration: Int, sizes: (String) -> ProgramSize?) -> String? {
        guard let stats = statsOf[id], let hash = hashOf[id], let key = cellOf[id] else { return nil }
        guard !islands[island].members.contains(hash: hash) else { return nil }
        let migrantID = UUID().uuidString.lowercased()
        pending.append(.copy(Migrant(id: migrantID, original: id, island: island, generation: islands[island].generation, iteration: iteration, stats: stats)))
        add(migrantID, hash: hash, migratedFrom: id)
        var ignored = Placement()
        place(migrantID, stats: stats, island: island, cell: FeatureSpace.cell(fromKey: key), into: &ignored, sizes: sizes)
        return migrantID
    }

    /// Every `migrationInterval` island generations, island i sends copies of its best native cell
    /// elites (`migrationRate` of its filled cells, at least one) to island i + 1.
    mutating func migrateIfDue(from island: Int, sizes: (String) -> ProgramSize?) -> [String] {
        guard config.islands > 1, islands[island].generation - islands[island].record.lastMigration >= config.migrationInterval else { return [] }
        islands[island].record.lastMigration = islands[island].generation
        let target = (island + 1) % config.islands
        // Migrants are the island's best cell elites that are natives: the grid bounds the count, where a
        // fraction of the whole population would compound as the run grows.
        let natives = islands[island].cells.values.filter { originalOf[$0.id] == nil }
            .sorted { ($0.score, hashOf[$1.id] ?? "") > ($1.score, hashOf[$0.id] ?? "") }.map(\.id)
        let count = max(1, Int((Double(islands[island].cells.count) * config.migrationRate).rounded()))
        var moved: [String] = []
        for id in natives.prefix(count) {
            if let migrant = copy(id, to: target, iteration: islands[island].generation, sizes: sizes) { moved.append(migrant) }
        }
        return moved
    }

    /// FunSearch's reset: an island without a new best for `stagnationGenerations` loses its grid and its
    /// members outside the archive, and is reseeded with the best program of the best other island.
    mutating func reseedIfStagnant(_ island: Int, sizes: (String) -> ProgramSize?) -> Bool {
        guard config.islands > 1, islands[island].generation - islands[island].record.lastImprovement >= config.stagnationGenerations else { return false }
        let donors = (0..<config.islands).filter { $0 != island && islands[$0].bestProgram != nil }
        guard let donor = donors.max(by: { (islands[$0].bestScore ?? -1, $1) < (islands[$1].bestScore ?? -1, $0) }),
              let best = islands[donor].bestProgram else { return false }
        pending.append(.clearCells(island: island))
        islands[island].cells = [:]
        islands[island].record.bestScore = nil
        islands[island].record.bestProgram = nil
        pending.append(.evictIsland(island))
        // One pass over the members: removing them one by one was quadratic in the island's size (25k
        // members at 100k programs).
        let hashOf = self.hashOf, archive = self.archive
        islands[island].members.removeAll { id in archive[id] == nil ? (hashOf[id] ?? id) : nil }
        _ = copy(best, to: island, iteration: islands[island].generation, sizes: sizes)
        islands[island].record.lastImprovement = islands[island].generation
        return true
    }

    /// Evicts the weakest evaluated programs beyond `populationCap`; never a cell elite, an archive
    /// member, an island's best or a program in a race.
    mutating func evictIfOverCap() -> [String] {
        let total = islands.reduce(0) { $0 + $1.members.count }
        guard total > config.populationCap else { return [] }
        var protected = Set(archive.scores.keys).union(raceTarget.keys)
        for island in islands {
            protected.formUnion(island.cells.values.map(\.id))
            if let best = island.bestProgram { protected.insert(best) }
        }
        var candidates: [(id: String, island: Int, score: Double)] = []
        for (index, island) in islands.enumerated() {
            for id in island.members.order where !protected.contains(id) { candidates.append((id, index, island.members[id]!)) }
        }
        candidates.sort { ($0.score, $0.id) < ($1.score, $1.id) }
        var evicted: [String] = []
        for victim in candidates.prefix(total - config.populationCap) {
            islands[victim.island].members.remove(victim.id, hash: hashOf[victim.id] ?? victim.id)
            pending.append(.evict(id: victim.id))
            evicted.append(victim.id)
        }
        return evicted
    }
}
