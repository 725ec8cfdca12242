import Foundation

/// The writes and reads of the store that touch a program's own row beside its evaluations: the held-out
/// test score, the permutation control (which may disqualify it), the best's assessment, and the
/// programs a crash left without a commit or unfinished.
extension ProgramStore {
    /// Records a held-out test evaluation and the program's test metrics together.
    public func recordTest(_ id: String, _ record: EvaluationRecord) throws {
        try db.transaction {
            try records.insertEvaluation(record, programID: id)
            if let metrics = record.report.metrics { try setTestMetrics(id, metrics) }
        }
    }

    /// Records a control run and, when it found the program did not learn, takes the program out of
    /// selection (`disqualify`); the evidence stays in the control run's artifacts.
    public func recordControl(_ id: String, _ record: EvaluationRecord, verdict: String?) throws {
        var record = record
        record.kind = .control
        if let verdict { record.report.artifacts["control verdict"] = "flagged and removed from selection: \(verdict)" }
        try records.insertEvaluation(record, programID: id)
        if verdict != nil { try disqualify(id) }
    }

    /// Stores the best's re-scoring with fresh seeds (mean ± SE on validation and test, drift, gap, flags).
    public func setAssessment(_ id: String, _ assessment: BestAssessment) throws {
        try db.run("UPDATE programs SET assessment = ? WHERE id = ?", [try ProgramRow.json(assessment), .text(id)])
    }

    public func assessment(of id: String) throws -> BestAssessment? {
        guard let text = try db.query("SELECT assessment FROM programs WHERE id = ?", [.text(id)]).first?.first?.text else { return nil }
        return try? JSONDecoder().decode(BestAssessment.self, from: Data(text.utf8))
    }

    /// A program's lineage commit, without reading its files.
    public func commitID(of id: String) throws -> String? {
        try db.query("SELECT commit_id FROM programs WHERE id = ?", [.text(id)]).first?.first?.text
    }

    /// Records the re-check of a program an integrity finding holds (an ordinary validation evaluation with
    /// a fresh training seed, so it counts toward the program's mean): a clean one releases it and places
    /// it again, so it may take the bests its mean earns; a flagged one keeps it out for good. One
    /// transaction; the placement feeds `FollowUpRule.afterRace`.
    @discardableResult
    public func recordRecheck(_ id: String, _ record: EvaluationRecord) throws -> Placement {
        try atomically {
            try records.insertEvaluation(record, programID: id)
            let row = try db.rows("SELECT island, status, evicted, descriptors FROM programs WHERE id = ?", [.text(id)]).first
            var standing: (island: Int, cell: [Int])?
            if let row, row["status"].text == ProgramStatus.evaluated.rawValue {
                let stats = ScoreStats(scores: try records.validationScores(of: id))
                try db.run(
                    "UPDATE programs SET score = ?, score_sd = ?, score_n = ? WHERE (id = ? OR migrated_from = ?) AND +status = 'evaluated'",
                    [.real(stats.mean), stats.sd.map { .real($0) } ?? .null, .integer(Int64(stats.n)), .text(id), .text(id)])
                try apply(population.rescore(id, stats))
                if row["evicted"].integer == 0 {
                    let descriptors = (try? JSONDecoder().decode([String: Double].self, from: Data((row["descriptors"].text ?? "{}").utf8))) ?? [:]
                    standing = (try row.int("island"), config.features.cell(descriptors))
                }
            }
            let clean = record.report.outcome == .evaluated && !record.actsOnSelection
            let placement = population.recheck(id, clean: clean, island: standing?.island, cell: standing?.cell ?? [], sizes: size)
            try apply(placement.changes)
            return placement
        }
    }

    /// Programs whose re-check a stop interrupted (held, awaiting it, and not racing: a race's settling
    /// schedules its own), oldest first.
    public func pendingRechecks() throws -> [String] {
        try db.rows("SELECT id FROM programs WHERE hold = 'recheck' AND race_target = 0 AND status = 'evaluated' ORDER BY rowid").map { try $0.text("id") }
    }

    /// Programs whose race a stop interrupted: id → evaluations still to run (0: only the settling).
    public func pendingRaces() throws -> [(id: String, missing: Int)] {
        try db.rows("SELECT id, race_target, score_n FROM programs WHERE race_target > 0 AND status = 'evaluated' ORDER BY rowid").map {
            (try $0.text("id"), max(0, try $0.int("race_target") - Int($0["score_n"].integer ?? 0)))
        }
    }

    /// Programs with no commit yet (a crash between the database write and the commit), oldest first.
    public func programsWithoutCommit() throws -> [Program] {
        try db.rows(
            "SELECT \(ProgramRow.columns) FROM programs WHERE commit_id IS NULL AND migrated_from IS NULL AND status IN ('evaluated', 'failed', 'rejected') ORDER BY rowid"
        ).map(ProgramRow.decode)
    }

    /// Programs whose evaluation had not finished when the run stopped, oldest first.
    public func unfinishedPrograms() throws -> [Program] {
        try db.rows("SELECT \(ProgramRow.columns) FROM programs WHERE status IN ('queued', 'evaluating') ORDER BY rowid").map(ProgramRow.decode)
    }

    /// The first-parent chain of a program: itself first, then its first parent, and so on back to its
    /// seed; it ends early at the first program `stop` accepts (included), at a missing parent, at a cycle,
    /// and after 100 000 programs. The one walk the loop, `evolve inspect lineage` and the report share.
    public func firstParentChain(from program: Program, stoppingAt stop: (Program) -> Bool = { _ in false }) throws -> [Program] {
        var chain = [program]
        var seen: Set<String> = [program.id]
        while let parentID = chain.last?.parents.first, chain.count < 100_000, !seen.contains(parentID), let parent = try self.program(parentID) {
            chain.append(parent)
            seen.insert(parentID)
            if stop(parent) { break }
        }
        return chain
    }
}
