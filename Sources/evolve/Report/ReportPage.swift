import Evaluators
import EvolveCore
import Foundation

/// The HTML of `evolve report`: one self-contained page (inline CSS and SVG, no script, no external
/// reference) built from a run's database. Every string taken from the run is escaped with `HTML.escape`.
struct ReportPage {
    /// One run as the page needs it.
    struct Run {
        let name: String
        let strategy: String
        let store: ProgramStore
        /// Every program in creation order.
        let programs: [Program]
        /// The real data of each `data:` benchmark as recorded in run.json when the run started (none for
        /// generated benchmarks and for runs made before it was recorded).
        var data: [String: DataSource] = [:]
        /// Where its evaluations ran, when they went through a queue.
        var hosts: HostTable?

        var start: Date { programs.map(\.created).min() ?? Date() }
    }

    let run: Run
    /// A control arm (e.g. `best-of-n`) whose best-score curve is drawn beside the run's.
    let control: Run?
    /// Elites whose validation score exceeds their held-out test score by more than this are flagged.
    let gapThreshold: Double
    /// Rows of the top-programs table.
    let top: Int
    let generated: Date

    func render() throws -> String {
        let history = ScoreHistory(programs: run.programs, islands: run.store.config.islands, start: run.start)
        var body = try header()
        body += section("Scores", id: "scores", scores(history))
        if let control { body += section("Against the control arm", id: "control", comparison(control)) }
        body += section("MAP-Elites grids", id: "grids", heatmaps())
        body += section("Generalization: validation against held-out test", id: "generalization", generalization())
        body += section("Transfer: gain on the selection suite against gain elsewhere", id: "transfer",
                        TransferSection(assessments: try run.store.records.transferAssessments()).render())
        body += section("Flags", id: "flags", try flags())
        body += section("LLM tokens and dollars", id: "spend", try spend())
        if let hosts = run.hosts?.html { body += section("Evaluations by host", id: "hosts", hosts) }
        body += section("Lineage of the best program", id: "lineage", try lineage())
        body += section("Top programs", id: "top", try topPrograms())
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>evolve report: \(HTML.escape(run.name))</title>
            <style>\(ReportStyle.css)</style>
            </head><body>
            \(body)
            <footer>Written by <code>evolve report</code> on \(HTML.escape(Self.timestamp(generated))) from \(HTML.escape(run.store.config.features.dimensions.map(\.name).joined(separator: " × "))) grids. Program text, summaries and names come from the run and are shown as text, never as markup.</footer>
            </body></html>

            """
    }

    /// One benchmark's data in a line: path, format, the start of its content hash, the draw, what was left out.
    static func data(_ source: DataSource) -> String {
        var text = "\(source.path) (\(source.format.rawValue), \(source.files.count) file\(source.files.count == 1 ? "" : "s")), "
            + "content fnv1a \(source.contentHash.prefix(12)), drew \(source.drawn.train) train / \(source.drawn.validation) validation / "
            + "\(source.drawn.test) test of \(source.available) (seed \(source.seed))"
        if !source.leftOut.isEmpty { text += "; left out: " + source.leftOut.joined(separator: "; ") }
        return text
    }

    // MARK: - Sections

    private func header() throws -> String {
        let programs = run.programs
        let counts = Dictionary(grouping: programs, by: \.status).mapValues(\.count)
        let best = try run.store.best()
        let assessment = try best.flatMap { try run.store.assessment(of: $0.id) }
        let transfer = try best.flatMap { try run.store.records.transfer(of: $0.id) }
        let scale = try best.flatMap { try run.store.records.scale(of: $0.id) }
        let bestFlags = (assessment?.flags ?? []) + (transfer?.doesNotTransfer == true ? [TransferView.flag] : []) + (scale?.flag.map { ["scale check: \($0)"] } ?? []) + (try best.flatMap { try run.store.records.flaggedPrograms()[$0.id] }.map { ["permutation control: \($0)"] } ?? [])
            + (best.map { IntegritySummary.lines(of: $0.id, store: run.store) } ?? [])
        let spend = try run.store.records.spend()
        let span = (programs.map(\.created).max() ?? run.start).timeIntervalSince(run.start)
        let stats = run.store.statistics().overall
        var rows: [(String, String)] = [
            ("strategy", run.strategy),
            ("programs", "\(programs.count): " + ProgramStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
                .joined(separator: ", ")),
            ("evaluations", "\(try run.store.records.evaluationCount()) (\(try run.store.records.evaluationCount(split: .test)) on the held-out test split)"),
            ("best validation score", best.map { "\(Self.stats($0.scoreStats, fallback: $0.score)) over training seeds (program \(String($0.id.prefix(8))), iteration \($0.iteration))" } ?? "–"),
            ("its held-out test score", assessment?.test.map { Self.stats($0, fallback: nil) + " with fresh training seeds" + (assessment?.gap.map { String(format: ", val–test gap %+.4f", $0) } ?? "") }
                ?? HTML.number(best?.testMetrics?.combinedScore)),
            ("its re-run", assessment?.freshValidation.map { Self.stats($0, fallback: nil) + " on validation with fresh training seeds" + (assessment?.drift.map { String(format: ", drift %+.4f", $0) } ?? "") }
                ?? "not yet re-scored with fresh training seeds (done when the run ends)"),
            ("early stop", Self.earlyStop(try run.store.earlyStops.summary())),
            ("its transfer", TransferView.line(transfer)),
            ("its scale check", ScaleView.line(scale)),
            ("its flags", bestFlags.isEmpty ? "none" : bestFlags.joined(separator: "; ")),
            ("MAP-Elites", String(format: "%d islands, coverage %.1f%%, QD-score %.3f", run.store.config.islands, 100 * stats.coverage, stats.qdScore)),
            ("LLM spend", String(format: "$%.4f, %d prompt + %d completion tokens", spend.costUSD, spend.promptTokens, spend.completionTokens)),
            ("span", Self.duration(span) + " from the first program to the last"),
        ]
        for (name, source) in run.data.sorted(by: { $0.key < $1.key }) { rows.append(("data: \(name)", Self.data(source))) }
        let table = rows.map { "<tr><th>\(HTML.escape($0.0))</th><td>\(HTML.escape($0.1))</td></tr>" }.joined()
        return "<header><h1>evolve report: \(HTML.escape(run.name))</h1><table class=\"summary\">\(table)</table></header>"
    }

    /// What the value function did: children stopped, and shadow mode's would-stops with its false stops.
    static func earlyStop(_ s: EarlyStopSummary) -> String {
        "\(s.stopped) child(ren) stopped between benchmarks" + (s.wouldStop == 0 ? "" :
            "; shadow: \(s.wouldStop) would have been stopped, \(s.falseStops) of them became contenders or cell elites (false stops)")
    }

    /// `0.6100 ± 0.0500 (n 3)`: a mean with its standard error and count.
    static func stats(_ s: ScoreStats?, fallback: Double?) -> String {
        guard let s else { return HTML.number(fallback) + " (n 1)" }
        return HTML.number(s.mean) + (s.standardError.map { " ± " + HTML.number($0) } ?? "") + " (n \(s.n))"
    }

    private func scores(_ history: ScoreHistory) -> String {
        func plot(_ title: String, xLabel: String, _ pick: (ScoreHistory.Curves) -> [ScoreHistory.Point]) -> String {
            var plot = SVGPlot(title: title, xLabel: xLabel, yLabel: "validation score")
            plot.width = 660
            plot.height = 340
            for (island, curves) in history.islands.enumerated() {
                let color = SVGPlot.palette[island % SVGPlot.palette.count]
                let points = pick(curves)
                plot.series.append(.init(name: "island \(island)", color: color, style: .step, points: points.map { ($0.x, $0.best, nil) }))
                plot.series.append(.init(name: "island \(island) median", color: color, style: .dashedStep,
                                         points: points.map { ($0.x, $0.median, nil) }, inLegend: false))
            }
            let overall = pick(history.overall)
            plot.series.append(.init(name: "all islands (best)", color: "#222222", style: .step, points: overall.map { ($0.x, $0.best, nil) }))
            plot.series.append(.init(name: "all islands (median)", color: "#888888", style: .dashedStep, points: overall.map { ($0.x, $0.median, nil) }))
            return plot.render()
        }
        return """
            <p>Solid: the best validation score so far; dashed: the median of all validation scores so far (same colour, same island). \
            Migrated copies count on the island they moved to, not in “all islands”.</p>
            <div class="row">\(plot("By iteration", xLabel: "iteration") { $0.byIteration })\
            \(plot("By time", xLabel: "\(history.timeUnit.name) since the first program") { $0.byTime })</div>
            """
    }

    private func comparison(_ control: Run) -> String {
        let start = run.start, controlStart = control.start
        let mine = ScoreHistory(programs: run.programs, islands: 0, start: start)
        let theirs = ScoreHistory(programs: control.programs, islands: 0, start: controlStart)
        // One time unit for both runs: the coarser of the two.
        let unit = mine.timeUnit.seconds >= theirs.timeUnit.seconds ? mine.timeUnit : theirs.timeUnit
        func rescale(_ points: [ScoreHistory.Point], from: Double) -> [(x: Double, y: Double, label: String?)] {
            points.map { ($0.x * from / unit.seconds, $0.best, nil) }
        }
        var byIteration = SVGPlot(title: "Best validation score by iteration", xLabel: "iteration", yLabel: "best validation score")
        var byTime = SVGPlot(title: "Best validation score by time", xLabel: "\(unit.name) since the first program", yLabel: "best validation score")
        for (index, (arm, history)) in [(run, mine), (control, theirs)].enumerated() {
            let name = "\(arm.name) (\(arm.strategy))"
            let color = SVGPlot.palette[index == 0 ? 0 : 2]
            byIteration.series.append(.init(name: name, color: color, style: .step, points: history.overall.byIteration.map { ($0.x, $0.best, nil) }))
            byTime.series.append(.init(name: name, color: color, style: .step, points: rescale(history.overall.byTime, from: history.timeUnit.seconds)))
        }
        let best = { (arm: Run) in arm.programs.compactMap(\.score).max() }
        return """
            <p>Both runs' best validation score so far. Best: \(HTML.escape(run.name)) \(HTML.number(best(run))), \
            \(HTML.escape(control.name)) \(HTML.number(best(control))).</p>
            <div class="row">\(byIteration.render())\(byTime.render())</div>
            """
    }

    private func heatmaps() -> String {
        let stats = run.store.statistics().islands
        let scores = (0..<run.store.config.islands).flatMap { run.store.grid(island: $0).map(\.score) }
        guard let lo = scores.min(), let hi = scores.max() else { return "<p class=\"muted\">No program has been placed in a grid yet.</p>" }
        let scale = lo < hi ? lo...hi : (lo - 0.05)...(hi + 0.05)
        var out = "<p>Each cell holds the best program with those descriptors (the elite); colour and number are its validation score, on one scale for all islands. Hover a cell for its program.</p><div class=\"row\">"
        for island in 0..<run.store.config.islands {
            let s = stats.indices.contains(island) ? stats[island] : nil
            let title = "island \(island)" + (s.map { String(format: ": coverage %.1f%%, QD-score %.3f", 100 * $0.coverage, $0.qdScore) } ?? "")
            out += "<figure>" + Heatmap(island: island, store: run.store, scale: scale, title: title).render() + "</figure>"
        }
        return out + "</div>"
    }

    private func generalization() -> String {
        let elites = run.programs.filter { $0.score != nil && $0.testMetrics != nil && $0.migratedFrom == nil }
        guard !elites.isEmpty else {
            return "<p class=\"muted\">No program has a held-out test score yet (new cell elites and new bests are scored on the test split).</p>"
        }
        var series = SVGPlot.Series(name: "elites", color: SVGPlot.palette[0], style: .points, points: [])
        var flagged: [(Program, Double)] = []
        for program in elites {
            let validation = program.score ?? 0, test = program.testMetrics?.combinedScore ?? 0
            let gap = validation - test
            if gap > gapThreshold {
                series.flagged.insert(series.points.count)
                flagged.append((program, gap))
            }
            series.points.append((validation, test, String(format: "program %@: validation %.4f, test %.4f, gap %+.4f",
                                                           String(program.id.prefix(8)), validation, test, gap)))
        }
        var plot = SVGPlot(title: "Elites: validation against held-out test", xLabel: "validation score", yLabel: "held-out test score",
                           series: [series])
        plot.diagonal = true
        plot.width = 420
        plot.height = 400
        let gaps = elites.map { ($0.score ?? 0) - ($0.testMetrics?.combinedScore ?? 0) }
        let meanGap = gaps.reduce(0, +) / Double(gaps.count)
        var table = ""
        if !flagged.isEmpty {
            table = "<table><tr><th>program</th><th>iteration</th><th>validation</th><th>test</th><th>gap</th><th>change</th></tr>"
            for (program, gap) in flagged.sorted(by: { $0.1 > $1.1 }).prefix(30) {
                table += "<tr class=\"flag\"><td><code>\(HTML.escape(program.id.prefix(8)))</code></td><td>\(program.iteration)</td><td>\(HTML.number(program.score))</td><td>\(HTML.number(program.testMetrics?.combinedScore))</td><td>\(String(format: "%+.4f", gap))</td><td>\(HTML.escape(program.proposal?.summary ?? ""))</td></tr>"
            }
            table += "</table>"
        }
        return """
            <p>\(elites.count) programs have a held-out test score; the mean gap (validation − test) is \(String(format: "%+.4f", meanGap)). \
            Below the diagonal a program scores worse on data selection never saw. \
            <strong>\(flagged.count)</strong> exceed the gap threshold of \(String(format: "%.2f", gapThreshold)) (red rings)\(flagged.isEmpty ? "." : ":")</p>
            <div class="row"><figure>\(plot.render())</figure><div>\(table)</div></div>
            """
    }

    private func spend() throws -> String {
        let proposed = run.programs.filter { $0.proposal != nil && $0.migratedFrom == nil }.sorted { $0.created < $1.created }
        let total = try run.store.records.spend()
        let tokens = proposed.reduce(0) { $0 + ($1.proposal?.promptTokens ?? 0) + ($1.proposal?.completionTokens ?? 0) }
        guard tokens > 0 || total.costUSD > 0 else {
            let models = Set(proposed.compactMap { $0.proposal?.model }).sorted()
            return "<p class=\"muted\">No LLM tokens were recorded\(models.isEmpty ? "" : " (proposers: \(HTML.escape(models.joined(separator: ", "))))"): nothing to plot.</p>"
        }
        let span = (proposed.last?.created ?? run.start).timeIntervalSince(run.start)
        let unit = ScoreHistory.unit(span: span)
        var prompt = 0.0, completion = 0.0, dollars = 0.0
        var promptPoints: [(x: Double, y: Double, label: String?)] = [], completionPoints = promptPoints, dollarPoints = promptPoints
        for program in proposed {
            let x = program.created.timeIntervalSince(run.start) / unit.seconds
            prompt += Double(program.proposal?.promptTokens ?? 0)
            completion += Double(program.proposal?.completionTokens ?? 0)
            dollars += program.proposal?.costUSD ?? 0
            promptPoints.append((x, prompt, nil))
            completionPoints.append((x, completion, nil))
            dollarPoints.append((x, dollars, nil))
        }
        let xLabel = "\(unit.name) since the first program"
        let tokenPlot = SVGPlot(title: "Tokens (cumulative)", xLabel: xLabel, yLabel: "tokens", series: [
            .init(name: "prompt", color: SVGPlot.palette[0], style: .line, points: promptPoints),
            .init(name: "completion", color: SVGPlot.palette[1], style: .line, points: completionPoints),
        ])
        let dollarPlot = SVGPlot(title: "Dollars (cumulative)", xLabel: xLabel, yLabel: "US dollars", series: [
            .init(name: "spend", color: SVGPlot.palette[4], style: .line, points: dollarPoints),
        ])
        var byModel: [String: (calls: Int, tokens: Int, dollars: Double)] = [:]
        for program in proposed {
            guard let p = program.proposal else { continue }
            byModel[p.model, default: (0, 0, 0)].calls += p.calls
            byModel[p.model, default: (0, 0, 0)].tokens += p.promptTokens + p.completionTokens
            byModel[p.model, default: (0, 0, 0)].dollars += p.costUSD
        }
        let rows = byModel.sorted { $0.key < $1.key }.map {
            "<tr><td>\(HTML.escape($0.key))</td><td>\($0.value.calls)</td><td>\($0.value.tokens)</td><td>\(String(format: "$%.4f", $0.value.dollars))</td></tr>"
        }.joined()
        return """
            <p>Curves: the proposals of stored programs. Total including failed proposals and duplicates: \
            \(String(format: "$%.4f", total.costUSD)), \(total.promptTokens) prompt and \(total.completionTokens) completion tokens.</p>
            <div class="row">\(tokenPlot.render())\(dollarPlot.render())</div>
            <table><tr><th>model</th><th>calls</th><th>tokens</th><th>dollars</th></tr>\(rows)</table>
            """
    }

    private func lineage() throws -> String {
        guard let best = try run.store.best() else { return "<p class=\"muted\">No evaluated program yet.</p>" }
        let chain = Array(try run.store.firstParentChain(from: best).reversed())
        let shown = Array(chain.suffix(200))
        let rowHeight = 24.0
        let height = Double(shown.count) * rowHeight + 12
        var svg = "<svg class=\"lineage\" width=\"900\" height=\"\(Int(height))\" viewBox=\"0 0 900 \(Int(height))\" role=\"img\"><title>lineage of the best program</title>"
        svg += "<line x1=\"16\" x2=\"16\" y1=\"14\" y2=\"\(HTML.coordinate(height - 14))\" class=\"spine\"/>"
        var previous: Double?
        for (index, program) in shown.enumerated() {
            let y = 14 + Double(index) * rowHeight
            let color = SVGPlot.palette[program.island % SVGPlot.palette.count]
            let score = program.score
            var delta = ""
            if let score, let previous { delta = String(format: " (%+.4f)", score - previous) }
            var label = "\(program.id.prefix(8))  gen \(program.generation)  it \(program.iteration)  island \(program.island)  "
                + (score.map { String(format: "%.4f", $0) } ?? program.status.rawValue) + delta
            let summary = program.migratedFrom.map { "migrated copy of \($0.prefix(8))" }
                ?? program.proposal?.summary ?? (program.parents.isEmpty ? "seed" : "")
            if !summary.isEmpty { label += "  — " + String(summary.prefix(110)) }
            svg += "<circle cx=\"16\" cy=\"\(HTML.coordinate(y))\" r=\"6\" fill=\"\(color)\"><title>\(HTML.escape(program.id))</title></circle>"
            if program.parents.count > 1 {
                // A crossover: its other parents branch in from the side.
                let others = program.parents.dropFirst().map { String($0.prefix(8)) }.joined(separator: ", ")
                svg += "<path d=\"M40 \(HTML.coordinate(y - rowHeight / 2))Q24 \(HTML.coordinate(y - 2)) 22 \(HTML.coordinate(y))\" class=\"branch\"/>"
                svg += "<circle cx=\"40\" cy=\"\(HTML.coordinate(y - rowHeight / 2))\" r=\"3.5\" class=\"other-parent\"><title>\(HTML.escape("crossover with \(others)"))</title></circle>"
                label += "  × " + others
            }
            svg += "<text x=\"52\" y=\"\(HTML.coordinate(y + 4))\" class=\"lineage-label\">\(HTML.escape(label))</text>"
            if let score { previous = score }
        }
        svg += "</svg>"
        let omitted = chain.count - shown.count
        return """
            <p>From the seed (top) to the best program (bottom) along first parents: \(chain.count) programs\
            \(omitted > 0 ? ", the first \(omitted) left out" : ""). Colour: island; a side branch marks a crossover's other parent.</p>
            <figure class="scroll">\(svg)</figure>
            """
    }

    /// Integrity findings against programs (issue 15): the compute cross-check, the training-curve
    /// check and the permutation control's verdicts, each with its evidence as stored with the evaluation.
    private func flags() throws -> String {
        let flags = try run.store.records.integrityFlags()
        guard !flags.isEmpty else {
            return "<p class=\"muted\">No program was flagged: every evaluated program's CPU time was explained by its metered work, its validation was in line with its training curve, and every control run held.</p>"
        }
        var out = "<p>Findings of the integrity checks, stored with the evaluations (a rejected program scored nothing; a flagged one keeps its evidence and cannot become a best until a re-check with a fresh training seed comes back clean; a program the permutation control flagged left selection).</p>"
        out += "<table class=\"flags\"><tr><th>program</th><th>status</th><th>flag</th><th>split</th><th>evidence</th></tr>"
        for flag in flags {
            let status = (try? run.store.program(flag.programID))?.status.rawValue ?? "–"
            out += "<tr class=\"flag\"><td><code>\(HTML.escape(flag.programID.prefix(8)))</code></td><td>\(HTML.escape(status))</td><td>\(HTML.escape(flag.check))</td><td>\(HTML.escape(flag.split))</td><td>\(HTML.escape(Self.clipped(flag.evidence, lines: 6)))</td></tr>"
        }
        return out + "</table>"
    }

    private func topPrograms() throws -> String {
        let ranked = run.programs.filter { $0.score != nil && $0.migratedFrom == nil }
            .sorted { ($0.score ?? 0, $1.created) > ($1.score ?? 0, $0.created) }
            .prefix(top)
        guard !ranked.isEmpty else { return "<p class=\"muted\">No evaluated program yet.</p>" }
        var out = "<table class=\"top\"><tr><th>#</th><th>program</th><th>island</th><th>iteration</th><th>validation</th><th>test</th><th>gap</th><th>proposed by</th><th>change</th></tr>"
        for (rank, program) in ranked.enumerated() {
            let test = program.testMetrics?.combinedScore
            let gap = test.map { (program.score ?? 0) - $0 }
            let flag = (gap ?? 0) > gapThreshold ? " class=\"flag\"" : ""
            out += "<tr\(flag)><td>\(rank + 1)</td><td><code>\(HTML.escape(program.id.prefix(8)))</code></td><td>\(program.island)</td><td>\(program.iteration)</td><td>\(HTML.number(program.score))</td><td>\(HTML.number(test))</td><td>\(gap.map { String(format: "%+.4f", $0) } ?? "–")</td><td>\(HTML.escape(program.proposal.map { "\($0.model) (\($0.mode))" } ?? "seed"))</td><td>\(HTML.escape(program.proposal?.summary ?? ""))</td></tr>"
            let parent = try program.parents.first.flatMap { try run.store.program($0) }
            let diff = ProgramDiff.text(parent?.files ?? [:], program.files)
            let title = parent.map { "diff against parent \($0.id.prefix(8))" } ?? "source (a seed: no parent)"
            out += "<tr class=\"diff-row\"><td></td><td colspan=\"8\"><details\(rank == 0 ? " open" : "")><summary>\(HTML.escape(title))</summary>\(Self.diffBlock(diff))</details></td></tr>"
        }
        out += "</table>"
        if let best = ranked.first {
            let files = best.files.sorted { $0.key < $1.key }.map { path, text in
                "<h4><code>\(HTML.escape(path))</code></h4><pre class=\"source\">\(HTML.escape(Self.clipped(text, lines: 2000)))</pre>"
            }.joined()
            out += "<details><summary>full source of the best program \(HTML.escape(best.id.prefix(8)))</summary>\(files)</details>"
        }
        return out
    }

    // MARK: - Pieces

    private func section(_ title: String, id: String, _ content: String) -> String {
        "<section id=\"\(id)\"><h2>\(HTML.escape(title))</h2>\(content)</section>\n"
    }

    /// A diff with added and removed lines coloured; at most 400 lines.
    static func diffBlock(_ diff: String) -> String {
        let lines = diff.split(separator: "\n", omittingEmptySubsequences: false)
        var out = "<pre class=\"diff\">"
        for line in lines.prefix(400) {
            let kind = line.hasPrefix("+++") || line.hasPrefix("---") ? "file" : line.hasPrefix("+") ? "add" : line.hasPrefix("-") ? "del" : "ctx"
            out += "<span class=\"\(kind)\">\(HTML.escape(line))</span>\n"
        }
        if lines.count > 400 { out += "<span class=\"muted\">… \(lines.count - 400) more lines (evolve inspect program shows all)</span>\n" }
        return out + "</pre>"
    }

    static func clipped(_ text: String, lines limit: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > limit else { return text }
        return lines.prefix(limit).joined(separator: "\n") + "\n… \(lines.count - limit) more lines"
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 120 { return String(format: "%.0f s", seconds) }
        if seconds < 7200 { return String(format: "%.1f min", seconds / 60) }
        return String(format: "%.1f h", seconds / 3600)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
