/// Which held-back examples a program is scored on: `validation` drives selection, `test` is the
/// held-out split reported beside it (scored only for elites and the best) to show whether a gain
/// generalizes. `transfer` is the held-out split of the transfer benchmarks (`transfer:` in evolve.yaml),
/// benchmarks selection never sees, scored only when the run ends to ask whether a gain carries over to
/// a task it was not selected on. Candidates never see any split's labels.
public enum Split: String, Codable, Sendable, CaseIterable {
    case validation, test, transfer
}
