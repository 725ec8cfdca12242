import EvolveCore
import Foundation

/// A program's transfer assessment for `inspect best` (text and `--json`) and the report: its score on
/// the transfer benchmarks beside its seed's, and both gains with their SEs.
struct TransferView: Encodable {
    struct Gain: Encodable {
        let value: Double, se: Double?
        init(_ g: TransferAssessment.Gain) { value = g.value; se = g.standardError }
    }

    let seed: String
    let transfer: BestView.StatsView, seed_transfer: BestView.StatsView
    let selection: BestView.StatsView, seed_selection: BestView.StatsView
    let selection_gain: Gain, transfer_gain: Gain
    let does_not_transfer: Bool

    init(_ t: TransferAssessment) {
        seed = t.seedID
        transfer = .init(t.transfer); seed_transfer = .init(t.seedTransfer)
        selection = .init(t.selection); seed_selection = .init(t.seedSelection)
        selection_gain = Gain(t.selectionGain); transfer_gain = Gain(t.transferGain)
        does_not_transfer = t.doesNotTransfer
    }

    /// The flag it raises, for the flags list.
    static let flag = "does not transfer: its gain on the selection suite is beyond 2 SE, its gain on the transfer benchmarks is ≤ 0 within 1 SE"

    /// `transfer (fresh seeds) 0.2100 ± 0.0100 (n 3); seed 5d1c… 0.2300 …; gain: selection +0.1200 ± 0.0100, transfer −0.0200 ± 0.0140`.
    static func line(_ t: TransferAssessment?) -> String {
        guard let t else { return "transfer: none (scored when the run ends, when evolve.yaml has a transfer: list)" }
        func gain(_ g: TransferAssessment.Gain) -> String { String(format: "%+.4f", g.value) + (g.standardError.map { String(format: " ± %.4f", $0) } ?? " (SE unknown)") }
        return "transfer (fresh seeds) " + InspectCommand.stats(t.transfer) + "; its seed \(t.seedID.prefix(8)) " + InspectCommand.stats(t.seedTransfer)
            + "; gain over the seed: selection " + gain(t.selectionGain) + ", transfer " + gain(t.transferGain)
    }
}
