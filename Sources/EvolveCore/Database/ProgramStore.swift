import EvolveSupport
import Foundation

/// The program database on SQLite: programs, the MAP-Elites grid of each island, the elite archive,
/// islands' state and the sampler's RNG, every state change in one transaction, so a run killed at any
/// moment reopens consistent and continues exactly where it stopped.
///
/// ```swift
/// let store = try ProgramStore(path: "runs/demo/evolve.sqlite", config: DatabaseConfig(), seed: 42)
/// let seed = try store.add(Program(files: ["kernel.swift": source]))          // queued
/// try store.complete(seed.id, status: .evaluated, metrics: metrics, descriptors: descriptors)
/// let (parent, inspirations) = try store.sample(island: 0)
/// ```
/// One owner uses it (the evolution loop's actor); reads for sampling come from an in-memory mirror
/// rebuilt at open.
public final class ProgramStore {
    public static let schemaVersion = 5
    public let config: DatabaseConfig
    /// When a program may displace another (the loop sets the run's rule; a bare store keeps the
    /// single-evaluation rule, strictly higher wins).
    public var racing = RacingRule(repeats: 1)
    let db: SQLiteConnection
    private(set) var rng: SplitMix64

    /// In-memory mirror of what sampling needs.
    struct IslandState: Equatable {
        var generation = 0
        var lastImprovement = 0
        var lastMigration = 0
    var bestScore: Double?
        var bestProgram: String?
        /// Evaluated, non-evicted members in insertion order (the order a reopened store loads them in).
        var members = MemberSet()
        /// Cell key → (elite id, score).
        var cells: [String: (id: String, score: Double)] = [:]

        static func == (a: IslandState, b: IslandState) -> Bool {
            a.generation == b.generation && a.bestProgram == b.bestProgram && a.members == b.members
                && a.cells.mapValues(\.id) == b.cells.mapValues(\.id)
        }
    }
    /// An island's members: scores by id, insertion order for uniform picks by index, and how many
    /// members carry each content hash (no duplicate code on an island).
    struct MemberSet: Equatable {
        private(set) var scores: [String: Double] = [:]
        private(set) var order: [String] = []
        private(set) var hashCounts: [String: Int] = [:]

        var count: Int { order.count }
        var isEmpty: Bool { order.isEmpty }
        subscript(id: String) -> Double? { scores[id] }
        func contains(hash: String) -> Bool { (hashCounts[hash] ?? 0) > 0 }

        mutating func insert(_ id: String, score: Double, hash: String) {
            if scores[id] == nil {
                order.append(id)
                hashCounts[hash, default: 0] += 1
            }
            scores[id] = score
        }

        /// Removes, in one pass, every member for which `hashIfRemoved` returns its content hash.
        mutating func removeAll(_ hashIfRemoved: (String) -> String?) {
            var kept: [String] = []
            kept.reserveCapacity(order.count)
            for id in order {
                if let hash = hashIfRemoved(id) {
                    scores[id] = nil
                    hashCounts[hash, default: 1] -= 1
                } else {
                    kept.append(id)
                }
            }
            order = kept
        }

        /// Ordered removal keeps the live order equal to the reload order (resume determinism).
        mutating func remove(_ id: String, hash: String) {
            guard scores.removeValue(forKey: id) != nil else { return }
            order.removeAll { $0 == id }
            hashCounts[hash, default: 1] -= 1
        }
    }

    private(set) var islands: [IslandState]
    private(set) var archive: [String: Double] = [:]
    private var idByHash: [String: String] = [:]
    /// Content hash of every program: ids are random, so orderings that feed the RNG use hashes to stay
    /// identical between runs fed the same results.
    private var hashOf: [String: String] = [:]
    /// Programs that are migrated copies (never migrated again).
    private var migrantIDs = Set<String>()
    private var cellOf: [String: String] = [:]
    /// Selection statistics of every evaluated program with a score (copies carry their original's).
    private var statsOf: [String: ScoreStats] = [:]
    /// Programs whose race is not settled: id → the evaluation count it races to (protected from eviction).
    private var raceTarget: [String: Int] = [:]
    /// The run's best (an original, never a copy): it changes only when a confirmed program beats it.
    private var runBest: String?

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

    /// What `complete` did with an evaluated program.
    public struct Placement: Sendable, Equatable {
        public var cell: [Int]
        /// It became the elite of its cell (empty cell, or strictly better than the incumbent).
        public var isCellElite: Bool
        public var replaced: String?
        public var isNewIslandBest: Bool
        public var isNewBest: Bool
        public var migrated: [String]
        public var reseeded: Bool
        public var evicted: [String]
        /// Programs (originals) to evaluate with more training seeds before this one's race is settled:
        /// the contender itself and incumbents it races that have fewer than `repeats` evaluations.
        public var race: [String] = []
    }

    public init(path: String, config: DatabaseConfig = DatabaseConfig(), seed: UInt64 = 0) throws {
        self.config = config
        db = try SQLiteConnection(path: path)
        rng = SplitMix64(seed: seed)
        islands = Array(repeating: IslandState(), count: config.islands)
        // Rows carry whole programs: a 64 MiB page cache keeps sampling's reads off the file system.
        try db.execute("PRAGMA cache_size = -65536")
        try migrate()
        try recordConfiguration()
        try load(seed: seed)
    }

    /// The run's database configuration is stored with it; reopening with a different one is refused,
    /// because the grid's bins and the islands must stay what the stored programs were placed by.
    private func recordConfiguration() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let mine = String(decoding: try encoder.encode(config), as: UTF8.self)
        if let stored = try db.query("SELECT value FROM meta WHERE key = 'config'").first?.first?.text {
            guard stored == mine else {
                throw SQLiteError(
                    code: 1, message: "this run was created with another database configuration (\(stored)); resume it with the same settings",
                    path: db.path, sql: nil)
            }
        } else {
            try db.run("INSERT INTO meta VALUES ('config', ?)", [.text(mine)])
        }
    }

    // MARK: - Schema

    private func migrate() throws {
        try db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        let version = Int(try db.query("SELECT value FROM meta WHERE key = 'schema_version'").first?.first?.text ?? "0") ?? 0
        guard version <= Self.schemaVersion else {
            throw SQLiteError(code: 1, message: "database schema version \(version) is newer than this evolve (\(Self.schemaVersion)); upgrade evolve", path: db.path, sql: nil)
        }
        let migrations: [String] = [
            // 1: the initial schema.
            """
            CREATE TABLE programs (
                id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, files TEXT NOT NULL, parents TEXT NOT NULL,
                island INTEGER NOT NULL, generation INTEGER NOT NULL, iteration INTEGER NOT NULL, status TEXT NOT NULL,
                metrics TEXT, test_metrics TEXT, score REAL, descriptors TEXT NOT NULL, commit_id TEXT,
                created REAL NOT NULL, proposal TEXT, migrated_from TEXT, cell TEXT, evicted INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX programs_hash ON programs(content_hash);
            CREATE INDEX programs_status ON programs(status);
            CREATE TABLE cells (island INTEGER NOT NULL, cell TEXT NOT NULL, program_id TEXT NOT NULL REFERENCES programs(id),
                score REAL NOT NULL, PRIMARY KEY (island, cell));
            CREATE TABLE archive (program_id TEXT PRIMARY KEY REFERENCES programs(id), score REAL NOT NULL);
            CREATE TABLE islands (island INTEGER PRIMARY KEY, generation INTEGER NOT NULL, last_improvement INTEGER NOT NULL,
                last_migration INTEGER NOT NULL, best_score REAL, best_program TEXT);
            CREATE TABLE proposals (id INTEGER PRIMARY KEY AUTOINCREMENT, program_id TEXT NOT NULL, duplicate INTEGER NOT NULL,
                model TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, cost REAL, created REAL NOT NULL);
            """,
            // 2: every evaluation with its artifacts, and the attempts shown to the proposer.
            """
            CREATE TABLE evaluations (id INTEGER PRIMARY KEY AUTOINCREMENT, program_id TEXT NOT NULL REFERENCES programs(id),
                split TEXT NOT NULL, training_seed INTEGER NOT NULL, outcome TEXT NOT NULL, metrics TEXT, artifacts TEXT NOT NULL,
                build_seconds REAL NOT NULL, total_seconds REAL NOT NULL, created REAL NOT NULL);
            CREATE INDEX evaluations_program ON evaluations(program_id);
            CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, iteration INTEGER NOT NULL, parent_id TEXT NOT NULL,
                program_id TEXT, outcome TEXT NOT NULL, change TEXT NOT NULL, detail TEXT NOT NULL, score_change REAL,
                proposal TEXT, created REAL NOT NULL);
            CREATE INDEX attempts_parent ON attempts(parent_id);
            """,
            // 3: control runs (the permutation control) are stored beside ordinary evaluations.
            """
            ALTER TABLE evaluations ADD COLUMN kind TEXT NOT NULL DEFAULT 'ordinary';
            """,
            // 4: racing over training seeds: a program's score is the mean of its evaluations, with their SD
            // and count; a race in progress; the best's re-scoring with fresh seeds.
            """
            ALTER TABLE programs ADD COLUMN score_sd REAL;
            ALTER TABLE programs ADD COLUMN score_n INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE programs ADD COLUMN race_target INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE programs ADD COLUMN assessment TEXT;
            UPDATE programs SET score_n = 1 WHERE score IS NOT NULL;
            """,
            // 5: a program's migrated copies are found by an index, not a scan: `setCommit` and the score
            // updates touch them on every iteration, and a scan made committing 100k programs quadratic.
            """
            CREATE INDEX programs_migrated_from ON programs(migrated_from);
            """,
        ]
        for (index, sql) in migrations.enumerated() where index + 1 > version {
            try db.transaction {
                try db.execute(sql)
                try db.run("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [.text(String(index + 1))])
            }
        }
    }

    private func reloadMirror() throws {
        islands = Array(repeating: IslandState(), count: config.islands)
        archive = [:]
        idByHash = [:]
        hashOf = [:]
        cellOf = [:]
        migrantIDs = []
        statsOf = [:]
        raceTarget = [:]
        runBest = nil
        try load(seed: rng.state)
    }

    private func load(seed: UInt64) throws {
        if let saved = try db.query("SELECT value FROM meta WHERE key = 'rng_state'").first?.first?.text, let state = UInt64(saved) {
            rng = SplitMix64(seed: 0)
            rng.state = state
        } else {
            try db.run("INSERT OR REPLACE INTO meta VALUES ('rng_state', ?)", [.text(String(rng.state))])
        }
        for row in try db.query("SELECT island, generation, last_improvement, last_migration, best_score, best_program FROM islands") {
            let i = Int(row[0].integer!)
            guard i < islands.count else { continue }
            islands[i].generation = Int(row[1].integer!)
            islands[i].lastImprovement = Int(row[2].integer!)
            islands[i].lastMigration = Int(row[3].integer!)
            islands[i].bestScore = row[4].real
            islands[i].bestProgram = row[5].text
        }
        runBest = try db.query("SELECT value FROM meta WHERE key = 'best_program'").first?.first?.text
        for row in try db.query(
            "SELECT id, content_hash, island, score, cell, status, evicted, migrated_from IS NOT NULL, score_sd, score_n, race_target FROM programs ORDER BY rowid"
        ) {
            let id = row[0].text!
            if row[7].integer == 1 { migrantIDs.insert(id) }
            idByHash[row[1].text!] = idByHash[row[1].text!] ?? id
            hashOf[id] = row[1].text!
            if let cell = row[4].text { cellOf[id] = cell }
            if row[5].text == ProgramStatus.evaluated.rawValue, let score = row[3].real {
                statsOf[id] = ScoreStats(mean: score, sd: row[8].real, n: Int(row[9].integer ?? 1))
                if let target = row[10].integer, target > 0 { raceTarget[id] = Int(target) }
                if row[6].integer == 0 {
                    let island = Int(row[2].integer!)
                    if island < islands.count { islands[island].members.insert(id, score: score, hash: row[1].text!) }
                }
            }
        }
        for row in try db.query("SELECT island, cell, program_id, score FROM cells") {
            let island = Int(row[0].integer!)
            if island < islands.count { islands[island].cells[row[1].text!] = (row[2].text!, row[3].real!) }
        }
        for row in try db.query("SELECT program_id, score FROM archive") { archive[row[0].text!] = row[1].real! }
        // A run from before racing kept no best of its own: it was the top island best.
        if runBest == nil { runBest = fallbackBest() }
    }

    // MARK: - Writes

    /// Adds a proposed program (normally `.queued`). A program whose content already exists is not added
    /// again: the proposal is recorded as a duplicate of the existing one.
    @discardableResult
    public func add(_ program: Program) throws -> AddOutcome {
        if let existing = idByHash[program.contentHash] {
            try db.run(
                "INSERT INTO proposals (program_id, duplicate, model, prompt_tokens, completion_tokens, cost, created) VALUES (?, 1, ?, ?, ?, ?, ?)",
                proposalBindings(existing, program))
            return .duplicate(of: existing)
        }
        try db.transaction {
            try insertRow(program)
            if program.proposal != nil {
                try db.run(
                    "INSERT INTO proposals (program_id, duplicate, model, prompt_tokens, completion_tokens, cost, created) VALUES (?, 0, ?, ?, ?, ?, ?)",
                    proposalBindings(program.id, program))
            }
        }
        idByHash[program.contentHash] = program.id
        return .added(id: program.id)
    }

    public func markEvaluating(_ id: String) throws {
        try db.run("UPDATE programs SET status = ? WHERE id = ?", [.text(ProgramStatus.evaluating.rawValue), .text(id)])
    }

    /// Records an evaluation's outcome and, for an evaluated program, places it in its island's grid,
    /// the archive and the island's best, then migrates, reseeds and evicts as due — all one transaction.
    @discardableResult
    public func complete(
        _ id: String, status: ProgramStatus, metrics: Metrics?, descriptors: [String: Double], evaluation: EvaluationRecord? = nil
    ) throws -> Placement {
        guard let row = try db.query("SELECT island FROM programs WHERE id = ?", [.text(id)]).first else {
            throw SQLiteError(code: 1, message: "no program \(id)", path: db.path, sql: nil)
        }
        let island = Int(row[0].integer!)
        do {
            return try db.transaction {
                if let evaluation { try insertEvaluation(evaluation, programID: id) }
                var stats: ScoreStats?
                if status == .evaluated, let first = metrics?.combinedScore {
                    let scores = try validationScores(of: id)
                    stats = scores.isEmpty ? ScoreStats(mean: first) : ScoreStats(scores: scores)
                }
                try db.run(
                    "UPDATE programs SET status = ?, metrics = ?, score = ?, score_sd = ?, score_n = ?, descriptors = ? WHERE id = ?",
                    [.text(status.rawValue), try json(metrics), stats.map { .real($0.mean) } ?? .null, stats?.sd.map { .real($0) } ?? .null,
                     .integer(Int64(stats?.n ?? 0)), try json(descriptors), .text(id)])
                var placement = Placement(
                    cell: config.features.cell(descriptors), isCellElite: false, replaced: nil, isNewIslandBest: false,
                    isNewBest: false, migrated: [], reseeded: false, evicted: [])
                islands[island].generation += 1
                if let stats {
                    placement.race = try raceFor(id, first: stats.mean, stats: stats, island: island, cell: placement.cell)
                    placement = try place(id, stats: stats, island: island, cell: placement.cell, into: placement)
                }
                placement.migrated = try migrateIfDue(from: island)
                placement.reseeded = try reseedIfStagnant(island)
                placement.evicted = try evictIfOverCap()
                try saveIsland(island)
                return placement
            }
        } catch {
            // The transaction rolled back: rebuild the mirror from what the database holds. (Snapshotting
            // the mirror instead would copy every island's members on each call.)
            try? reloadMirror()
            throw error
        }
    }

    public func setCommit(_ id: String, _ commit: String) throws {
        // Copies migrated before the original was committed share its commit.
        try db.run("UPDATE programs SET commit_id = ? WHERE id = ? OR migrated_from = ?", [.text(commit), .text(id), .text(id)])
    }

    public func setTestMetrics(_ id: String, _ metrics: Metrics) throws {
        try db.run("UPDATE programs SET test_metrics = ? WHERE id = ?", [try json(metrics), .text(id)])
    }

    // MARK: - Reads

    public func program(_ id: String) throws -> Program? {
        try db.query("SELECT \(Self.columns) FROM programs WHERE id = ?", [.text(id)]).first.map(decode)
    }

    public func programs(status: ProgramStatus) throws -> [Program] {
        try db.query("SELECT \(Self.columns) FROM programs WHERE status = ? ORDER BY created", [.text(status.rawValue)]).map(decode)
    }

    public func count() throws -> Int { Int(try db.query("SELECT count(*) FROM programs").first![0].integer!) }

    /// The run's best: the program that last beat the previous best under the racing rule (always an
    /// original: a migrated copy stands for it, and the original holds the commit, the evaluations and
    /// the control).
    public func best() throws -> Program? {
        guard let id = runBest ?? fallbackBest(), let found = try program(id) else { return nil }
        return try found.migratedFrom.flatMap { try program($0) } ?? found
    }

    /// The top island best by mean (ties broken by content hash, for determinism), as an original.
    private func fallbackBest() -> String? {
        let bests = islands.compactMap { island in island.bestProgram.map { ($0, island.bestScore ?? 0) } }
        return bests.max(by: { ($0.1, hashOf[$1.0] ?? "") < ($1.1, hashOf[$0.0] ?? "") }).map { originalID($0.0) }
    }

    var bestScore: Double? { (runBest ?? fallbackBest()).map { stats($0).mean } }

    /// The selection statistics of a program as the store holds them (its copies share them).
    public func scoreStats(of id: String) -> ScoreStats? { statsOf[id] }

    /// Coverage, QD-score, best and mean elite per island, and over all islands' cells.
    public func statistics() -> (islands: [QDStatistics], overall: QDStatistics) {
        let perIsland = islands.map { QDStatistics(eliteScores: $0.cells.values.map(\.score), totalCells: config.features.cellCount) }
        var merged: [String: Double] = [:]
        for island in islands {
            for (key, elite) in island.cells { merged[key] = max(merged[key] ?? -.infinity, elite.score) }
        }
        return (perIsland, QDStatistics(eliteScores: Array(merged.values), totalCells: config.features.cellCount))
    }

    /// Takes a program (and its migrated copies) out of selection for good: status `rejected`, out of
    /// every island's members, cells and best, and out of the archive. Its rows and evaluations stay, as
    /// evidence. Islands whose best it was fall back to their best remaining member. One transaction.
    public func disqualify(_ id: String) throws {
        let copies = try db.query("SELECT id FROM programs WHERE migrated_from = ?", [.text(id)]).compactMap { $0.first?.text }
        do {
            try db.transaction {
                for victim in [id] + copies {
                    try db.run("UPDATE programs SET status = ?, score = NULL WHERE id = ?", [.text(ProgramStatus.rejected.rawValue), .text(victim)])
                    try db.run("DELETE FROM cells WHERE program_id = ?", [.text(victim)])
                    try db.run("DELETE FROM archive WHERE program_id = ?", [.text(victim)])
                    archive[victim] = nil
                    for island in islands.indices {
                        islands[island].members.remove(victim, hash: hashOf[victim] ?? victim)
                        islands[island].cells = islands[island].cells.filter { $0.value.id != victim }
                        if islands[island].bestProgram == victim {
                            // Raced members first: an unconfirmed single score does not inherit the title if a raced one can.
                            let next = islands[island].members.order.compactMap { member in islands[island].members[member].map { (member, $0) } }
                                .max { (confirmedRank($0.0), $0.1, hashOf[$1.0] ?? "") < (confirmedRank($1.0), $1.1, hashOf[$0.0] ?? "") }
                            islands[island].bestProgram = next?.0
                            islands[island].bestScore = next?.1
                        }
                        try saveIsland(island)
                    }
                    raceTarget[victim] = nil
                }
                if let best = runBest, best == id || copies.contains(best) { try setRunBest(fallbackBest()) }
            }
        } catch {
            try? reloadMirror()
            throw error
        }
    }

    /// One island's MAP-Elites grid: each occupied cell with its elite and score.
    public func grid(island: Int) -> [(cell: [Int], id: String, score: Double)] {
        guard islands.indices.contains(island) else { return [] }
        return islands[island].cells.map { (FeatureSpace.cell(fromKey: $0.key), $0.value.id, $0.value.score) }
            .sorted { $0.cell.lexicographicallyPrecedes($1.cell) }
    }

    /// The best program of each island (nil for an island with none yet).
    public func islandBests() -> [(id: String, score: Double)?] {
        islands.map { island in island.bestProgram.map { ($0, island.bestScore ?? 0) } }
    }

    /// Every program in creation order, without their files (for reports over a whole run).
    public func allPrograms() throws -> [Program] {
        try db.query("SELECT \(Self.columns) FROM programs ORDER BY rowid").map(decode)
    }

    /// Reads the database configuration a run was created with, without opening it for writing.
    public static func storedConfiguration(path: String) throws -> DatabaseConfig? {
        let db = try SQLiteConnection(path: path)
        guard let text = try db.query("SELECT value FROM meta WHERE key = 'config'").first?.first?.text else { return nil }
        return try JSONDecoder().decode(DatabaseConfig.self, from: Data(text.utf8))
    }

    /// Evaluated programs no other program beats on both accuracy (higher) and compute (lower
    /// `train_flops`): the Pareto front.
    public func paretoFront() throws -> [Program] {
        let candidates = try db.query("SELECT id, score, descriptors FROM programs WHERE status = 'evaluated' AND score IS NOT NULL")
            .map { row -> (String, Double, Double) in
                let d = (try? JSONDecoder().decode([String: Double].self, from: Data(row[2].text!.utf8))) ?? [:]
                return (row[0].text!, row[1].real!, d["train_flops"] ?? 0)
            }
        let front = candidates.filter { a in
            !candidates.contains { b in b.1 >= a.1 && b.2 <= a.2 && (b.1 > a.1 || b.2 < a.2) }
        }
        return try front.compactMap { try program($0.0) }
    }

    // MARK: - Sampling

    /// A parent from `island` and up to a few inspirations (the island's best, its top programs, elites of
    /// nearby cells, a random one), never the parent, never twice. Advances and stores the RNG.
    public func sample(island: Int) throws -> (parent: Program, inspirations: [Program]) {
        let state = islands[island]
        guard !state.members.isEmpty else {
            throw SQLiteError(code: 1, message: "island \(island) has no evaluated program to sample", path: db.path, sql: nil)
        }
        func key(_ id: String) -> String { (hashOf[id] ?? "") + id }
        let members = state.members.order
        let elites = state.cells.values.map { (score: $0.score, key: key($0.id), id: $0.id) }
            .sorted { ($0.score, $1.key) > ($1.score, $0.key) }.map(\.id)
        let r = rng.unit()
        let parentID: String
        if r < config.exploration || elites.isEmpty {
            parentID = members[Int(rng.next() % UInt64(members.count))]
        } else if let alpha = config.powerLawAlpha {
            let weights = (1...elites.count).map { pow(Double($0), -alpha) }
            var pick = rng.unit() * weights.reduce(0, +)
            var index = 0
            while index < weights.count - 1 && pick >= weights[index] {
                pick -= weights[index]
                index += 1
            }
            parentID = elites[index]
        } else if r < config.exploration + config.exploitation, !archive.isEmpty {
            let archived = archive.keys.map { (key: key($0), id: $0) }.sorted { $0.key < $1.key }.map(\.id)
            parentID = archived[Int(rng.next() % UInt64(archived.count))]
        } else {
            parentID = elites[0]
        }

        var chosen: [String] = []
        func offer(_ id: String?) {
            if let id, id != parentID, !chosen.contains(id) { chosen.append(id) }
        }
        offer(state.bestProgram)
        // Top programs come from the cell elites (bounded by the grid, unlike the population).
        elites.prefix(config.topInspirations + 1).forEach(offer)
        if let parentCell = cellOf[parentID].map(FeatureSpace.cell(fromKey:)) {
            let near = state.cells.filter { key, _ in
                let cell = FeatureSpace.cell(fromKey: key)
                let distance = zip(cell, parentCell).map { abs($0 - $1) }.reduce(0, +)
                return distance > 0 && distance <= 2
            }.sorted { $0.key < $1.key }
            if !near.isEmpty { offer(near[Int(rng.next() % UInt64(near.count))].value.id) }
        }
        offer(members[Int(rng.next() % UInt64(members.count))])
        try db.run("INSERT OR REPLACE INTO meta VALUES ('rng_state', ?)", [.text(String(rng.state))])
        guard let parent = try program(parentID) else {
            throw SQLiteError(code: 1, message: "sampled program \(parentID) is missing", path: db.path, sql: nil)
        }
        return (parent, try chosen.compactMap { try program($0) })
    }

    // MARK: - Placement, migration, stagnation, eviction (inside `complete`'s transaction)

    /// Places a program by its selection statistics: it joins the island's members and the archive by
    /// its mean; it takes an empty cell at once, but displaces a cell's elite, becomes the island's best
    /// (even of an island without one) or the run's best only when the racing rule says it wins.
    private func place(_ id: String, stats: ScoreStats, island: Int, cell: [Int], into placement: Placement) throws -> Placement {
        var placement = placement
        let score = stats.mean
        let key = FeatureSpace.key(cell)
        statsOf[id] = stats
        islands[island].members.insert(id, score: score, hash: hashOf[id] ?? id)
        if cellOf[id] != key {
            try db.run("UPDATE programs SET cell = ? WHERE id = ?", [.text(key), .text(id)])
            cellOf[id] = key
        }
        let incumbent = islands[island].cells[key]
        if incumbent?.id == id {
            islands[island].cells[key] = (id, score)
            try db.run("UPDATE cells SET score = ? WHERE island = ? AND cell = ?", [.real(score), .integer(Int64(island)), .text(key)])
        } else if try incumbent == nil || displaces(id, incumbent!.id) {
            islands[island].cells[key] = (id, score)
            try db.run("INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?)", [.integer(Int64(island)), .text(key), .text(id), .real(score)])
            placement.isCellElite = true
            placement.replaced = incumbent?.id
        }
        let takesIslandBest: Bool
        if let best = islands[island].bestProgram {
            takesIslandBest = try best != id && displaces(id, best)
        } else {
            takesIslandBest = racing.isConfirmed(stats)
        }
        if islands[island].bestProgram == id {
            islands[island].bestScore = score
        } else if takesIslandBest {
            islands[island].bestScore = score
            islands[island].bestProgram = id
            islands[island].lastImprovement = islands[island].generation
            placement.isNewIslandBest = true
        }
        if islands[island].bestProgram == id {
            let original = originalID(id)
            if try runBest == nil || (runBest != original && displaces(original, runBest!)) {
                try setRunBest(original)
                placement.isNewBest = true
            }
        }
        if archive[id] != nil || archive.count < config.archiveSize || score > (archive.values.min() ?? -.infinity) {
            archive[id] = score
            try db.run("INSERT OR REPLACE INTO archive VALUES (?, ?)", [.text(id), .real(score)])
            if archive.count > config.archiveSize, let worst = archive.min(by: { ($0.value, $1.key) < ($1.value, $0.key) }) {
                archive[worst.key] = nil
                try db.run("DELETE FROM archive WHERE program_id = ?", [.text(worst.key)])
            }
        }
        return placement
    }

    // MARK: - Racing

    /// The original of a migrated copy (itself otherwise).
    private func originalID(_ id: String) -> String {
        guard migrantIDs.contains(id),
              let original = try? db.query("SELECT migrated_from FROM programs WHERE id = ?", [.text(id)]).first?.first?.text else { return id }
        return original
    }

    private func stats(_ id: String) -> ScoreStats {
        statsOf[id] ?? ScoreStats(mean: islands.lazy.compactMap { $0.members[id] }.first ?? 0)
    }

    /// Whether `challenger` displaces `incumbent` under the racing rule; exact ties go to the smaller program.
    private func displaces(_ challenger: String, _ incumbent: String) throws -> Bool {
        switch racing.compare(stats(challenger), stats(incumbent)) {
        case .wins: return true
        case .loses: return false
        case .tie:
            guard let a = try program(challenger), let b = try program(incumbent) else { return false }
            let sizeA = (a.descriptors["parameters"] ?? 0, a.codeLength), sizeB = (b.descriptors["parameters"] ?? 0, b.codeLength)
            return sizeA < sizeB
        }
    }

    private func confirmedRank(_ id: String) -> Int { racing.isConfirmed(stats(id)) ? 1 : 0 }

    private func setRunBest(_ id: String?) throws {
        runBest = id
        if let id {
            try db.run("INSERT OR REPLACE INTO meta VALUES ('best_program', ?)", [.text(id)])
        } else {
            try db.run("DELETE FROM meta WHERE key = 'best_program'")
        }
    }

    /// The scores of a program's ordinary validation evaluations, oldest first (a run that did not end
    /// evaluated scores 0).
    func validationScores(of id: String) throws -> [Double] {
        try db.query(
            "SELECT outcome, metrics FROM evaluations WHERE program_id = ? AND split = 'validation' AND kind = 'ordinary' ORDER BY id",
            [.text(id)]
        ).map { row in
            guard row[0].text == EvaluationOutcome.evaluated.rawValue, let text = row[1].text,
                  let metrics = try? JSONDecoder().decode(Metrics.self, from: Data(text.utf8)) else { return 0 }
            return metrics.combinedScore
        }
    }

    /// Decides, at a program's first evaluation, whom it must race: nobody under the single rule or when
    /// it is a clear loser; else itself and the incumbents it would displace that have fewer than
    /// `repeats` evaluations (a fair race compares means over as many seeds). Marks them racing.
    private func raceFor(_ id: String, first: Double, stats: ScoreStats, island: Int, cell: [Int]) throws -> [String] {
        guard !racing.isSingle, stats.n < racing.repeats else { return [] }
        let cellElite = islands[island].cells[FeatureSpace.key(cell)]?.id
        let islandBest = islands[island].bestProgram
        var contested: [String] = []
        if let cellElite, racing.isContender(first: first, against: self.stats(cellElite)) { contested.append(cellElite) }
        if racing.isContender(first: first, against: islandBest.map { self.stats($0) }) { contested += islandBest.map { [$0] } ?? [] }
        let contender = !contested.isEmpty || islandBest == nil
        guard contender else { return [] }
        var race = [id]
        for incumbent in contested.map(originalID) where !race.contains(incumbent) && self.stats(incumbent).n < racing.repeats {
            race.append(incumbent)
        }
        for racer in race { try setRaceTarget(racer, racing.repeats) }
        return race
    }

    private func setRaceTarget(_ id: String, _ target: Int) throws {
        raceTarget[id] = target > 0 ? target : nil
        try db.run("UPDATE programs SET race_target = ? WHERE id = ?", [.integer(Int64(target)), .text(id)])
    }

    /// Programs whose race a stop interrupted: id → evaluations still to run (0: only the settling).
    public func pendingRaces() throws -> [(id: String, missing: Int)] {
        try db.query("SELECT id, race_target, score_n FROM programs WHERE race_target > 0 AND status = 'evaluated' ORDER BY rowid").map {
            ($0[0].text!, max(0, Int($0[1].integer!) - Int($0[2].integer ?? 0)))
        }
    }

    /// Records one more ordinary validation evaluation of a program (an original) and updates its mean,
    /// SD and count everywhere it stands (its migrated copies too). Placement waits for `settle`.
    @discardableResult
    public func recordRepeat(_ id: String, _ record: EvaluationRecord) throws -> ScoreStats? {
        do {
            return try db.transaction {
                try insertEvaluation(record, programID: id)
                return try refreshStats(id)
            }
        } catch {
            try? reloadMirror()
            throw error
        }
    }

    private func refreshStats(_ id: String) throws -> ScoreStats? {
        guard let row = try db.query("SELECT status FROM programs WHERE id = ?", [.text(id)]).first,
              row[0].text == ProgramStatus.evaluated.rawValue else { return nil }
        let stats = ScoreStats(scores: try validationScores(of: id))
        try db.run(
            // `+status`: the planner would otherwise pick the status index, which holds nearly every program.
            "UPDATE programs SET score = ?, score_sd = ?, score_n = ? WHERE (id = ? OR migrated_from = ?) AND +status = 'evaluated'",
            [.real(stats.mean), stats.sd.map { .real($0) } ?? .null, .integer(Int64(stats.n)), .text(id), .text(id)])
        let copies = try db.query("SELECT id FROM programs WHERE migrated_from = ?", [.text(id)]).compactMap { $0.first?.text }
        for member in [id] + copies {
            statsOf[member] = stats
            for island in islands.indices where islands[island].members[member] != nil {
                islands[island].members.insert(member, score: stats.mean, hash: hashOf[member] ?? member)
                if let key = cellOf[member], islands[island].cells[key]?.id == member {
                    islands[island].cells[key] = (member, stats.mean)
                    try db.run("UPDATE cells SET score = ? WHERE island = ? AND cell = ?", [.real(stats.mean), .integer(Int64(island)), .text(key)])
                }
                if islands[island].bestProgram == member {
                    islands[island].bestScore = stats.mean
                    try saveIsland(island)
                }
            }
            if archive[member] != nil {
                archive[member] = stats.mean
                try db.run("INSERT OR REPLACE INTO archive VALUES (?, ?)", [.text(member), .real(stats.mean)])
            }
        }
        return stats
    }

    /// Ends a program's race: places it by its mean over its evaluations (it may now displace its cell's
    /// elite, its island's best, the run's best) and clears its racing mark. One transaction.
    @discardableResult
    public func settle(_ id: String) throws -> Placement {
        var placement = Placement(cell: [], isCellElite: false, replaced: nil, isNewIslandBest: false, isNewBest: false, migrated: [], reseeded: false, evicted: [])
        do {
            return try db.transaction {
                try setRaceTarget(id, 0)
                guard let row = try db.query("SELECT island, status, evicted, descriptors FROM programs WHERE id = ?", [.text(id)]).first,
                      row[1].text == ProgramStatus.evaluated.rawValue, row[2].integer == 0, let stats = statsOf[id] else { return placement }
                let island = Int(row[0].integer!)
                let descriptors = (try? JSONDecoder().decode([String: Double].self, from: Data((row[3].text ?? "{}").utf8))) ?? [:]
                placement.cell = config.features.cell(descriptors)
                placement = try place(id, stats: stats, island: island, cell: placement.cell, into: placement)
                try saveIsland(island)
                return placement
            }
        } catch {
            try? reloadMirror()
            throw error
        }
    }

    /// Every training seed a program was evaluated with (any split, any kind), so fresh seeds are fresh.
    public func trainingSeeds(of id: String) throws -> Set<UInt64> {
        Set(try db.query("SELECT training_seed FROM evaluations WHERE program_id = ?", [.text(id)]).compactMap {
            $0.first?.integer.map { UInt64(bitPattern: $0) }
        })
    }

    /// Copies an evaluated program onto `island` as a migrant (new id, same content and scores).
    /// Places a copy of an evaluated program on another island (how one seed starts several islands);
    /// nil when the island already holds that code.
    @discardableResult
    public func spread(_ id: String, to island: Int) throws -> String? {
        try db.transaction {
            let copied = try copy(id, to: island, iteration: 0)
            try saveIsland(island)
            return copied
        }
    }

    private func copy(_ id: String, to island: Int, iteration: Int) throws -> String? {
        guard var original = try program(id), let metrics = original.metrics else { return nil }
        guard !islands[island].members.contains(hash: original.contentHash) else { return nil }
        let migrantID = UUID().uuidString.lowercased()
        original.migratedFrom = original.migratedFrom ?? id
        let migrant = Program(
            id: migrantID, files: original.files, parents: [id], island: island, generation: islands[island].generation,
            iteration: iteration, status: .evaluated, metrics: metrics, descriptors: original.descriptors,
            commitID: original.commitID, proposal: nil, migratedFrom: id, scoreStats: statsOf[id] ?? original.scoreStats)
        try insertRow(migrant)
        _ = try place(migrantID, stats: statsOf[id] ?? original.scoreStats ?? ScoreStats(mean: metrics.combinedScore), island: island,
                      cell: config.features.cell(original.descriptors),
                      into: Placement(cell: [], isCellElite: false, replaced: nil, isNewIslandBest: false, isNewBest: false, migrated: [], reseeded: false, evicted: []))
        return migrantID
    }

    private func migrateIfDue(from island: Int) throws -> [String] {
        guard config.islands > 1, islands[island].generation - islands[island].lastMigration >= config.migrationInterval else { return [] }
        islands[island].lastMigration = islands[island].generation
        let target = (island + 1) % config.islands
        // Migrants are the island's best cell elites that are natives: the grid bounds the count, where a
        // fraction of the whole population would compound as the run grows.
        let natives = islands[island].cells.values.filter { !migrantIDs.contains($0.id) }
            .sorted { ($0.score, hashOf[$1.id] ?? "") > ($1.score, hashOf[$0.id] ?? "") }.map(\.id)
        let count = max(1, Int((Double(islands[island].cells.count) * config.migrationRate).rounded()))
        var moved: [String] = []
        for id in natives.prefix(count) {
            if let migrant = try copy(id, to: target, iteration: islands[island].generation) { moved.append(migrant) }
        }
        try saveIsland(target)
        return moved
    }

    /// FunSearch's reset: an island without a new best for `stagnationGenerations` loses its grid and is
    /// reseeded with the best program of the best other island.
    private func reseedIfStagnant(_ island: Int) throws -> Bool {
        guard config.islands > 1, islands[island].generation - islands[island].lastImprovement >= config.stagnationGenerations else { return false }
        let donors = (0..<config.islands).filter { $0 != island && islands[$0].bestProgram != nil }
        guard let donor = donors.max(by: { (islands[$0].bestScore ?? -1, $1) < (islands[$1].bestScore ?? -1, $0) }),
              let best = islands[donor].bestProgram else { return false }
        try db.run("DELETE FROM cells WHERE island = ?", [.integer(Int64(island))])
        islands[island].cells = [:]
        islands[island].bestScore = nil
        islands[island].bestProgram = nil
        // One statement and one pass over the members: removing them one by one was quadratic in the
        // island's size (25k members at 100k programs).
        try db.run(
            "UPDATE programs SET evicted = 1 WHERE island = ? AND status = 'evaluated' AND evicted = 0 AND id NOT IN (SELECT program_id FROM archive)",
            [.integer(Int64(island))])
        let hashOf = self.hashOf
        islands[island].members.removeAll { id in archive[id] == nil ? (hashOf[id] ?? id) : nil }
        _ = try copy(best, to: island, iteration: islands[island].generation)
        islands[island].lastImprovement = islands[island].generation
        return true
    }

    /// Evicts the weakest evaluated programs beyond the cap; never a cell elite, an archive member or
    /// an island's best.
    private func evictIfOverCap() throws -> [String] {
        let total = islands.reduce(0) { $0 + $1.members.count }
        guard total > config.populationCap else { return [] }
        var protected = Set(archive.keys).union(raceTarget.keys)
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
            try db.run("UPDATE programs SET evicted = 1 WHERE id = ?", [.text(victim.id)])
            evicted.append(victim.id)
        }
        return evicted
    }

    // MARK: - Rows

    /// The underlying connection, for the run's own tables (evaluations, attempts) in the same file.
    var connection: SQLiteConnection { db }

    static let columns = "id, files, parents, island, generation, iteration, status, metrics, test_metrics, descriptors, commit_id, created, proposal, migrated_from, score, score_sd, score_n"

    private func insertRow(_ p: Program) throws {
        hashOf[p.id] = p.contentHash
        if p.migratedFrom != nil { migrantIDs.insert(p.id) }
        try db.run(
            "INSERT INTO programs (id, content_hash, files, parents, island, generation, iteration, status, metrics, test_metrics, score, descriptors, commit_id, created, proposal, migrated_from, score_sd, score_n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.text(p.id), .text(p.contentHash), try json(p.files), try json(p.parents), .integer(Int64(p.island)),
             .integer(Int64(p.generation)), .integer(Int64(p.iteration)), .text(p.status.rawValue), try json(p.metrics),
             try json(p.testMetrics), p.score.map { .real($0) } ?? .null, try json(p.descriptors),
             p.commitID.map { .text($0) } ?? .null, .real(p.created.timeIntervalSince1970), try json(p.proposal),
             p.migratedFrom.map { .text($0) } ?? .null, p.scoreStats?.sd.map { .real($0) } ?? .null,
             .integer(Int64(p.score == nil ? 0 : p.scoreStats?.n ?? 1))])
    }

    func decodeRow(_ row: [SQLiteValue]) throws -> Program { try decode(row) }

    private func decode(_ row: [SQLiteValue]) throws -> Program {
        func value<T: Decodable>(_ type: T.Type, _ v: SQLiteValue) throws -> T? {
            guard let text = v.text else { return nil }
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        }
        var program = Program(
            id: row[0].text!, files: try value([String: String].self, row[1]) ?? [:], parents: try value([String].self, row[2]) ?? [],
            island: Int(row[3].integer!), generation: Int(row[4].integer!), iteration: Int(row[5].integer!),
            status: ProgramStatus(rawValue: row[6].text!) ?? .failed, metrics: try value(Metrics.self, row[7]),
            testMetrics: try value(Metrics.self, row[8]), descriptors: try value([String: Double].self, row[9]) ?? [:],
            commitID: row[10].text, created: Date(timeIntervalSince1970: row[11].real ?? 0),
            proposal: try value(Proposal.self, row[12]), migratedFrom: row[13].text)
        if row.count > 16, let mean = row[14].real {
            program.scoreStats = ScoreStats(mean: mean, sd: row[15].real, n: Int(row[16].integer ?? 1))
        }
        return program
    }

    private func saveIsland(_ island: Int) throws {
        let s = islands[island]
        try db.run(
            "INSERT OR REPLACE INTO islands VALUES (?, ?, ?, ?, ?, ?)",
            [.integer(Int64(island)), .integer(Int64(s.generation)), .integer(Int64(s.lastImprovement)), .integer(Int64(s.lastMigration)),
             s.bestScore.map { .real($0) } ?? .null, s.bestProgram.map { .text($0) } ?? .null])
    }

    private func proposalBindings(_ id: String, _ p: Program) -> [SQLiteValue] {
        [.text(id), p.proposal.map { .text($0.model) } ?? .null, .integer(Int64(p.proposal?.promptTokens ?? 0)),
         .integer(Int64(p.proposal?.completionTokens ?? 0)), .real(p.proposal?.costUSD ?? 0), .real(Date().timeIntervalSince1970)]
    }

    func json<T: Encodable>(_ value: T?) throws -> SQLiteValue {
        guard let value else { return .null }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return .text(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
