import EvolveSupport
import Foundation

/// Where a program is in its life: proposed, being evaluated, done. `stopped`: its evaluation was ended
/// between benchmarks by the value function (it holds no cell and is never a parent).
public enum ProgramStatus: String, Codable, Sendable, CaseIterable {
    case queued, evaluating, evaluated, failed, rejected, stopped
}

/// How a program came to be: which proposer and model made it, how (diff, rewrite, crossover, an
/// offline mutation) and what it cost.
public struct Proposal: Codable, Sendable, Equatable {
    public var model: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double
    /// `diff`, `rewrite`, `crossover`, `mutation` (offline), `seed`.
    public var mode: String
    /// LLM calls made for this child (the first answer plus any repair or retry rounds).
    public var calls: Int
    public var latencySeconds: Double
    /// Token counts were estimated (the server reported none).
    public var estimatedTokens: Bool
    /// One line on what changed, for lineage messages and prompts ("hidden 64 → 32").
    public var summary: String

    public init(
        model: String, promptTokens: Int = 0, completionTokens: Int = 0, costUSD: Double = 0, mode: String = "diff", calls: Int = 0,
        latencySeconds: Double = 0, estimatedTokens: Bool = false, summary: String = ""
    ) {
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.mode = mode
        self.calls = calls
        self.latencySeconds = latencySeconds
        self.estimatedTokens = estimatedTokens
        self.summary = summary
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        promptTokens = try c.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try c.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
        costUSD = try c.decodeIfPresent(Double.self, forKey: .costUSD) ?? 0
        mode = try c.decodeIfPresent(String.self, forKey: .mode) ?? "diff"
        calls = try c.decodeIfPresent(Int.self, forKey: .calls) ?? 0
        latencySeconds = try c.decodeIfPresent(Double.self, forKey: .latencySeconds) ?? 0
        estimatedTokens = try c.decodeIfPresent(Bool.self, forKey: .estimatedTokens) ?? false
        summary = try c.decodeIfPresent(String.self, forKey: .summary) ?? ""
    }

    /// Adds another call's usage (a repair round) to this proposal.
    public mutating func add(_ other: Proposal) {
        promptTokens += other.promptTokens
        completionTokens += other.completionTokens
        costUSD += other.costUSD
        calls += other.calls
        latencySeconds += other.latencySeconds
        estimatedTokens = estimatedTokens || other.estimatedTokens
    }
}

/// One program of the population: its files, lineage, place and scores.
public struct Program: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    /// Relative path → content (paths may name subfolders, `a/b.swift`).
    public var files: [String: String] {
        get { storedFiles }
        set {
            storedFiles = newValue
            contentHash = Program.hash(newValue)
        }
    }
    private var storedFiles: [String: String]
    /// Hash of `files`, recomputed whenever they change, so a copied-then-edited program never carries
    /// its parent's identity.
    public private(set) var contentHash: String
    public var parents: [String]
    public var island: Int
    public var generation: Int
    public var iteration: Int
    public var status: ProgramStatus
    public var metrics: Metrics?
    /// Held-out test metrics, when the loop asked for them (new elites and the best).
    public var testMetrics: Metrics?
    /// Feature values (name → value) that place the program in the MAP-Elites grid.
    public var descriptors: [String: Double]
    public var commitID: String?
    public var created: Date
    public var proposal: Proposal?
    /// The program this one is a migrated copy of, if any (migrants are never migrated again).
    public var migratedFrom: String?
    /// The selection score over every ordinary validation evaluation (mean, SD, count); nil before the
    /// first. `metrics` stays the first evaluation's.
    public var scoreStats: ScoreStats?

    public init(
        id: String = UUID().uuidString.lowercased(), files: [String: String], parents: [String] = [], island: Int = 0,
        generation: Int = 0, iteration: Int = 0, status: ProgramStatus = .queued, metrics: Metrics? = nil,
        testMetrics: Metrics? = nil, descriptors: [String: Double] = [:], commitID: String? = nil, created: Date = Date(),
        proposal: Proposal? = nil, migratedFrom: String? = nil, scoreStats: ScoreStats? = nil
    ) {
        self.id = id
        storedFiles = files
        contentHash = Program.hash(files)
        self.parents = parents
        self.island = island
        self.generation = generation
        self.iteration = iteration
        self.status = status
        self.metrics = metrics
        self.testMetrics = testMetrics
        self.descriptors = descriptors
        self.commitID = commitID
        self.created = created
        self.proposal = proposal
        self.migratedFrom = migratedFrom
        self.scoreStats = scoreStats
    }

    /// The score selection uses: the mean validation `combinedScore` over its training seeds (the first
    /// evaluation's when no mean is stored), or nil before evaluation.
    public var score: Double? { status == .evaluated ? (scoreStats?.mean ?? metrics?.combinedScore) : nil }

    /// A stable content hash of the files (paths included), independent of dictionary order.
    public static func hash(_ files: [String: String]) -> String {
        var hasher = FNV1a()
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            hasher.combine(path.utf8)
            hasher.combine(text.utf8)
        }
        return hasher.hex
    }

    enum CodingKeys: String, CodingKey {
        case id, files, parents, island, generation, iteration, status, metrics, testMetrics, descriptors, commitID, created
        case proposal, migratedFrom, scoreStats
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(files, forKey: .files)
        try c.encode(parents, forKey: .parents)
        try c.encode(island, forKey: .island)
        try c.encode(generation, forKey: .generation)
        try c.encode(iteration, forKey: .iteration)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(metrics, forKey: .metrics)
        try c.encodeIfPresent(testMetrics, forKey: .testMetrics)
        try c.encode(descriptors, forKey: .descriptors)
        try c.encodeIfPresent(commitID, forKey: .commitID)
        try c.encode(created, forKey: .created)
        try c.encodeIfPresent(proposal, forKey: .proposal)
        try c.encodeIfPresent(migratedFrom, forKey: .migratedFrom)
        try c.encodeIfPresent(scoreStats, forKey: .scoreStats)
    }

    /// Decoding recomputes the hash from the files: a stored hash is never trusted.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), files: try c.decode([String: String].self, forKey: .files),
            parents: try c.decode([String].self, forKey: .parents), island: try c.decode(Int.self, forKey: .island),
            generation: try c.decode(Int.self, forKey: .generation), iteration: try c.decode(Int.self, forKey: .iteration),
            status: try c.decode(ProgramStatus.self, forKey: .status), metrics: try c.decodeIfPresent(Metrics.self, forKey: .metrics),
            testMetrics: try c.decodeIfPresent(Metrics.self, forKey: .testMetrics),
            descriptors: try c.decode([String: Double].self, forKey: .descriptors),
            commitID: try c.decodeIfPresent(String.self, forKey: .commitID), created: try c.decode(Date.self, forKey: .created),
            proposal: try c.decodeIfPresent(Proposal.self, forKey: .proposal),
            migratedFrom: try c.decodeIfPresent(String.self, forKey: .migratedFrom),
            scoreStats: try c.decodeIfPresent(ScoreStats.self, forKey: .scoreStats))
    }

    /// Total characters of code, a generic feature descriptor.
    public var codeLength: Int { files.values.reduce(0) { $0 + $1.count } }
}
