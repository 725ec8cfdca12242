import Foundation

/// One evaluation as stored: which split and training seed, how it ended, what it measured and said.
public struct EvaluationRecord: Sendable {
    public var split: Split
    public var trainingSeed: UInt64
    public var report: EvaluationReport
    public var kind: Kind

    /// What an evaluation was for: selection (`ordinary`: the first evaluation and the racing repeats, and
    /// a cell elite's test score), a permutation `control`, or the best's re-scoring with `fresh` training
    /// seeds (never part of a selection score), or the scale check's runs at a multiple of the training
    /// budgets (`scale`, never part of any other figure).
    public enum Kind: String, Sendable {
        case ordinary, control, fresh, scale
    }

    public init(split: Split, trainingSeed: UInt64, report: EvaluationReport, kind: Kind = .ordinary) {
        self.split = split
        self.trainingSeed = trainingSeed
        self.report = report
        self.kind = kind
    }

    /// An evaluated run with a finding that holds the program out of the bests (`EvaluationReport.flaggedChecks`).
    /// Every finding acts, the training curve's included: its probe now answers training examples drawn as the
    /// queries are, so honest kernels no longer carry it (issue 24), and no check is exempted by name.
    public var actsOnSelection: Bool {
        report.outcome == .evaluated && !report.flaggedChecks.isEmpty
    }
}

/// One integrity finding against a program, as stored with one of its evaluations.
public struct IntegrityFlag: Sendable, Equatable {
    public var programID: String
    /// "compute", "curve" or "permutation".
    public var check: String
    /// The finding in words a person can check (which benchmark, what was measured, what was expected).
    public var evidence: String
    /// The split of the evaluation that found it.
    public var split: String

    public init(programID: String, check: String, evidence: String, split: String) {
        self.programID = programID
        self.check = check
        self.evidence = evidence
        self.split = split
    }
}

/// The run's own records beside the population: every evaluation with its integrity findings, the
/// attempts shown to proposers, the loop's state (iteration, RNG, spend, the proposer's snapshot). It
/// shares the store's connection (one SQLite file), so one transaction covers a result and everything it
/// changes.
public final class RunRecords {
    let db: SQLiteConnection

    init(db: SQLiteConnection) {
        self.db = db
    }

    /// Stores one evaluation and its findings together.
    func insertEvaluation(_ record: EvaluationRecord, programID: String) throws {
        let report = record.report
        try db.transaction {
        try db.run(
            "INSERT INTO evaluations (program_id, split, training_seed, outcome, metrics, artifacts, build_seconds, total_seconds, created, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.text(programID), .text(record.split.rawValue), .integer(Int64(bitPattern: record.trainingSeed)), .text(report.outcome.rawValue),
             try ProgramRow.json(report.metrics), try ProgramRow.json(report.artifacts), .real(report.buildSeconds), .real(report.totalSeconds),
             .real(Date().timeIntervalSince1970), .text(record.kind.rawValue)])
        try recordFindings(of: record, evaluation: db.lastInsertRowID, programID: programID)
        }
    }

    /// The findings an evaluation carries, one row each: the evaluator's checks (its `flag: <check>`
    /// artifacts, in key order) and a control run's verdict (check `permutation`).
    private func recordFindings(of record: EvaluationRecord, evaluation: Int64, programID: String) throws {
        let prefix = EvaluationReport.flagArtifactPrefix
        var findings: [(check: String, evidence: String)] = []
        if record.kind == .control {
            if let verdict = record.report.artifacts["control verdict"] { findings.append(("permutation", verdict)) }
        } else {
            for (key, evidence) in record.report.artifacts.sorted(by: { $0.key < $1.key }) where key.hasPrefix(prefix) {
                findings.append((String(key.dropFirst(prefix.count)), evidence))
            }
        }
        for finding in findings {
            try db.run(
                "INSERT INTO findings (evaluation_id, program_id, check_name, evidence, split) VALUES (?, ?, ?, ?, ?)",
                [.integer(evaluation), .text(programID), .text(finding.check), .text(finding.evidence), .text(record.split.rawValue)])
        }
    }

    /// A program's validation metrics averaged over its ordinary evaluations (each benchmark's exact and
    /// token accuracy, each named value): what the permutation control compares against, so one lucky
    /// or unlucky seed does not decide its verdict. Nil when none ended evaluated.
    public func meanValidationMetrics(of id: String) throws -> Metrics? {
        let all = try db.query(
            "SELECT metrics FROM evaluations WHERE program_id = ? AND split = 'validation' AND kind = 'ordinary' AND outcome = 'evaluated' ORDER BY id",
            [.text(id)]
        ).compactMap { row in row[0].text.flatMap { try? JSONDecoder().decode(Metrics.self, from: Data($0.utf8)) } }
        guard var mean = all.first else { return nil }
        let count = Double(all.count)
        for (name, first) in mean.benchmarks {
            let runs = all.compactMap { $0.benchmarks[name] }
            var averaged = first
            averaged.exactAccuracy = runs.map(\.exactAccuracy).reduce(0, +) / Double(runs.count)
            averaged.tokenAccuracy = runs.map(\.tokenAccuracy).reduce(0, +) / Double(runs.count)
            mean.benchmarks[name] = averaged
        }
        for key in mean.values.keys { mean.values[key] = all.map { $0.values[key] ?? 0 }.reduce(0, +) / count }
        return mean
    }

    /// Records one evaluation of the best's re-scoring with a fresh training seed (kind `fresh`).
    public func recordFresh(_ id: String, _ record: EvaluationRecord) throws {
        var record = record
        record.kind = .fresh
        try insertEvaluation(record, programID: id)
    }

    /// The scores of a program's fresh-seed evaluations on `split` (a run that did not end evaluated scores 0).
    public func freshScores(of id: String, split: Split) throws -> [Double] {
        try db.query(
            "SELECT outcome, metrics FROM evaluations WHERE program_id = ? AND split = ? AND kind = 'fresh' ORDER BY id",
            [.text(id), .text(split.rawValue)]
        ).map { row in
            guard row[0].text == EvaluationOutcome.evaluated.rawValue, let text = row[1].text,
                  let metrics = try? JSONDecoder().decode(Metrics.self, from: Data(text.utf8)) else { return 0 }
            return metrics.combinedScore
        }
    }

    /// Whether a control run of the program is stored.
    public func hasControl(_ id: String) throws -> Bool {
        (try db.query("SELECT 1 FROM evaluations WHERE program_id = ? AND kind = 'control' LIMIT 1", [.text(id)]).first) != nil
    }

    /// Control verdicts of the run: program id → the evidence, for programs the control flagged.
    public func flaggedPrograms() throws -> [String: String] {
        var flagged: [String: String] = [:]
        for row in try db.rows("SELECT program_id, evidence FROM findings WHERE check_name = 'permutation' ORDER BY id") {
            flagged[try row.text("program_id")] = try row.text("evidence")
        }
        return flagged
    }

    /// Every integrity finding stored with the run's evaluations, oldest first: the evaluator's checks
    /// ("compute", "curve") and the permutation control's verdicts ("permutation"). Of one program when
    /// `programID` is given.
    public func integrityFlags(programID: String? = nil) throws -> [IntegrityFlag] {
        let filter = programID == nil ? "" : " WHERE program_id = ?"
        return try db.rows(
            "SELECT program_id, check_name, evidence, split FROM findings" + filter + " ORDER BY evaluation_id, id", programID.map { [.text($0)] } ?? []
        ).map { row in
            IntegrityFlag(programID: try row.text("program_id"), check: try row.text("check_name"), evidence: try row.text("evidence"), split: try row.text("split"))
        }
    }

    /// The artifacts of a program's latest ordinary evaluation on `split`.
    public func artifacts(of id: String, split: Split = .validation) throws -> [String: String] {
        guard let text = try db.query(
            "SELECT artifacts FROM evaluations WHERE program_id = ? AND split = ? AND kind = 'ordinary' ORDER BY id DESC LIMIT 1",
            [.text(id), .text(split.rawValue)]
        ).first?.first?.text else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    /// How many evaluations are stored (of one program and one split when given).
    public func evaluationCount(programID: String? = nil, split: Split? = nil) throws -> Int {
        var conditions: [String] = []
        var bindings: [SQLiteValue] = []
        if let programID { conditions.append("program_id = ?"); bindings.append(.text(programID)) }
        if let split { conditions.append("split = ? AND kind = 'ordinary'"); bindings.append(.text(split.rawValue)) }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return Int(try db.query("SELECT count(*) FROM evaluations" + filter, bindings).first?.first?.integer ?? 0)
    }

    public func recordAttempt(_ attempt: Attempt, iteration: Int, parentID: String, proposal: Proposal?) throws {
        try db.run(
            "INSERT INTO attempts (iteration, parent_id, program_id, outcome, change, detail, score_change, proposal, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.integer(Int64(iteration)), .text(parentID), attempt.programID.map { .text($0) } ?? .null, .text(attempt.outcome.rawValue),
             .text(attempt.change), .text(attempt.detail), attempt.scoreChange.map { .real($0) } ?? .null, try ProgramRow.json(proposal),
             .real(Date().timeIntervalSince1970)])
    }

    /// The latest attempts made from any of `parentIDs` (a program and its ancestors), newest first.
    public func attempts(from parentIDs: [String], limit: Int) throws -> [Attempt] {
        guard !parentIDs.isEmpty, limit > 0 else { return [] }
        let marks = Array(repeating: "?", count: parentIDs.count).joined(separator: ", ")
        return try attempts(where: "a.parent_id IN (\(marks))", parentIDs.map { .text($0) }, limit: limit)
    }

    /// The latest attempts of the whole run (every lineage), newest first: the run digest's material.
    public func runAttempts(limit: Int) throws -> [Attempt] {
        guard limit > 0 else { return [] }
        return try attempts(where: "1", [], limit: limit)
    }

    /// The attempt that made program `id` (its latest, if a re-queued child has two), or nil.
    public func attempt(making id: String) throws -> Attempt? {
        try attempts(where: "a.program_id = ?", [.text(id)], limit: 1).first
    }

    /// Attempts with their per-benchmark changes, read from the child's and the parent's stored metrics
    /// (each program's first evaluation), so older records gain them too.
    private func attempts(where condition: String, _ bindings: [SQLiteValue], limit: Int) throws -> [Attempt] {
        try db.query(
            """
            SELECT a.program_id, a.outcome, a.change, a.detail, a.score_change, c.metrics, p.metrics FROM attempts a
            LEFT JOIN programs c ON c.id = a.program_id LEFT JOIN programs p ON p.id = a.parent_id
            WHERE \(condition) ORDER BY a.id DESC LIMIT ?
            """,
            bindings + [.integer(Int64(limit))]
        ).map { row in
            func metrics(_ value: SQLiteValue) -> Metrics? { value.text.flatMap { try? JSONDecoder().decode(Metrics.self, from: Data($0.utf8)) } }
            let changes = row[4].real == nil ? nil : Attempt.benchmarkChanges(child: metrics(row[5]), parent: metrics(row[6]))
            return Attempt(programID: row[0].text, outcome: Attempt.Outcome(rawValue: row[1].text ?? "") ?? .rejected, change: row[2].text ?? "",
                           detail: row[3].text ?? "", scoreChange: row[4].real, benchmarkChanges: changes)
        }
    }

    /// A value of the run's key–value state (`meta`), e.g. the loop's state as JSON.
    public func state(_ key: String) throws -> String? {
        try db.query("SELECT value FROM meta WHERE key = ?", [.text("run." + key)]).first?.first?.text
    }

    public func setState(_ key: String, _ value: String) throws {
        try db.run("INSERT OR REPLACE INTO meta VALUES (?, ?)", [.text("run." + key), .text(value)])
    }

    /// Total LLM spend and tokens over every proposal: children, duplicates and failed proposals.
    public func spend() throws -> (costUSD: Double, promptTokens: Int, completionTokens: Int) {
        let children = try db.query(
            "SELECT coalesce(sum(cost), 0), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0) FROM proposals").first
        let failed = try db.query(
            """
            SELECT coalesce(sum(json_extract(proposal, '$.costUSD')), 0), coalesce(sum(json_extract(proposal, '$.promptTokens')), 0),
                   coalesce(sum(json_extract(proposal, '$.completionTokens')), 0)
            FROM attempts WHERE outcome = 'proposal_failed' AND proposal IS NOT NULL
            """).first
        func real(_ row: [SQLiteValue]?, _ i: Int) -> Double { row?[i].real ?? Double(row?[i].integer ?? 0) }
        return (real(children, 0) + real(failed, 0), Int(real(children, 1) + real(failed, 1)), Int(real(children, 2) + real(failed, 2)))
    }

    /// Every training seed a program was evaluated with (any split, any kind), so fresh seeds are fresh.
    public func trainingSeeds(of id: String) throws -> Set<UInt64> {
        Set(try db.query("SELECT training_seed FROM evaluations WHERE program_id = ?", [.text(id)]).compactMap {
            $0.first?.integer.map { UInt64(bitPattern: $0) }
        })
    }

    /// The scores of a program's ordinary validation evaluations, oldest first (a run that did not end
    /// evaluated scores 0); with `upTo`, only those with an evaluation id at most it (the scores as they
    /// stood when a displacement was recorded).
    func validationScores(of id: String, upTo: Int64 = .max) throws -> [Double] {
        try db.query(
            "SELECT outcome, metrics FROM evaluations WHERE program_id = ? AND split = 'validation' AND kind = 'ordinary' AND id <= ? ORDER BY id",
            [.text(id), .integer(upTo)]
        ).map { row in
            guard row[0].text == EvaluationOutcome.evaluated.rawValue, let text = row[1].text,
                  let metrics = try? JSONDecoder().decode(Metrics.self, from: Data(text.utf8)) else { return 0 }
            return metrics.combinedScore
        }
    }

}
