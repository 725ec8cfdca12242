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
