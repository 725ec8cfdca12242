import EvolveCore
import Foundation

/// What the whole run has tried, every lineage and island, in a few lines: the lineage's own attempts
/// show only one branch, so without this a model proposes again the change that failed to build on
/// another island an hour ago, or misses the one idea that has paid three times.
///
/// ```text
/// # What this run has tried (all lineages: the latest 140 proposals besides this lineage's, …)
/// Largest gains (one evaluation each):
/// - +0.0412 nSup 6 -> 3 on every benchmark (sudoku-4x4 +0.050, sudoku-9x9 +0.030, maze +0.044)
/// Did not build or was refused (latest first):
/// - use log() for the halting prior — kernel.swift:150:13: error: cannot find 'log' in scope
/// ```
///
/// Its lines come in order of use (counts, gains, failures, losses, then everything else evaluated) and
/// the text stops at a line
/// boundary within its character limit: at most `budgetShare` of `prompt.token_budget`, and it is the
/// first part `PromptPlan` cuts when the prompt must shrink.
struct RunDigest {
    /// The share of `prompt.token_budget` the digest may use.
    static let budgetShare = 0.10
    static let gainsShown = 5
    static let failuresShown = 5
    static let lossesShown = 3

    private let lines: [String]

    /// Nil when the run has no attempts beyond the ones the lineage section shows.
    init?(_ context: ProposalContext) {
        let shown = context.attempts
        let others = context.runAttempts.filter { attempt in
            !shown.contains { $0.programID == attempt.programID && $0.change == attempt.change && $0.detail == attempt.detail }
        }
        guard !others.isEmpty else { return nil }
        func count(_ outcomes: Attempt.Outcome...) -> Int { others.filter { outcomes.contains($0.outcome) }.count }
        var counts = ["\(count(.evaluated)) evaluated", "\(count(.buildFailed)) did not build", "\(count(.rejected)) rejected"]
        if count(.proposalFailed) > 0 { counts.append("\(count(.proposalFailed)) never applied") }
        if count(.duplicate) > 0 { counts.append("\(count(.duplicate)) duplicates") }
        var lines = ["# What this run has tried (all lineages: the latest \(others.count) proposals besides this lineage's above — \(counts.joined(separator: ", ")))"]

        let scored = others.filter { $0.outcome == .evaluated && $0.scoreChange != nil }
        let gains = scored.filter { $0.scoreChange! > 0 }.sorted { $0.scoreChange! > $1.scoreChange! }.prefix(Self.gainsShown)
        if !gains.isEmpty {
            lines.append("Largest gains (one evaluation each; read them against the noise above):")
            lines += gains.map(Self.scoredLine)
        }
        let failures = others.filter { $0.outcome == .buildFailed || $0.outcome == .rejected }.prefix(Self.failuresShown)
        if !failures.isEmpty {
            lines.append("Did not build or was refused (latest first; do not repeat these mistakes):")
            lines += failures.map { "- " + Self.quoted($0.change, limit: 100) + " — " + Self.quoted($0.detail, limit: 160) }
        }
        let losses = scored.filter { $0.scoreChange! < 0 }.sorted { $0.scoreChange! < $1.scoreChange! }.prefix(Self.lossesShown)
        if !losses.isEmpty {
            lines.append("Largest losses:")
            lines += losses.map(Self.scoredLine)
        }
        // The rest of what was evaluated, newest first, until the digest's share of the budget is spent.
        let rest = scored.filter { attempt in !gains.contains(attempt) && !losses.contains(attempt) }
        if !rest.isEmpty {
            lines.append("Also tried (latest first):")
            lines += rest.map(Self.scoredLine)
        }
        self.lines = lines
    }

    /// The characters the digest may use under a token budget (4 characters a token).
    static func limit(tokenBudget: Int) -> Int { Int(Double(tokenBudget) * budgetShare) * 4 }

    /// The digest's lines that fit `limit` characters, whole lines only; nil when not even the heading
    /// and one line fit.
    func text(limit: Int) -> String? {
        var out: [String] = []
        var used = 0
        for line in lines {
            guard used + line.count + 1 <= limit else { break }
            out.append(line)
            used += line.count + 1
        }
        // A section heading with no line under it says nothing.
        while let last = out.last, last.hasSuffix(":") || (out.count == 1 && last.hasPrefix("#")) { out.removeLast() }
        return out.isEmpty ? nil : out.joined(separator: "\n")
    }

    private static func scoredLine(_ attempt: Attempt) -> String {
        var line = String(format: "- %+.4f ", attempt.scoreChange ?? 0) + quoted(attempt.change, limit: 100)
        if let changes = attempt.benchmarkChanges, changes.count > 1 { line += " (" + BenchmarkDeltas.text(changes) + ")" }
        return line
    }

    /// A model's summary or a build's message: untrusted text, kept to one defused line.
    private static func quoted(_ text: String, limit: Int) -> String {
        let line = PromptText.defused(PromptText.oneLine(text, limit: limit))
        return line.isEmpty ? "(no summary)" : line
    }
}
