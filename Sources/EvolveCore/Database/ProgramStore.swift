import EvolveSupport
import Foundation

/// The program database on SQLite: programs, the MAP-Elites grid of each island, the elite archive,
/// islands' state and the sampler's RNG. It only persists: every decision (sampling, placement, racing,
/// migration, eviction) is `PopulationState`'s, in the Population module, and the store writes the
/// changes a decision returns in the same transaction as the result that caused it, so a run killed at
/// any moment reopens consistent and continues exactly where it stopped.
///
/// ```swift
/// let store = try ProgramStore(path: "runs/demo/evolve.sqlite", config: DatabaseConfig(), seed: 42)
/// let seed = try store.add(Program(files: ["kernel.swift": source]))          // queued
/// try store.complete(seed.id, status: .evaluated, metrics: metrics, descriptors: descriptors)
/// let (parent, inspirations) = try store.sample(island: 0)
/// ```
/// One owner uses it (the evolution loop's actor); decisions read the in-memory population rebuilt at open.
public final class ProgramStore {
    public static var schemaVersion: Int { StoreMigration.all.count }
    public typealias Placement = Population.Placement
    public let config: DatabaseConfig
    /// When a program may displace another: the population's rule (one default, `RacingRule()`; the loop
    /// sets the run's).
    public var racing: RacingRule {
        get { population.racing }
        set { population.racing = newValue }
    }
    let db: SQLiteConnection
    /// The run's evaluations, findings, attempts and loop state, in the same database file.
    public let records: RunRecords
    /// The value function's stops and the finished evaluations it is fitted on.
    public var earlyStops: EarlyStopLog { EarlyStopLog(db: db) }
    /// The search state every decision reads; rebuilt from the database at open and after a rollback.
    var population: PopulationState
    private var idByHash: [String: String] = [:]

    /// What `add` did.
    public enum AddOutcome: Sendable, Equatable {
        case added(id: String)
        /// Same content as an existing program: not added, its result is reused.
        case duplicate(of: String)

        public var id: String {
            switch self {
            case .added(let id), .duplicate(let id): id
            }
        }
    }

    public init(path: String, config: DatabaseConfig = DatabaseConfig(), seed: UInt64 = 0) throws {
        self.config = config
        db = try SQLiteConnection(path: path)
        records = RunRecords(db: db)
        population = PopulationState(config: config, seed: seed)
        // Rows carry whole programs: a 64 MiB page cache keeps sampling's reads off the file system.
        try db.execute("PRAGMA cache_size = -65536")
        try migrate()
        try recordConfiguration()
        try load(seed: seed)
    }

    /// Islands and archive as the population holds them (for tests and the loop's island choice).
    var islands: [Island] { population.islands }
    var archive: [String: Double] { population.archive.scores }

    /// The run's database configuration is stored with it; reopening with a different one is refused,
    /// because the grid's bins and the islands must stay what the stored programs were placed by.
    private func recordConfiguration() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let mine = String(decoding: try encoder.encode(config), as: UTF8.self)
        if let stored = try meta("config") {
            // A stored configuration that lacks a newer key decodes with its default and still matches.
            let decoded = try? JSONDecoder().decode(DatabaseConfig.self, from: Data(stored.utf8))
            guard stored == mine || decoded == config else {
                throw StoreError(
                    kind: .configurationChanged, path: db.path,
                    message: "this run was created with another database configuration (\(stored)); resume it with the same settings")
            }
        } else {
            try setMeta("config", mine)
        }
    }

    private func migrate() throws {
        try db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        let version = Int(try meta("schema_version") ?? "0") ?? 0
        guard version <= Self.schemaVersion else {
            throw StoreError(
                kind: .newerSchema, path: db.path,
                message: "database schema version \(version) is newer than this evolve (\(Self.schemaVersion)); upgrade evolve")
        }
        for (index, step) in StoreMigration.all.enumerated() where index + 1 > version {
            try db.transaction {
                try db.execute(step.sql)
                try setMeta("schema_version", String(index + 1))
            }
        }
    }

    func meta(_ key: String) throws -> String? { try db.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?.first?.text }
    func setMeta(_ key: String, _ value: String) throws { try db.run("INSERT OR REPLACE INTO meta VALUES (?, ?)", [.text(key), .text(value)]) }

    /// Rebuilds the population from what the database holds (after a rolled-back transaction: copying the
    /// population before each decision instead would copy every island's members on each call).
    private func reloadPopulation() throws {
        population = PopulationState(config: config, racing: population.racing, seed: population.rng.state)
        idByHash = [:]
        try load(seed: population.rng.state)
    }

    private func load(seed: UInt64) throws {
        if let saved = try meta("rng_state"), let state = UInt64(saved) {
            population.restoreRNG(state: state)
        } else {
            try setMeta("rng_state", String(population.rng.state))
        }
        for row in try db.rows("SELECT island, generation, last_improvement, last_migration, best_score, best_program FROM islands") {
            population.restoreIsland(try row.int("island"), IslandRecord(
                generation: try row.int("generation"), lastImprovement: try row.int("last_improvement"),
                lastMigration: try row.int("last_migration"), bestScore: row["best_score"].real, bestProgram: row["best_program"].text))
        }
        let sql = "SELECT id, content_hash, island, score, cell, status, evicted, migrated_from, score_sd, score_n, race_target, hold FROM programs ORDER BY rowid"
        for row in try db.rows(sql) {
            let id = try row.text("id"), hash = try row.text("content_hash")
            idByHash[hash] = idByHash[hash] ?? id
            let evaluated = row["status"].text == ProgramStatus.evaluated.rawValue
            let stats = evaluated ? row["score"].real.map { ScoreStats(mean: $0, sd: row["score_sd"].real, n: Int(row["score_n"].integer ?? 1)) } : nil
            population.restoreProgram(
                id, hash: hash, island: try row.int("island"), cell: row["cell"].text, migratedFrom: row["migrated_from"].text, stats: stats,
                raceTarget: Int(row["race_target"].integer ?? 0), member: row["evicted"].integer == 0)
            if let hold = row["hold"].text.flatMap(IntegrityHold.init(rawValue:)) { population.restoreHold(id, hold) }
        }
        for row in try db.rows("SELECT island, cell, program_id, score FROM cells") {
            population.restoreCell(island: try row.int("island"), key: try row.text("cell"), Elite(id: try row.text("program_id"), score: try row.real("score")))
        }
        for row in try db.rows("SELECT program_id, score FROM archive") { population.restoreArchive(try row.text("program_id"), score: try row.real("score")) }
        population.restoreRunBest(try meta("best_program"))
    }

    /// Runs `body` (which writes and lets the population decide) in one transaction; on any failure the
    /// transaction rolls back and the population is rebuilt from the database.
    func atomically<T>(_ body: () throws -> T) throws -> T {
        do {
            return try db.transaction(body)
        } catch {
            try? reloadPopulation()
            throw error
        }
    }

    /// The tie-break sizes the population asks for (read only on an exact tie of means): evolve's own
    /// measurements (`peak_memory_bytes`, set by the TRM evaluator from the sandbox; 0 for an evaluator that
    /// measures none) and the code length, never a figure the candidate's process wrote.
    func size(_ id: String) -> ProgramSize? {
        guard let program = try? program(id) else { return nil }
        return ProgramSize(peakMemoryBytes: program.descriptors["peak_memory_bytes"] ?? 0, codeLength: program.codeLength)
    }

    // MARK: - Writes

    /// Adds a proposed program (normally `.queued`). A program whose content already exists is not added
    /// again: the proposal is recorded as a duplicate of the existing one.
    @discardableResult
    public func add(_ program: Program) throws -> AddOutcome {
        if let existing = idByHash[program.contentHash] {
            try insertProposal(existing, program, duplicate: true)
            return .duplicate(of: existing)
        }
        try db.transaction {
            try ProgramRow.insert(program, into: db)
            if program.proposal != nil { try insertProposal(program.id, program, duplicate: false) }
        }
        population.add(program.id, hash: program.contentHash, migratedFrom: program.migratedFrom)
        idByHash[program.contentHash] = program.id
        return .added(id: program.id)
    }

    private func insertProposal(_ id: String, _ p: Program, duplicate: Bool) throws {
        try db.run(
            "INSERT INTO proposals (program_id, duplicate, model, prompt_tokens, completion_tokens, cost, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(id), .integer(duplicate ? 1 : 0), p.proposal.map { .text($0.model) } ?? .null, .integer(Int64(p.proposal?.promptTokens ?? 0)),
             .integer(Int64(p.proposal?.completionTokens ?? 0)), .real(p.proposal?.costUSD ?? 0), .real(Date().timeIntervalSince1970)])
    }

    public func markEvaluating(_ id: String) throws {
        try db.run("UPDATE programs SET status = ? WHERE id = ?", [.text(ProgramStatus.evaluating.rawValue), .text(id)])
    }

    /// Records an evaluation's outcome and, for an evaluated program, lets the population place it (its
    /// grid, archive, island best, races, migration, reseed, eviction) — all one transaction.
    @discardableResult
    public func complete(
        _ id: String, status: ProgramStatus, metrics: Metrics?, descriptors: [String: Double], evaluation: EvaluationRecord? = nil,
        earlyStop: EarlyStopRecord? = nil
    ) throws -> Placement {
        guard let row = try db.rows("SELECT island FROM programs WHERE id = ?", [.text(id)]).first else {
            throw StoreError(kind: .unknownProgram, path: db.path, message: "no program \(id) to record an evaluation for; was it added to this run?")
        }
        let island = try row.int("island")
        return try atomically {
            if let evaluation { try records.insertEvaluation(evaluation, programID: id) }
            if let earlyStop { try earlyStops.insert(earlyStop) }
            var stats: ScoreStats?
            if status == .evaluated, let first = metrics?.combinedScore {
                let scores = try records.validationScores(of: id)
                stats = scores.isEmpty ? ScoreStats(mean: first) : ScoreStats(scores: scores)
            }
            try db.run(
                "UPDATE programs SET status = ?, metrics = ?, score = ?, score_sd = ?, score_n = ?, descriptors = ? WHERE id = ?",
                [.text(status.rawValue), try ProgramRow.json(metrics), stats.map { .real($0.mean) } ?? .null, stats?.sd.map { .real($0) } ?? .null,
                 .integer(Int64(stats?.n ?? 0)), try ProgramRow.json(descriptors), .text(id)])
            let placement = population.complete(
                id, island: island, stats: stats, cell: config.features.cell(descriptors), flagged: evaluation?.actsOnSelection ?? false, sizes: size)
            try apply(placement.changes)
            return placement
        }
    }

    /// Records one more ordinary validation evaluation of a program (an original) and updates its mean,
    /// SD and count everywhere it stands (its migrated copies too). Placement waits for `settle`.
    @discardableResult
    public func recordRepeat(_ id: String, _ record: EvaluationRecord) throws -> ScoreStats? {
        try atomically {
            try records.insertEvaluation(record, programID: id)
            guard try db.rows("SELECT status FROM programs WHERE id = ?", [.text(id)]).first?["status"].text == ProgramStatus.evaluated.rawValue
            else { return nil }
            let stats = ScoreStats(scores: try records.validationScores(of: id))
            try db.run(
                // `+status`: the planner would otherwise pick the status index, which holds nearly every program.
                "UPDATE programs SET score = ?, score_sd = ?, score_n = ? WHERE (id = ? OR migrated_from = ?) AND +status = 'evaluated'",
                [.real(stats.mean), stats.sd.map { .real($0) } ?? .null, .integer(Int64(stats.n)), .text(id), .text(id)])
            try apply(population.rescore(id, stats))
            return stats
        }
    }

    /// Ends a program's race: the population places it by its mean over its evaluations (it may now
    /// displace its cell's elite, its island's best, the run's best) and clears its racing mark. One transaction.
    @discardableResult
    public func settle(_ id: String) throws -> Placement {
        try atomically {
            let row = try db.rows("SELECT island, status, evicted, descriptors FROM programs WHERE id = ?", [.text(id)]).first
            var standing: (island: Int, cell: [Int])?
            if let row, row["status"].text == ProgramStatus.evaluated.rawValue, row["evicted"].integer == 0 {
                let descriptors = (try? JSONDecoder().decode([String: Double].self, from: Data((row["descriptors"].text ?? "{}").utf8))) ?? [:]
                standing = (try row.int("island"), config.features.cell(descriptors))
            }
            let placement = population.settle(id, island: standing?.island, cell: standing?.cell ?? [], sizes: size)
            try apply(placement.changes)
            return placement
        }
    }

    /// Whether `id`'s race can end now (`PopulationState.raceIsDecided`); never for unbounded scores.
    func raceIsDecided(_ id: String, scores: ClosedRange<Double>?) -> Bool { scores.map { population.raceIsDecided(id, scores: $0, sizes: size) } ?? false }

    /// Places a copy of an evaluated program on another island (how one seed starts several islands);
    /// nil when the island already holds that code.
    @discardableResult
    public func spread(_ id: String, to island: Int) throws -> String? {
        try atomically {
            let (copy, changes) = population.spread(id, to: island, sizes: size)
            try apply(changes)
            return copy
        }
    }

    /// Takes a program (and its migrated copies) out of selection for good: status `rejected`, out of
    /// every island's members, cells and best, and out of the archive. Its rows and evaluations stay, as
    /// evidence. One transaction.
    public func disqualify(_ id: String) throws {
        let victims = [id] + population.copies(of: id)
        try atomically {
            for victim in victims {
                try db.run("UPDATE programs SET status = ?, score = NULL WHERE id = ?", [.text(ProgramStatus.rejected.rawValue), .text(victim)])
            }
            try apply(population.disqualify(victims))
        }
    }

    public func setCommit(_ id: String, _ commit: String) throws {
        // Copies migrated before the original was committed share its commit.
        try db.run("UPDATE programs SET commit_id = ? WHERE id = ? OR migrated_from = ?", [.text(commit), .text(id), .text(id)])
    }

    public func setTestMetrics(_ id: String, _ metrics: Metrics) throws {
        try db.run("UPDATE programs SET test_metrics = ? WHERE id = ?", [try ProgramRow.json(metrics), .text(id)])
    }

    // MARK: - Reads

    public func program(_ id: String) throws -> Program? {
        try db.rows("SELECT \(ProgramRow.columns) FROM programs WHERE id = ?", [.text(id)]).first.map(ProgramRow.decode)
    }

    public func programs(status: ProgramStatus) throws -> [Program] {
        try db.rows("SELECT \(ProgramRow.columns) FROM programs WHERE status = ? ORDER BY created", [.text(status.rawValue)]).map(ProgramRow.decode)
    }

    /// Every program in creation order (for reports over a whole run).
    public func allPrograms() throws -> [Program] {
        try db.rows("SELECT \(ProgramRow.columns) FROM programs ORDER BY rowid").map(ProgramRow.decode)
    }

    public func count() throws -> Int { try db.rows("SELECT count(*) AS n FROM programs").first?.int("n") ?? 0 }

    /// The run's best: the program that last beat the previous best under the racing rule (always an
    /// original: a migrated copy stands for it, and the original holds the commit, the evaluations and
    /// the control).
    public func best() throws -> Program? {
        guard let id = population.bestID, let found = try program(id) else { return nil }
        return try found.migratedFrom.flatMap { try program($0) } ?? found
    }

    var bestScore: Double? { population.bestScore }

    /// The selection statistics of a program as the store holds them (its copies share them).
    public func scoreStats(of id: String) -> ScoreStats? { population.scoreStats(of: id) }

    /// Coverage, QD-score, best and mean elite per island, and over all islands' cells.
    public func statistics() -> (islands: [QDStatistics], overall: QDStatistics) { population.statistics() }

    /// One island's MAP-Elites grid: each occupied cell with its elite and score.
    public func grid(island: Int) -> [(cell: [Int], id: String, score: Double)] { population.grid(island: island) }

    /// The best program of each island (nil for an island with none yet).
    public func islandBests() -> [(id: String, score: Double)?] { population.islandBests() }

    /// Reads the database configuration a run was created with, without opening it for writing.
    public static func storedConfiguration(path: String) throws -> DatabaseConfig? {
        let db = try SQLiteConnection(path: path)
        guard let text = try db.query("SELECT value FROM meta WHERE key = 'config'").first?.first?.text else { return nil }
        return try JSONDecoder().decode(DatabaseConfig.self, from: Data(text.utf8))
    }

    /// The island of the next proposal, drawn by the islands' confirmed progress
    /// (`PopulationState.chooseIsland`); stores the RNG. Nil when no island has an evaluated member.
    public func nextIsland() throws -> Int? {
        let island = population.chooseIsland()
        try setMeta("rng_state", String(population.rng.state))
        return island
    }

    /// A parent from `island` and its inspirations, as the population samples them; stores the RNG.
    public func sample(island: Int) throws -> (parent: Program, inspirations: [Program]) {
        guard let sample = population.sample(island: island) else {
            throw StoreError(kind: .emptyIsland, path: db.path, message: "island \(island) has no evaluated program to sample; evaluate a seed on it first")
        }
        try setMeta("rng_state", String(population.rng.state))
        guard let parent = try program(sample.parent) else {
            throw StoreError(kind: .unknownProgram, path: db.path, message: "sampled program \(sample.parent) is missing; the database was changed outside evolve")
        }
        return (parent, try sample.inspirations.compactMap { try program($0) })
    }

    /// Writes what a population decision changed (inside the caller's transaction).
    func apply(_ changes: [PopulationChange]) throws {
        for change in changes {
            switch change {
            case .island(let island, let r):
                try db.run(
                    "INSERT OR REPLACE INTO islands (island, generation, last_improvement, last_migration, best_score, best_program) VALUES (?, ?, ?, ?, ?, ?)",
                    [.integer(Int64(island)), .integer(Int64(r.generation)), .integer(Int64(r.lastImprovement)), .integer(Int64(r.lastMigration)),
                     r.bestScore.map { .real($0) } ?? .null, r.bestProgram.map { .text($0) } ?? .null])
            case .cell(let island, let key, let elite):
                try db.run("INSERT OR REPLACE INTO cells (island, cell, program_id, score) VALUES (?, ?, ?, ?)",
                           [.integer(Int64(island)), .text(key), .text(elite.id), .real(elite.score)])
            case .clearCells(let island): try db.run("DELETE FROM cells WHERE island = ?", [.integer(Int64(island))])
            case .removeFromCells(let id): try db.run("DELETE FROM cells WHERE program_id = ?", [.text(id)])
            case .assignCell(let id, let key): try db.run("UPDATE programs SET cell = ? WHERE id = ?", [.text(key), .text(id)])
            case .archive(let id, let score): try db.run("INSERT OR REPLACE INTO archive (program_id, score) VALUES (?, ?)", [.text(id), .real(score)])
            case .unarchive(let id): try db.run("DELETE FROM archive WHERE program_id = ?", [.text(id)])
            case .evict(let id): try db.run("UPDATE programs SET evicted = 1 WHERE id = ?", [.text(id)])
            case .evictIsland(let island):
                try db.run(
                    "UPDATE programs SET evicted = 1 WHERE island = ? AND status = 'evaluated' AND evicted = 0 AND id NOT IN (SELECT program_id FROM archive)",
                    [.integer(Int64(island))])
            case .copy(let migrant): try insertCopy(migrant)
            case .runBest(let id?): try setMeta("best_program", id)
            case .runBest(nil): try db.run("DELETE FROM meta WHERE key = 'best_program'")
            case .raceTarget(let id, let target): try db.run("UPDATE programs SET race_target = ? WHERE id = ?", [.integer(Int64(target)), .text(id)])
            case .hold(let id, let hold): try db.run("UPDATE programs SET hold = ? WHERE id = ?", [hold.map { .text($0.rawValue) } ?? .null, .text(id)])
            case .displaced(let record): try insertDisplacement(record)
            }
        }
    }

    /// A migrated copy's row: the original's content, metrics, descriptors and commit, on another island.
    private func insertCopy(_ migrant: Migrant) throws {
        guard let original = try program(migrant.original) else {
            throw StoreError(kind: .unknownProgram, path: db.path, message: "no program \(migrant.original) to copy to island \(migrant.island)")
        }
        let copy = Program(
            id: migrant.id, files: original.files, parents: [migrant.original], island: migrant.island, generation: migrant.generation,
            iteration: migrant.iteration, status: .evaluated, metrics: original.metrics, descriptors: original.descriptors,
            commitID: original.commitID, proposal: nil, migratedFrom: migrant.original, scoreStats: migrant.stats)
        try ProgramRow.insert(copy, into: db)
    }
}
