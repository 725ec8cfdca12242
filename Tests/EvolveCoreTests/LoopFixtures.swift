@testable import EvolveCore

extension DatabaseConfig {
    /// The population of the loop suites that race one island: one feature `x` in [0, 1], 10 bins.
    static var oneIslandOfX: DatabaseConfig {
        var config = DatabaseConfig()
        config.islands = 1
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 1, bins: 10)])
        return config
    }
}
