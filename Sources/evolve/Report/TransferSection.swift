import EvolveCore
import Foundation

/// The report's transfer section (issue 28): for every program the run scored on its transfer benchmarks
/// (the best and the top cell elites), its gain over its seed on the selection suite against its gain on
/// the transfer benchmarks, with the programs flagged "does not transfer" ringed and listed.
struct TransferSection {
    let assessments: [String: TransferAssessment]

    func render() -> String {
        guard !assessments.isEmpty else {
            return "<p class=\"muted\">No transfer scores: the run's evolve.yaml has no <code>transfer:</code> benchmarks, or the run has not ended (they are scored when it ends).</p>"
        }
        var series = SVGPlot.Series(name: "programs", color: SVGPlot.palette[0], style: .points, points: [])
        var rows = ""
        for (id, t) in assessments.sorted(by: { $0.value.selectionGain.value > $1.value.selectionGain.value }) {
            if t.doesNotTransfer { series.flagged.insert(series.points.count) }
            series.points.append((t.selectionGain.value, t.transferGain.value, String(
                format: "program %@: selection gain %+.4f, transfer gain %+.4f", String(id.prefix(8)), t.selectionGain.value, t.transferGain.value)))
            rows += "<tr\(t.doesNotTransfer ? " class=\"flag\"" : "")><td><code>\(HTML.escape(id.prefix(8)))</code></td><td><code>\(HTML.escape(t.seedID.prefix(8)))</code></td>"
                + "<td>\(Self.stats(t.transfer))</td><td>\(Self.stats(t.seedTransfer))</td><td>\(Self.gain(t.selectionGain))</td><td>\(Self.gain(t.transferGain))</td>"
                + "<td>\(t.doesNotTransfer ? "does not transfer" : "")</td></tr>"
        }
        var plot = SVGPlot(title: "Gain over the seed: selection suite against transfer benchmarks", xLabel: "selection gain",
                           yLabel: "transfer gain", series: [series])
        plot.diagonal = true
        plot.width = 420
        plot.height = 400
        let flagged = assessments.values.filter(\.doesNotTransfer).count
        return """
            <p>Transfer benchmarks are never used for selection, racing or the control; each program below was scored on them \
            with fresh training seeds when the run ended, beside the seed it descends from. On the diagonal a gain carries over \
            in full; a program is flagged (red ring) when its selection gain exceeds 2 SE and its transfer gain is ≤ 0 within \
            1 SE. <strong>\(flagged)</strong> of \(assessments.count) do not transfer.</p>
            <div class="row"><figure>\(plot.render())</figure><div><table><tr><th>program</th><th>seed</th><th>transfer</th>\
            <th>seed's transfer</th><th>selection gain</th><th>transfer gain</th><th></th></tr>\(rows)</table></div></div>
            """
    }

    static func stats(_ s: ScoreStats) -> String { ReportPage.stats(s, fallback: nil) }

    static func gain(_ g: TransferAssessment.Gain) -> String {
        String(format: "%+.4f", g.value) + (g.standardError.map { String(format: " ± %.4f", $0) } ?? "")
    }
}
