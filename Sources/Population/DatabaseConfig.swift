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
    /// Island generations without a new island best before the island is reseeded (`stagnation_generations`).
    /// 60 never fired in a night (an island's generation advances with its share of ~35 evaluations an
    /// hour); 10 reseeds an island left at its floor share within about 100 proposals.
    public var stagnationGenerations = 10
    /// The smallest share of proposals an island with a member gets, however stale (`island_floor`;
    /// clamped to an even split).
    public var islandFloor = 0.1
    /// Parent selection: with probability `exploration` a uniform pick from the island (the only way a
    /// program that scored 0 is a parent), with `exploitation` a draw weighted by lower confidence bound
    /// from the island's elites and archive members; otherwise the island's top candidate by that bound.
    public var exploration = 0.2
    public var exploitation = 0.7
    /// Score units between two candidates' lower bounds that make the lower one e times less likely as
    /// a parent (`selection_temperature`).
    public var selectionTemperature = 0.05
    /// When set, the non-exploration picks are rank-based instead: P(rank k) ∝ k^−α over the island's
    /// cell elites.
    public var powerLawAlpha: Double?
    public var topInspirations = 2

    public init() {}
}

extension DatabaseConfig {
    private enum CodingKeys: String, CodingKey {
        case islands, features, archiveSize, populationCap, migrationInterval, migrationRate, stagnationGenerations, islandFloor
        case exploration, exploitation, selectionTemperature, powerLawAlpha, topInspirations
    }

    /// Keys a stored configuration lacks take their defaults: a run created before a key existed still
    /// decodes (and resumes with the behaviour it was created under where the key is new).
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        islands = try c.decodeIfPresent(Int.self, forKey: .islands) ?? islands
        features = try c.decodeIfPresent(FeatureSpace.self, forKey: .features) ?? features
        archiveSize = try c.decodeIfPresent(Int.self, forKey: .archiveSize) ?? archiveSize
        populationCap = try c.decodeIfPresent(Int.self, forKey: .populationCap) ?? populationCap
        migrationInterval = try c.decodeIfPresent(Int.self, forKey: .migrationInterval) ?? migrationInterval
        migrationRate = try c.decodeIfPresent(Double.self, forKey: .migrationRate) ?? migrationRate
        stagnationGenerations = try c.decodeIfPresent(Int.self, forKey: .stagnationGenerations) ?? stagnationGenerations
        islandFloor = try c.decodeIfPresent(Double.self, forKey: .islandFloor) ?? islandFloor
        exploration = try c.decodeIfPresent(Double.self, forKey: .exploration) ?? exploration
        exploitation = try c.decodeIfPresent(Double.self, forKey: .exploitation) ?? exploitation
        selectionTemperature = try c.decodeIfPresent(Double.self, forKey: .selectionTemperature) ?? selectionTemperature
        powerLawAlpha = try c.decodeIfPresent(Double.self, forKey: .powerLawAlpha)
        topInspirations = try c.decodeIfPresent(Int.self, forKey: .topInspirations) ?? topInspirations
    }
}
