// The search policy's types (DatabaseConfig, FeatureSpace, ScoreStats, RacingRule, Placement, …) are part
// of EvolveCore's interface: the store and the loop take and return them, so their callers see them with
// `import EvolveCore` alone.
@_exported import Population
