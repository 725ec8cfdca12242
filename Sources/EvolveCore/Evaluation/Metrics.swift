/// What one benchmark said about a program.
public struct BenchmarkMetrics: Codable, Sendable, Equatable {
    /// Fraction of evaluation queries answered entirely right (the headline).
    public var exactAccuracy: Double
    /// Fraction of answer tokens right.
    public var tokenAccuracy: Double
    public var trainFLOPs: Double
    public var evalFLOPs: Double
    public var parameters: Int
    public var wallSeconds: Double
    public var cpuSeconds: Double
    /// Numbers the candidate reported about itself (`run.json`'s `config`), e.g. `effective_depth`.
    public var reported: [String: Double]

    public init(
        exactAccuracy: Double, tokenAccuracy: Double, trainFLOPs: Double = 0, evalFLOPs: Double = 0, parameters: Int = 0,
        wallSeconds: Double = 0, cpuSeconds: Double = 0, reported: [String: Double] = [:]
    ) {
        self.exactAccuracy = exactAccuracy
        self.tokenAccuracy = tokenAccuracy
        self.trainFLOPs = trainFLOPs
        self.evalFLOPs = evalFLOPs
        self.parameters = parameters
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.reported = reported
    }
}

/// A program's scores: per benchmark, and `combinedScore`, the mean exact accuracy selection uses.
public struct Metrics: Codable, Sendable, Equatable {
    public var benchmarks: [String: BenchmarkMetrics]
    /// Which split these come from ("validation" for selection, "test" for the held-out report).
    public var split: String

    public init(benchmarks: [String: BenchmarkMetrics], split: String) {
        self.benchmarks = benchmarks
        self.split = split
    }

    /// Mean exact accuracy over the benchmarks (0 when there are none).
    public var combinedScore: Double {
        benchmarks.isEmpty ? 0 : benchmarks.values.map(\.exactAccuracy).reduce(0, +) / Double(benchmarks.count)
    }
}
