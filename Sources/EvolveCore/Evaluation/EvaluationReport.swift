/// How an evaluation ended, from the program's side.
public enum EvaluationOutcome: String, Codable, Sendable, Equatable {
    /// Scored on the full budget.
    case evaluated
    /// The program did not build (compile errors, a refused source, a compiler out of time or memory).
    case buildFailed = "build_failed"
    /// It built but was refused before or while scoring: a crash, a timeout, malformed answers, a
    /// failed check.
    case rejected
    /// Stopped between benchmarks: the value function showed it could not become a contender
    /// (`EarlyStopRule`); the metrics hold the benchmarks it ran.
    case stopped
}

/// What an evaluation concluded: the outcome, the metrics, the descriptors that place the program in
/// the MAP-Elites grid, and the artifacts the next prompt shows the LLM.
public struct EvaluationReport: Sendable {
    public var outcome: EvaluationOutcome
    /// Present when `outcome == .evaluated`.
    public var metrics: Metrics?
    /// Feature values the evaluator measured (the TRM evaluator: `parameters`, `flops_per_step`,
    /// `train_flops`; a command evaluator: the numbers of its metrics line). The loop adds the generic
    /// ones (`code_length`, `edit_distance`).
    public var descriptors: [String: Double]
    /// Short texts keyed by what they are about ("build", "sudoku-6x6-minimal", …). Text the candidate
    /// wrote is quoted inside them, never mistaken for evolve's own words.
    public var artifacts: [String: String]
    public var buildSeconds: Double
    public var totalSeconds: Double

    /// Artifacts under keys starting with this ("flag: compute", "flag: curve") are an integrity
    /// check's finding against the program, with its evidence; they are stored with the evaluation and
    /// listed by `RunRecords.integrityFlags()` (stored as rows of their own).
    public static let flagArtifactPrefix = "flag: "

    /// The artifact that holds the value function's evidence for a stop (outcome `stopped`), or, in
    /// shadow mode, for the stop it would have made.
    public static let earlyStopArtifact = "early stop"
    public static let shadowStopArtifact = "early stop (shadow)"

    /// The checks whose findings this evaluation carries ("learning", "curve", "compute"), sorted. Each
    /// acts on selection: a finding whose action is `reject` already failed the evaluation, and one that
    /// only flags says the score may not come from learning within the budget, so the program may not
    /// become a best until a re-check clears it (docs/candidate-protocol.md, "What a flag does").
    public var flaggedChecks: [String] {
        artifacts.keys.filter { $0.hasPrefix(Self.flagArtifactPrefix) }.map { String($0.dropFirst(Self.flagArtifactPrefix.count)) }.sorted()
    }

    public init(
        outcome: EvaluationOutcome, metrics: Metrics? = nil, descriptors: [String: Double] = [:], artifacts: [String: String] = [:],
        buildSeconds: Double = 0, totalSeconds: Double = 0
    ) {
        self.outcome = outcome
        self.metrics = metrics
        self.descriptors = descriptors
        self.artifacts = artifacts
        self.buildSeconds = buildSeconds
        self.totalSeconds = totalSeconds
    }

    /// The first line of the first artifact (by name), for a one-line log message.
    public var firstArtifactLine: String {
        guard let (key, text) = artifacts.sorted(by: { $0.key < $1.key }).first else { return "no details" }
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return "\(key): \(line.prefix(200))"
    }
}
