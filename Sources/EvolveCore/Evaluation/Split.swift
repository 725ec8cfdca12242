/// Which held-back examples a program is scored on: `validation` drives selection, `test` is the
/// held-out split reported beside it (scored only for elites and the best) to show whether a gain
/// generalizes. Candidates never see either split's labels.
public enum Split: String, Codable, Sendable, CaseIterable {
    case validation, test
}
