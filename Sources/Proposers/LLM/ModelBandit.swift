import EvolveCore
import EvolveSupport
import Foundation

/// Chooses the ensemble's model by improvement per dollar, by Thompson sampling: each model's chance of
/// improving on its parent has a Beta posterior from its record, times its mean gain when it does, over
/// its mean cost per proposal. A model nobody has tried yet gets the prior, so every model is explored.
///
/// The draw is seeded by the proposal's seed, not by hidden state, so a run that restores the record
/// (`Record`, stored by the loop through `Proposer.snapshot()`) picks the same models as before.
struct ModelBandit: Sendable {
    /// What one model has done so far.
    struct Arm: Codable, Sendable, Equatable {
        var proposals = 0
        /// Proposals whose child scored higher than its parent.
        var improvements = 0
        /// Sum of the positive score changes.
        var gain = 0.0
        var costUSD = 0.0
    }

    /// The persisted state: every model's record.
    struct Record: Codable, Sendable, Equatable {
        var version = 1
        var arms: [String: Arm] = [:]
    }

    var record = Record()
    /// Prior preference per model (the ensemble's weights); 1 when absent.
    var weights: [String: Double]
    /// A floor on the cost of a proposal, so free (local) models are compared by gain per proposal.
    var costFloorUSD: Double

    init(weights: [String: Double] = [:], costFloorUSD: Double = 0.0001) {
        self.weights = weights
        self.costFloorUSD = costFloorUSD
    }

    /// The model with the highest sampled gain per dollar among `models` (sorted, so dictionary order
    /// never matters).
    func choose(among models: [String], seed: UInt64) -> String {
        precondition(!models.isEmpty, "a bandit needs at least one model")
        var rng = SplitMix64(seed: seed)
        let all = record.arms.values
        let improvements = all.map(\.improvements).reduce(0, +)
        let proposals = all.map(\.proposals).reduce(0, +)
        let pooledGain = improvements > 0 ? all.map(\.gain).reduce(0, +) / Double(improvements) : 1
        let pooledCost = proposals > 0 ? all.map(\.costUSD).reduce(0, +) / Double(proposals) : 0
        var best = (model: models.sorted()[0], index: -Double.infinity)
        for model in models.sorted() {
            let arm = record.arms[model] ?? Arm()
            let p = Self.beta(1 + Double(arm.improvements), 1 + Double(arm.proposals - arm.improvements), rng: &rng)
            let gain = (arm.gain + pooledGain) / Double(arm.improvements + 1)
            let cost = (arm.costUSD + pooledCost) / Double(arm.proposals + 1) + costFloorUSD
            let index = (weights[model] ?? 1) * p * gain / cost
            if index > best.index { best = (model, index) }
        }
        return best.model
    }

    /// Records a child's result against the model that proposed it. Every proposal counts (a failed one
    /// cost money and improved nothing).
    mutating func observe(model: String, costUSD: Double, scoreChange: Double?) {
        var arm = record.arms[model] ?? Arm()
        arm.proposals += 1
        arm.costUSD += costUSD
        if let change = scoreChange, change > 0 {
            arm.improvements += 1
            arm.gain += change
        }
        record.arms[model] = arm
    }

    // MARK: - Sampling

    /// Beta(a, b) from two Gamma draws.
    static func beta(_ a: Double, _ b: Double, rng: inout SplitMix64) -> Double {
        let x = gamma(a, rng: &rng)
        let y = gamma(b, rng: &rng)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    /// Gamma(shape ≥ 1, 1) by Marsaglia and Tsang's method.
    static func gamma(_ shape: Double, rng: inout SplitMix64) -> Double {
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = normal(rng: &rng)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = max(rng.unit(), .leastNormalMagnitude)
            if log(u) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
        }
    }

    /// A standard normal draw (Box–Muller).
    static func normal(rng: inout SplitMix64) -> Double {
        let u1 = max(rng.unit(), .leastNormalMagnitude)
        let u2 = rng.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
