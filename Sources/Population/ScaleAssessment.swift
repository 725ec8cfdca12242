import Foundation

/// Whether a program's gain survives more compute: its gain over the seed it descends from at the run's
/// training budgets and at `factor` × every `train_flops`, each with its SE.
///
/// At small budgets a search mostly finds ways to buy more optimiser steps per FLOP (smaller batches,
/// narrower models); whether that still helps at 4× the compute is the bitter-lesson question. The
/// discovery is flagged when its gain at the factor is ≤ 0, or below the 1× gain by more than 2 SE of the
/// difference. A program with no gain at 1× (the seed itself, or no better than it) gets no verdict.
///
/// ```swift
/// let s = ScaleAssessment(factor: 4, seedID: seed.id, atOne: ScoreGain(best, minus: seed),
///                         program: ScoreStats(scores: [0.30, 0.31, 0.29]), seed: ScoreStats(scores: [0.31, 0.30, 0.30]))
/// s.flagged   // true: the gain vanished at 4×
/// ```
public struct ScaleAssessment: Codable, Sendable, Equatable {
    public var factor: Double
    public var seedID: String
    /// At the factor, over fresh training seeds: the program and its seed.
    public var program: ScoreStats
    public var seed: ScoreStats
    public var gainAtOne: ScoreGain
    public var gainAtFactor: ScoreGain
    /// Why the gain does not survive scale; nil when it does or there is no gain to judge.
    public var flag: String?

    public var flagged: Bool { flag != nil }

    public init(factor: Double, seedID: String, atOne: ScoreGain, program: ScoreStats, seed: ScoreStats) {
        self.factor = factor
        self.seedID = seedID
        self.program = program
        self.seed = seed
        gainAtOne = atOne
        gainAtFactor = ScoreGain(program, minus: seed)
        flag = Self.judge(atOne: atOne, atFactor: gainAtFactor, factor: factor)
    }

    static func judge(atOne: ScoreGain, atFactor: ScoreGain, factor: Double) -> String? {
        guard atOne.value > 0 else { return nil }
        let scale = String(format: "%g", factor)
        if atFactor.value <= 0 {
            return "does not survive scale: its gain over the seed is \(atOne.text) at 1× and \(atFactor.text) at \(scale)×"
        }
        guard let one = atOne.standardError, let more = atFactor.standardError else { return nil }
        let seDifference = (one * one + more * more).squareRoot()
        guard atOne.value - atFactor.value > 2 * seDifference else { return nil }
        return "shrinks with scale: its gain over the seed is \(atOne.text) at 1× and \(atFactor.text) at \(scale)×, more than 2 SE of the difference lower"
    }

    /// One line for the log, the report and `evolve inspect best`.
    public var summary: String {
        "at \(String(format: "%g", factor))× the training budgets: \(Self.stats(program)) against its seed's \(Self.stats(seed)); gain over the seed \(gainAtOne.text) at 1×, \(gainAtFactor.text) at \(String(format: "%g", factor))×"
            + (flag.map { "; \($0)" } ?? "")
    }

    static func stats(_ s: ScoreStats) -> String {
        String(format: "%.4f", s.mean) + (s.standardError.map { String(format: " ± %.4f", $0) } ?? "") + " (n \(s.n))"
    }
}
