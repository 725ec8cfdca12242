/// How the program database selects, keeps and moves programs (OpenEvolve's `database.*` keys).
public struct DatabaseConfig: Codable, Sendable, Equatable {
    public var islands = 4
    public var features = FeatureSpace.trm
    public var archiveSize = 50
    /// Evaluated programs kept for sampling; beyond it the weakest unprotected ones are evicted.
    public var populationCap = 1000
    /// Island generations between ring migrations (island i sends to i + 1).
    public var migrationInterval = 20
    /// Fraction of an island's programs (its best, non-migrants) copied at each migration.
    public var migrationRate = 0.1
    /// Island generations without a new island best before the island is reseeded.
    public var stagnationGenerations = 60
    /// Parent selection: with these probabilities a uniform pick from the island (exploration) or a pick
    /// from the elite archive (exploitation); otherwise the best-ranked elite of the island's grid.
    public var exploration = 0.2
    public var exploitation = 0.7
    /// When set, the non-exploration picks are rank-based instead: P(rank k) ∝ k^−α over the island's
    /// cell elites.
    public var powerLawAlpha: Double?
    public var topInspirations = 2

    public init() {}
}

/// A seeded generator whose whole state is one integer, so it is stored with the database and a
/// resumed run continues the same stream.
public struct DatabaseRNG: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
