import EvolveSupport
import Foundation

/// The search policy of a run as one value: the islands with their members and MAP-Elites grids, the
/// elite archive, the racing marks, the run's best and the sampler's RNG — and every decision over them.
///
/// It never reads or writes storage: each decision returns what changed (`Placement`, `PopulationChange`)
/// and the store persists it; a store rebuilds the value at open with the `restore…` calls.
///
/// ```swift
/// var population = PopulationState(config: DatabaseConfig(), seed: 42)
/// population.add("a", hash: "h1")
/// let placement = population.complete("a", island: 0, stats: ScoreStats(mean: 0.5), cell: [1, 2], sizes: { _ in nil })
/// // placement.isCellElite, placement.race (who runs again before it may displace anyone), placement.changes
/// ```
///
/// Where to read what: when a child displaces an elite and whom it races, `Displacement.swift`; what
/// runs next, `Placement.swift` (`FollowUpRule`); parents and inspirations, `Sampler.swift`; migration,
/// stagnation and eviction, `IslandUpkeep.swift`.
public struct PopulationState: Sendable {
    public let config: DatabaseConfig
    /// When a program may displace another (one default everywhere: `RacingRule()`, 3 repeats).
    public var racing: RacingRule
    public internal(set) var rng: SplitMix64
    public internal(set) var islands: [Island]
    public internal(set) var archive: Archive
    /// Content hash of every program: ids are random, so orderings that feed the RNG use hashes to stay
    /// identical between runs fed the same results.
    var hashOf: [String: String] = [:]
    /// Migrated copy → the program it was copied from (never migrated again).
    var originalOf: [String: String] = [:]
    var copiesOf: [String: [String]] = [:]
    var cellOf: [String: String] = [:]
    /// Selection statistics of every evaluated program with a score (copies carry their original's).
    var statsOf: [String: ScoreStats] = [:]
    /// Programs whose race is not settled: id → the evaluation count it races to (protected from eviction).
    public internal(set) var raceTarget: [String: Int] = [:]
    /// The run's best (an original, never a copy): it changes only when a confirmed program beats it.
    var runBest: String?
    /// Originals an integrity finding keeps from the bests (`IntegrityHold.swift`).
    public internal(set) var holds: [String: IntegrityHold] = [:]
    /// Writes collected while a decision runs, handed to the caller with its result.
    var pending: [PopulationChange] = []

    public init(config: DatabaseConfig, racing: RacingRule = RacingRule(), seed: UInt64) {
        self.config = config
        self.racing = racing
        rng = SplitMix64(seed: seed)
        islands = Array(repeating: Island(), count: config.islands)
        archive = Archive(capacity: config.archiveSize)
    }

    // MARK: - Rebuilding from storage

    package mutating func restoreRNG(state: UInt64) { rng.state = state }

    package mutating func restoreIsland(_ island: Int, _ record: IslandRecord) {
        guard islands.indices.contains(island) else { return }
        islands[island].record = record
    }

    /// One stored program, in insertion order: `stats` when it is evaluated with a score, `member` when
    /// it is also not evicted (it stands on its island).
    package mutating func restoreProgram(
        _ id: String, hash: String, island: Int, cell: String?, migratedFrom: String?, stats: ScoreStats?, raceTarget target: Int, member: Bool
    ) {
        add(id, hash: hash, migratedFrom: migratedFrom)
        if let cell { cellOf[id] = cell }
        guard let stats else { return }
        statsOf[id] = stats
        if target > 0 { raceTarget[id] = target }
        if member, islands.indices.contains(island) { islands[island].members.insert(id, score: stats.mean, hash: hash) }
    }

    package mutating func restoreCell(island: Int, key: String, _ elite: Elite) {
        guard islands.indices.contains(island) else { return }
        islands[island].cells[key] = elite
    }

    package mutating func restoreArchive(_ id: String, score: Double) { archive.restore(id, score: score) }

    /// The stored best; a run from before racing kept none of its own: it was the top island best.
    package mutating func restoreRunBest(_ id: String?) { runBest = id ?? fallbackBest() }

    // MARK: - Programs

    /// Registers a program the population may later place (a proposed child, a seed).
    public mutating func add(_ id: String, hash: String, migratedFrom: String? = nil) {
        hashOf[id] = hash
        if let migratedFrom {
            originalOf[id] = migratedFrom
            copiesOf[migratedFrom, default: []].append(id)
        }
    }

    /// The original of a migrated copy (itself otherwise).
    public func originalID(_ id: String) -> String { originalOf[id] ?? id }

    /// The program's direct migrated copies.
    public func copies(of id: String) -> [String] { copiesOf[id] ?? [] }

    /// The selection statistics of a program as the population holds them (its copies share them).
    public func scoreStats(of id: String) -> ScoreStats? { statsOf[id] }

    func stats(_ id: String) -> ScoreStats {
        statsOf[id] ?? ScoreStats(mean: islands.lazy.compactMap { $0.members[id] }.first ?? 0)
    }

    /// The run's best as an original: the program that last beat the previous best under the racing
    /// rule, or (a run from before racing) the top island best.
    public var bestID: String? { runBest ?? fallbackBest() }

    public var bestScore: Double? { bestID.map { stats($0).mean } }

    /// The top island best by mean (ties broken by content hash, for determinism), as an original.
    func fallbackBest() -> String? {
        let bests = islands.compactMap { island in island.bestProgram.map { ($0, island.bestScore ?? 0) } }
        return bests.max(by: { ($0.1, hashOf[$1.0] ?? "") < ($1.1, hashOf[$0.0] ?? "") }).map { originalID($0.0) }
    }

    /// The best program of each island (nil for an island with none yet).
    public func islandBests() -> [(id: String, score: Double)?] {
        islands.map { island in island.bestProgram.map { ($0, island.bestScore ?? 0) } }
    }

    /// One island's MAP-Elites grid: each occupied cell with its elite and score.
    public func grid(island: Int) -> [(cell: [Int], id: String, score: Double)] {
        guard islands.indices.contains(island) else { return [] }
        return islands[island].cells.map { (FeatureSpace.cell(fromKey: $0.key), $0.value.id, $0.value.score) }
            .sorted { $0.cell.lexicographicallyPrecedes($1.cell) }
    }

    /// Coverage, QD-score, best and mean elite per island, and over all islands' cells.
    public func statistics() -> (islands: [QDStatistics], overall: QDStatistics) {
        let perIsland = islands.map { QDStatistics(eliteScores: $0.cells.values.map(\.score), totalCells: config.features.cellCount) }
        var merged: [String: Double] = [:]
        for island in islands {
            for (key, elite) in island.cells { merged[key] = max(merged[key] ?? -.infinity, elite.score) }
        }
        return (perIsland, QDStatistics(eliteScores: Array(merged.values), totalCells: config.features.cellCount))
    }

    // MARK: - Decisions that change the population

    /// A program's first evaluation ended: the island's generation advances; an evaluated program
    /// (`stats` non-nil) is raced if it is a contender and placed by its score so far; then the island
    /// migrates, reseeds and the population evicts as due. A `flagged` evaluation (a finding that acts on
    /// selection) holds the program out of the bests until its re-check (`IntegrityHold.swift`).
    public mutating func complete(
        _ id: String, island: Int, stats: ScoreStats?, cell: [Int], flagged: Bool = false, sizes: (String) -> ProgramSize?
    ) -> Placement {
        let before = records()
        var placement = Placement(cell: cell)
        islands[island].generation += 1
        if let stats {
            if flagged, holds[id] == nil {
                setHold(id, .awaitingRecheck)
                placement.needsRecheck = true
            }
            placement.race = raceFor(id, first: stats.mean, stats: stats, island: island, cell: cell)
            place(id, stats: stats, island: island, cell: cell, into: &placement, sizes: sizes)
        }
        placement.migrated = migrateIfDue(from: island, sizes: sizes)
        placement.reseeded = reseedIfStagnant(island, sizes: sizes)
        placement.evicted = evictIfOverCap()
        placement.changes = finish(since: before, always: [island])
        return placement
    }

    /// Ends a program's race: clears its racing mark and, when it still stands (`island` non-nil: it is
    /// evaluated and not evicted), places it by its mean over all its evaluations.
    public mutating func settle(_ id: String, island: Int?, cell: [Int], sizes: (String) -> ProgramSize?) -> Placement {
        let before = records()
        var placement = Placement()
        setRaceTarget(id, 0)
        if let island, let stats = statsOf[id] {
            placement.cell = cell
            place(id, stats: stats, island: island, cell: cell, into: &placement, sizes: sizes)
        }
        placement.changes = finish(since: before, always: island.map { [$0] } ?? [])
        return placement
    }

    /// New selection statistics of an original after one more evaluation: it and its copies carry them
    /// in their islands' members, cells, bests and the archive. Placement waits for `settle`.
    public mutating func rescore(_ id: String, _ stats: ScoreStats) -> [PopulationChange] {
        let before = records()
        for member in [id] + copies(of: id) {
            statsOf[member] = stats
            for island in islands.indices where islands[island].members[member] != nil {
                islands[island].members.insert(member, score: stats.mean, hash: hashOf[member] ?? member)
                if let key = cellOf[member], islands[island].cells[key]?.id == member {
                    islands[island].cells[key] = Elite(id: member, score: stats.mean)
                    pending.append(.cell(island: island, key: key, Elite(id: member, score: stats.mean)))
                }
                if islands[island].bestProgram == member { islands[island].record.bestScore = stats.mean }
            }
            if archive.rescore(member, stats.mean) { pending.append(.archive(id: member, score: stats.mean)) }
        }
        return finish(since: before, always: [])
    }

    /// Places a copy of an evaluated program on another island (how one seed starts several islands);
    /// no change when the island already holds that code.
    public mutating func spread(_ id: String, to island: Int, sizes: (String) -> ProgramSize?) -> (copy: String?, changes: [PopulationChange]) {
        let before = records()
        let copied = copy(id, to: island, iteration: 0, sizes: sizes)
        return (copied, finish(since: before, always: [island]))
    }

    /// Takes programs (an original and its copies) out of selection for good: out of every island's
    /// members, cells and best, and out of the archive. Islands whose best it was fall back to their best
    /// remaining member not held by an integrity finding, raced members first; the run's best falls back
    /// to the top island best.
    public mutating func disqualify(_ victims: [String]) -> [PopulationChange] {
        let before = records()
        for victim in victims {
            pending.append(.removeFromCells(id: victim))
            pending.append(.unarchive(id: victim))
            archive.remove(victim)
            for island in islands.indices {
                islands[island].members.remove(victim, hash: hashOf[victim] ?? victim)
                islands[island].cells = islands[island].cells.filter { $0.value.id != victim }
                if islands[island].bestProgram == victim {
                    let next = islands[island].members.order.filter { hold(of: $0) == nil }
                        .compactMap { member in islands[island].members[member].map { (member, $0) } }
                        .max { (confirmedRank($0.0), $0.1, hashOf[$1.0] ?? "") < (confirmedRank($1.0), $1.1, hashOf[$0.0] ?? "") }
                    islands[island].record.bestProgram = next?.0
                    islands[island].record.bestScore = next?.1
                }
            }
            raceTarget[victim] = nil
        }
        if let best = runBest, victims.contains(best) { setRunBest(fallbackBest()) }
        return finish(since: before, always: Array(islands.indices))
    }

    // MARK: - Bookkeeping

    func records() -> [IslandRecord] { islands.map(\.record) }

    /// The collected writes, then the record of every island that changed (or must be written anyway).
    mutating func finish(since before: [IslandRecord], always: [Int]) -> [PopulationChange] {
        var changes = pending
        pending = []
        for island in islands.indices where always.contains(island) || islands[island].record != before[island] {
            changes.append(.island(island, islands[island].record))
        }
        return changes
    }

    mutating func setRunBest(_ id: String?) {
        runBest = id
        pending.append(.runBest(id))
    }

    mutating func setRaceTarget(_ id: String, _ target: Int) {
        raceTarget[id] = target > 0 ? target : nil
        pending.append(.raceTarget(id: id, target))
    }

    func confirmedRank(_ id: String) -> Int { racing.isConfirmed(stats(id)) ? 1 : 0 }
}
