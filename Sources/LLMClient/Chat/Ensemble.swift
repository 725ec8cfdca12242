import EvolveSupport

/// Several models with weights; `pick()` draws one, seeded and reproducible. `reward` is the hook for
/// the evolution loop to shift weights toward models that improve programs per dollar.
public struct Ensemble: Sendable {
    public private(set) var weights: [String: Double]
    private var generator: SplitMix64

    public init(weights: [String: Double], seed: UInt64) {
        precondition(!weights.isEmpty && weights.values.allSatisfy { $0 > 0 }, "an ensemble needs positive weights")
        self.weights = weights
        generator = SplitMix64(seed: seed)
    }

    /// A model name with probability proportional to its weight.
    public mutating func pick() -> String {
        var draw = generator.unit() * weights.values.reduce(0, +)
        let names = weights.keys.sorted()
        for name in names {
            draw -= weights[name]!
            if draw < 0 { return name }
        }
        return names.last!
    }

    /// Multiplies a model's weight by `factor` (kept positive), e.g. from improvement per dollar.
    public mutating func reward(_ model: String, factor: Double) {
        guard let w = weights[model] else { return }
        weights[model] = max(1e-6, w * factor)
    }
}
