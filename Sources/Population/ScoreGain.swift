import Foundation

/// A difference of two independent means with its standard error: a program's gain over the seed it
/// descends from, on the transfer benchmarks or at a larger budget.
public struct ScoreGain: Codable, Sendable, Equatable {
    public var value: Double
    /// Nil when neither side has a spread.
    public var standardError: Double?

    /// `a − b`. A side evaluated once has no SD of its own: it takes the other side's (the same
    /// evaluator's noise on the same suite), so one repeat short of an SE does not hide a verdict.
    public init(_ a: ScoreStats, minus b: ScoreStats) {
        value = a.mean - b.mean
        let sdA = a.sd ?? b.sd, sdB = b.sd ?? a.sd
        if let sdA, let sdB {
            standardError = (sdA * sdA / Double(max(1, a.n)) + sdB * sdB / Double(max(1, b.n))).squareRoot()
        } else {
            standardError = nil
        }
    }

    /// `+0.1200 ± 0.0100`, or `+0.1200 (SE unknown)`.
    public var text: String {
        String(format: "%+.4f", value) + (standardError.map { String(format: " ± %.4f", $0) } ?? " (SE unknown)")
    }
}
