import Foundation

/// A displacement as the store keeps it (`displacements` table): what the racing rule decided
/// (`DisplacementRecord`) and the newest evaluation id when it decided, so both programs' validation
/// scores can be read back exactly as they stood.
public struct StoredDisplacement: Sendable, Equatable {
    public var id: Int64
    public var record: DisplacementRecord
    /// The largest `evaluations.id` at the moment of the displacement (0 before any evaluation).
    public var evaluationID: Int64
}

/// The history of displacements and its audit: every row is written by `apply` inside the transaction of
/// the placement that decided it, and `displacementViolations` asks the racing rule again from the
/// evaluations alone, so a run whose population code and rule disagree is caught after the fact.
extension ProgramStore {
    func insertDisplacement(_ record: DisplacementRecord) throws {
        try db.run(
            "INSERT INTO displacements (challenger, incumbent, kind, island, evaluation_id, created) VALUES (?, ?, ?, ?, (SELECT coalesce(max(id), 0) FROM evaluations), ?)",
            [.text(record.challenger), .text(record.incumbent), .text(record.kind.rawValue), .integer(Int64(record.island)),
             .real(Date().timeIntervalSince1970)])
    }

    /// Every recorded displacement, oldest first.
    public func displacements() throws -> [StoredDisplacement] {
        try db.rows("SELECT id, challenger, incumbent, kind, island, evaluation_id FROM displacements ORDER BY id").map { row in
            let kindText = try row.text("kind")
            guard let kind = DisplacementRecord.Kind(rawValue: kindText) else {
                throw StoreError(
                    kind: .unreadableRow, path: db.path,
                    message: "displacement \(try row.int("id")) has an unknown kind '\(kindText)'; the database was changed outside evolve; restore it from a backup")
            }
            return StoredDisplacement(
                id: Int64(try row.int("id")),
                record: DisplacementRecord(kind: kind, challenger: try row.text("challenger"), incumbent: try row.text("incumbent"), island: try row.int("island")),
                evaluationID: Int64(try row.int("evaluation_id")))
        }
    }

    /// The selection statistics of `id` (a migrated copy reads its original's) from its ordinary validation
    /// evaluations with an id at most `upTo`; nil when it has none.
    func recomputedStats(of id: String, upTo: Int64) throws -> ScoreStats? {
        let original = try program(id)?.migratedFrom ?? id
        let scores = try records.validationScores(of: original, upTo: upTo)
        return scores.isEmpty ? nil : ScoreStats(scores: scores)
    }

    /// Each recorded displacement that `racing` would not have made, as one line saying why (empty: every
    /// displacement obeys the rule). Both programs' statistics are recomputed from the `evaluations` table
    /// as it stood at the recorded evaluation id, never read from the population; the challenger must win
    /// (`RacingRule.compare`), or tie and be the smaller program (`ProgramSize`, as the population breaks ties).
    package func displacementViolations(racing: RacingRule) throws -> [String] {
        var violations: [String] = []
        for stored in try displacements() {
            let record = stored.record
            let what = "displacement \(stored.id) (\(record.kind.rawValue) on island \(record.island), evaluations ≤ \(stored.evaluationID))"
            guard let challenger = try recomputedStats(of: record.challenger, upTo: stored.evaluationID) else {
                violations.append("\(what): challenger \(record.challenger) had no validation evaluation")
                continue
            }
            guard let incumbent = try recomputedStats(of: record.incumbent, upTo: stored.evaluationID) else {
                violations.append("\(what): incumbent \(record.incumbent) had no validation evaluation")
                continue
            }
            let verdict = racing.compare(challenger, incumbent)
            let figures = "challenger \(record.challenger) mean \(challenger.mean) n \(challenger.n), incumbent \(record.incumbent) mean \(incumbent.mean) n \(incumbent.n)"
            switch verdict {
            case .wins: continue
            case .loses: violations.append("\(what): \(figures): the racing rule \(racing) says the challenger loses")
            case .tie:
                guard let a = size(record.challenger), let b = size(record.incumbent), a < b else {
                    violations.append("\(what): \(figures): a tie, and the challenger is not the smaller program")
                    continue
                }
            }
        }
        return violations
    }
}
