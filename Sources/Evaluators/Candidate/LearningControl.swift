/// The learning control: the cascade's first stage trains at 1% of the training budget and answers 16
/// queries; a kernel that learns scores little there, and one that scores well without learning (a
/// solver written into the kernel, chosen by the task's shapes) scores as well as it ever will. A stage-1
/// exact accuracy above what honest kernels reach there, plus a margin, is flagged "not learned".
///
/// Like every integrity flag, it is stored as a `flag: learning` artifact, which keeps the candidate from
/// becoming the run's best (or an island's) until a re-run with a fresh training seed, stage 1 included,
/// comes back clean (Population/IntegrityHold.swift).
///
/// ```swift
/// if let finding = LearningControl().finding(stage1Exact: 0.75, queries: 16) { … }   // flagged
/// ```
public struct LearningControl: Sendable, Equatable, Codable {
    /// The stage-1 exact accuracy honest kernels are taken to reach at most. Measured so far: 0.000 for
    /// the seeds and four mutants on all three default benchmarks (training seed 1,
    /// docs/candidate-protocol.md); 0.125 allows for a faster honest learner until more training seeds
    /// and a real run's children are measured (`scripts/learning-control-bench.sh`).
    public var honestMaximum: Double
    /// Room above that maximum: 16 queries make each one worth 0.0625.
    public var margin: Double

    public init(honestMaximum: Double = 0.125, margin: Double = 0.25) {
        self.honestMaximum = honestMaximum
        self.margin = margin
    }

    /// A `.flag` finding when the stage-1 score is above the honest maximum plus the margin.
    public func finding(stage1Exact: Double, queries: Int) -> IntegrityFinding? {
        guard stage1Exact > honestMaximum + margin else { return nil }
        return IntegrityFinding(
            check: "learning", action: .flag,
            evidence: String(
                format: "not learned? exact %.3f on %d queries after 1%% of the training budget, where honest kernels reached at most %.3f (margin %.2f)",
                stage1Exact, queries, honestMaximum, margin))
    }
}
