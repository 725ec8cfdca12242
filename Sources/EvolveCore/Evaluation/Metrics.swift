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
    /// Optimiser steps as TRMKit's driver counted them (nil for metrics stored before it was kept): with
    /// `trainFLOPs` it gives the FLOPs-per-step descriptor, a number the kernel cannot report for itself.
    public var steps: Int?
    /// The sandbox's peak memory for the run, measured by evolve (never by the candidate): it caps the
    /// parameter count a run may claim and breaks exact ties between programs (nil when not measured).
    public var peakMemoryBytes: Int?

    public init(
        exactAccuracy: Double, tokenAccuracy: Double, trainFLOPs: Double = 0, evalFLOPs: Double = 0, parameters: Int = 0,
        wallSeconds: Double = 0, cpuSeconds: Double = 0, reported: [String: Double] = [:], steps: Int? = nil, peakMemoryBytes: Int? = nil
    ) {
        self.exactAccuracy = exactAccuracy
        self.tokenAccuracy = tokenAccuracy
        self.trainFLOPs = trainFLOPs
        self.evalFLOPs = evalFLOPs
        self.parameters = parameters
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.reported = reported
        self.steps = steps
        self.peakMemoryBytes = peakMemoryBytes
    }
}

/// A program's scores: per benchmark (TRM evaluators), or an evaluator's own named values (a command
/// evaluator's metrics line), and `combinedScore`, the number selection uses.
public struct Metrics: Codable, Sendable, Equatable {
    public var benchmarks: [String: BenchmarkMetrics]
    /// Named numbers an evaluator reports besides benchmarks, under its own names (e.g. a command
    /// evaluator's `{"combined_score": 0.7, "accuracy": 0.9}`).
    public var values: [String: Double]
    /// Which split these come from ("validation" for selection, "test" for the held-out report).
    public var split: String

    public init(benchmarks: [String: BenchmarkMetrics] = [:], values: [String: Double] = [:], split: String) {
        self.benchmarks = benchmarks
        self.values = values
        self.split = split
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        benchmarks = try c.decodeIfPresent([String: BenchmarkMetrics].self, forKey: .benchmarks) ?? [:]
        values = try c.decodeIfPresent([String: Double].self, forKey: .values) ?? [:]
        split = try c.decode(String.self, forKey: .split)
    }

    /// OpenEvolve's rule, extended to benchmarks: `values["combined_score"]` when present, else the mean
    /// exact accuracy over the benchmarks, else the mean of the values (0 when there is nothing).
    public var combinedScore: Double {
        if let score = values["combined_score"] { return score }
        if !benchmarks.isEmpty { return benchmarks.values.map(\.exactAccuracy).reduce(0, +) / Double(benchmarks.count) }
        return values.isEmpty ? 0 : values.values.reduce(0, +) / Double(values.count)
    }
}
