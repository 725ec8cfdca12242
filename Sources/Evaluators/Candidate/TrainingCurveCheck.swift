import Foundation

/// Flags a candidate whose validation score is far above what its own `predict` scored on training
/// examples: a model answers the puzzles it was trained on about as well as, or better than, unseen
/// ones; answers that come from somewhere else and favour the queries do not show on training examples.
///
/// The training side is the driver's last probe (`RunRecord.probes`): the kernel's full `predict`,
/// with the EMA weights, on a fixed sample of 32 training examples, scored by TRMKit's driver against
/// labels the kernel cannot read (labels are their own type, accepted only by the losses). So it
/// measures what validation measures, and a kernel cannot forge it upward. It does not catch a solver
/// that answers training examples as well as queries: the learning control (`LearningControl`) is the
/// layer for that.
///
/// ```swift
/// if let finding = TrainingCurveCheck().finding(validationExact: 0.98, record: record) { … }
/// ```
public struct TrainingCurveCheck: Sendable, Equatable, Codable {
    /// How far validation may exceed the final probe's exact accuracy.
    public var margin: Double

    /// The probe and validation use the same weights and the same `predict`, so an honest kernel's gap
    /// is its generalisation gap with the sign reversed (at most sampling noise on 32 examples: ±0.18
    /// at two standard errors near 0.5). 0.35 keeps clear of that noise.
    public init(margin: Double = 0.35) {
        self.margin = margin
    }

    /// A `.flag` finding when validation exceeds the final probe by more than the margin, or when a
    /// candidate scores without any probe to compare with.
    public func finding(validationExact: Double, record: RunRecord) -> IntegrityFinding? {
        guard let training = record.finalProbeExact else {
            guard validationExact > margin else { return nil }
            return IntegrityFinding(
                check: "curve", action: .flag,
                evidence: String(format: "validation exact %.3f with no probe of predict on training examples to compare", validationExact))
        }
        guard validationExact > training + margin else { return nil }
        return IntegrityFinding(
            check: "curve", action: .flag,
            evidence: String(
                format: "validation exact %.3f, but predict answered only %.3f of %d training examples right with the same weights (margin %.2f): answers that favour the queries?",
                validationExact, training, record.probes.last?.examples ?? 0, margin))
    }
}
