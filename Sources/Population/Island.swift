/// A cell's elite: the program that holds the cell and the mean it holds it with.
public struct Elite: Sendable, Equatable {
    public var id: String
    public var score: Double

    public init(id: String, score: Double) {
        self.id = id
        self.score = score
    }
}

/// What an island keeps beside its members and grid, stored as one row: its generation counter, when it
/// last improved and migrated, and its best.
public struct IslandRecord: Sendable, Equatable {
    public var generation = 0
    public var lastImprovement = 0
    public var lastMigration = 0
    public var bestScore: Double?
    public var bestProgram: String?

    public init(generation: Int = 0, lastImprovement: Int = 0, lastMigration: Int = 0, bestScore: Double? = nil, bestProgram: String? = nil) {
        self.generation = generation
        self.lastImprovement = lastImprovement
        self.lastMigration = lastMigration
        self.bestScore = bestScore
        self.bestProgram = bestProgram
    }
}

/// One island: its record, its evaluated members and its MAP-Elites grid (cell key → elite).
public struct Island: Sendable, Equatable {
    public var record = IslandRecord()
    /// Evaluated, non-evicted members in insertion order (the order a reopened store loads them in).
    public var members = MemberSet()
    public var cells: [String: Elite] = [:]

    public init() {}

    public var generation: Int {
        get { record.generation }
        set { record.generation = newValue }
    }
    public var bestProgram: String? { record.bestProgram }
    public var bestScore: Double? { record.bestScore }
}

/// An island's members: scores by id, insertion order for uniform picks by index, and how many members
/// carry each content hash (no duplicate code on an island).
public struct MemberSet: Sendable, Equatable {
    public private(set) var scores: [String: Double] = [:]
    public private(set) var order: [String] = []
    private var hashCounts: [String: Int] = [:]

    public init() {}

    public var count: Int { order.count }
    public var isEmpty: Bool { order.isEmpty }
    public subscript(id: String) -> Double? { scores[id] }
    public func contains(hash: String) -> Bool { (hashCounts[hash] ?? 0) > 0 }

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
                forget(hash)
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
        forget(hash)
    }

    /// One member fewer with `hash`; a hash no member carries leaves the counts, so a set rebuilt from
    /// storage equals the live one.
    private mutating func forget(_ hash: String) {
        let left = (hashCounts[hash] ?? 1) - 1
        hashCounts[hash] = left > 0 ? left : nil
    }
}

/// The elite archive: the `capacity` best-scoring programs over all islands, the exploitation pool.
public struct Archive: Sendable, Equatable {
    public private(set) var scores: [String: Double] = [:]
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
    }

    public subscript(id: String) -> Double? { scores[id] }
    public var isEmpty: Bool { scores.isEmpty }

    /// Admits `id` when it is already in, there is room, or it beats the weakest; returns whether it was
    /// admitted and whom it pushed out (the weakest, ties to the larger id).
    mutating func offer(_ id: String, score: Double) -> (admitted: Bool, dropped: String?) {
        guard scores[id] != nil || scores.count < capacity || score > (scores.values.min() ?? -.infinity) else { return (false, nil) }
        scores[id] = score
        guard scores.count > capacity, let worst = scores.min(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return (true, nil) }
        scores[worst.key] = nil
        return (true, worst.key)
    }

    /// Updates the score of a member (no-op for a non-member); returns whether it is a member.
    mutating func rescore(_ id: String, _ score: Double) -> Bool {
        guard scores[id] != nil else { return false }
        scores[id] = score
        return true
    }

    mutating func remove(_ id: String) { scores[id] = nil }
    mutating func restore(_ id: String, score: Double) { scores[id] = score }
}
