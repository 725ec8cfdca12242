/// What one of the honest-compute checks found against a candidate (docs/candidate-protocol.md,
/// "How the evaluator checks"): which check, whether the candidate should be rejected or only flagged
/// (kept, held out of the bests until a clean re-check, shown in the report), and the evidence in words
/// a person can check.
public struct IntegrityFinding: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Action: String, Sendable, Codable {
        /// The score cannot stand: treat the candidate as failed.
        case reject
        /// The score is suspect: keep the evidence, and hold the candidate out of the bests until a
        /// re-run with a fresh training seed comes back clean (Population/IntegrityHold.swift).
        case flag
    }

    /// "run-report", "compute", "permutation" or "curve".
    public var check: String
    public var action: Action
    public var evidence: String

    public init(check: String, action: Action, evidence: String) {
        self.check = check
        self.action = action
        self.evidence = evidence
    }

    public var description: String { "\(action.rawValue) (\(check)): \(evidence)" }
}
