import Foundation

/// A program's selection score over its ordinary validation evaluations (one per training seed): the
/// mean, the sample standard deviation (n ≥ 2) and the count. An evaluation that did not end
/// `.evaluated` (a crash or a timeout under that training seed) counts as 0.
public struct ScoreStats: Codable, Sendable, Equatable {
    public var mean: Double
    /// Sample standard deviation (n − 1 in the denominator); nil for a single evaluation.
    public var sd: Double?
    public var n: Int

    public init(mean: Double, sd: Double? = nil, n: Int = 1) {
        self.mean = mean
        self.sd = sd
        self.n = max(1, n)
    }

    public init(scores: [Double]) {
        let n = max(1, scores.count)
        let mean = scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)
        var sd: Double?
        if scores.count >= 2 {
            sd = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count - 1)).squareRoot()
        }
        self.init(mean: mean, sd: sd, n: n)
    }

    /// The standard error of the mean, nil for one evaluation (no spread measured).
    public var standardError: Double? { sd.map { $0 / Double(n).squareRoot() } }
}
