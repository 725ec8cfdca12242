import Foundation

/// The best program re-scored with fresh training seeds when the run ends: `freshSeeds` validation and
/// `freshSeeds` test evaluations, none with a seed it was selected on.
///
/// - `drift` = the selection score (mean of the ordinary validation evaluations selection used) minus the
///   mean over the fresh validation seeds: the winner's curse, positive when the selection was lucky.
/// - `gap` = the fresh validation mean minus the test mean: both are unselected estimates, so this is the
///   split's difference, not the curse.
public struct BestAssessment: Codable, Sendable, Equatable {
    public var selection: ScoreStats
    public var freshValidation: ScoreStats?
    public var test: ScoreStats?
    public var drift: Double?
    public var gap: Double?
    /// Human-readable flags: drift or gap above the configured thresholds.
    public var flags: [String]

    public init(selection: ScoreStats, freshValidation: ScoreStats?, test: ScoreStats?, driftThreshold: Double, gapThreshold: Double) {
        self.selection = selection
        self.freshValidation = freshValidation
        self.test = test
        drift = freshValidation.map { selection.mean - $0.mean }
        gap = freshValidation.flatMap { fresh in test.map { fresh.mean - $0.mean } }
        var flags: [String] = []
        if let drift, drift > driftThreshold {
            flags.append(String(format: "re-run drift %+.3f above %.3f: the selection score was lucky", drift, driftThreshold))
        }
        if let gap, abs(gap) > gapThreshold {
            flags.append(String(format: "val–test gap %+.3f beyond ±%.3f", gap, gapThreshold))
        }
        self.flags = flags
    }
}
