import Foundation

/// Flags a candidate whose validation score is far above what its own training path achieved: a
/// model answers unseen puzzles about as well as, or worse than, the training puzzles it was just
/// trained on; answers that come from somewhere else (a solver in `predict`) do not show in training.
///
/// The comparison uses the curve's `answer_accuracy`, measured by TRMKit's trainer (not reported by
/// the kernel): the share of training examples whose last training answer — after all the supervision
/// steps they got — was entirely right. It is the training-side twin of validation's exact accuracy,
/// except that training answers come from the live weights and validation from their EMA. A kernel can
/// only lower it (by computing its losses on worse logits), which makes the flag likelier, not rarer.
///
/// ```swift
/// if let finding = TrainingCurveCheck().finding(validationExact: 0.98, curve: report.curve) { … }
/// ```
public struct TrainingCurveCheck: Sendable, Equatable, Codable {
    /// How far validation may exceed the best recent training answer accuracy.
    public var margin: Double
    /// The share of the curve (its end) that counts as recent.
    public var tail: Double

    /// The default margin covers what honest kernels showed: the seeds at the default budget up to 0.36
    /// above their recent training answers (validation uses EMA weights, training the live ones), and
    /// an honest fast learner (the TRM seed with n 2 → 1 on 6×6 Sudoku) 0.56 (1.000 against 0.438);
    /// the seed's training with a solver's answers on top sits 0.76 above.
    public init(margin: Double = 0.65, tail: Double = 0.34) {
        self.margin = margin
        self.tail = tail
    }

    /// The best answer accuracy over the curve's last `tail` of points (nil without any).
    public func recentAnswerAccuracy(_ curve: [RunReport.CurvePoint]) -> Double? {
        let recent = curve.suffix(max(1, Int((Double(curve.count) * tail).rounded(.up))))
        return recent.compactMap(\.answerAccuracy).max()
    }

    /// A `.flag` finding when validation exceeds the recent training answer accuracy by more than the
    /// margin, or when a candidate scores without any training answers to compare with.
    public func finding(validationExact: Double, curve: [RunReport.CurvePoint]) -> IntegrityFinding? {
        guard let training = recentAnswerAccuracy(curve) else {
            guard validationExact > margin else { return nil }
            return IntegrityFinding(
                check: "curve", action: .flag,
                evidence: String(format: "validation exact %.3f with no training answers to compare (no example finished training)", validationExact))
        }
        guard validationExact > training + margin else { return nil }
        return IntegrityFinding(
            check: "curve", action: .flag,
            evidence: String(
                format: "validation exact %.3f, but at most %.3f of training examples were answered right at the end of their training (margin %.2f): answers not learned in training?",
                validationExact, training, margin))
    }
}
