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
