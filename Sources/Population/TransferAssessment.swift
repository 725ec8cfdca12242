import Foundation

/// Whether a program's gain carries over to benchmarks it was never selected on: its gain over the seed it
/// descends from on the selection suite, beside its gain on the transfer benchmarks, each with its SE.
///
/// The transfer scores are means over fresh training seeds for the program and for its seed, taken when
/// the run ends and never read by selection (that would make them one more selection benchmark).
///
/// ```swift
/// let t = TransferAssessment(seedID: seed.id, selection: best, seedSelection: seedStats,
///                            transfer: ScoreStats(scores: [0.20, 0.22, 0.19]), seedTransfer: ScoreStats(scores: [0.21, 0.20, 0.22]))
/// t.doesNotTransfer   // true when the selection gain is real (> 2 SE) and the transfer gain is ≤ 0 within 1 SE
/// ```
public struct TransferAssessment: Codable, Sendable, Equatable {
    /// The seed the program descends from (its first-parent root); the program itself when it is a seed.
    public var seedID: String
    /// On the selection suite: the program's score (fresh validation seeds when the run re-scored it, else
    /// its selection mean) and its seed's mean over the seeds it was raced with.
    public var selection: ScoreStats
    public var seedSelection: ScoreStats
    /// On the transfer benchmarks, over fresh training seeds: the program, and its seed.
    public var transfer: ScoreStats
    public var seedTransfer: ScoreStats
    public var selectionGain: Gain
    public var transferGain: Gain
    /// The selection gain is more than 2 SE above 0 and the transfer gain is at most 1 SE above 0.
    public var doesNotTransfer: Bool

    public typealias Gain = ScoreGain

    public init(seedID: String, selection: ScoreStats, seedSelection: ScoreStats, transfer: ScoreStats, seedTransfer: ScoreStats) {
        self.seedID = seedID
        self.selection = selection
        self.seedSelection = seedSelection
        self.transfer = transfer
        self.seedTransfer = seedTransfer
        selectionGain = Gain(selection, minus: seedSelection)
        transferGain = Gain(transfer, minus: seedTransfer)
        doesNotTransfer = Self.judge(selection: selectionGain, transfer: transferGain)
    }

    /// The rule: a selection gain beyond 2 SE whose transfer gain is ≤ 0 within 1 SE. Without an SE on
    /// either side there is no verdict (false): an unmeasured spread cannot call a gain real or absent.
    static func judge(selection: Gain, transfer: Gain) -> Bool {
        guard let selectionSE = selection.standardError, let transferSE = transfer.standardError else { return false }
        return selection.value > 2 * selectionSE && transfer.value <= transferSE
    }

    /// One line for the log, the report and `evolve inspect best`.
    public var summary: String {
        return String(format: "transfer %.4f ± %.4f (n %d) against its seed's %.4f; gain on selection %@, on transfer %@",
                      transfer.mean, transfer.standardError ?? 0, transfer.n, seedTransfer.mean, selectionGain.text, transferGain.text)
            + (doesNotTransfer ? "; does not transfer" : "")
    }
}
