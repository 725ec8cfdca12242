import Foundation

/// Where the scale check keeps its results: its runs as evaluations of kind `scale` (at a multiple of the
/// training budgets, so no other figure may read them) and one `ScaleAssessment` per program in the run's
/// key–value state (`scale.<id>`).
extension RunRecords {
    static let scalePrefix = "scale."

    public func recordScale(_ id: String, _ record: EvaluationRecord) throws {
        var record = record
        record.kind = .scale
        try insertEvaluation(record, programID: id)
    }

    /// The scores of a program's scale-check runs at `factor` (a run that did not end evaluated scores 0).
    public func scaleScores(of id: String, factor: Double) throws -> [Double] {
        try db.query(
            "SELECT outcome, metrics, artifacts FROM evaluations WHERE program_id = ? AND kind = 'scale' ORDER BY id", [.text(id)]
        ).compactMap { row in
            let artifacts = row[2].text.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
            guard artifacts[Self.scaleFactorArtifact] == String(factor) else { return nil }
            guard row[0].text == EvaluationOutcome.evaluated.rawValue, let text = row[1].text,
                  let metrics = try? JSONDecoder().decode(Metrics.self, from: Data(text.utf8)) else { return 0 }
            return metrics.combinedScore
        }
    }

    /// The artifact that records a scale run's factor, so runs at different factors never mix.
    public static let scaleFactorArtifact = "scale factor"

    public func setScale(_ id: String, _ assessment: ScaleAssessment) throws {
        try setState(Self.scalePrefix + id, String(decoding: try JSONEncoder().encode(assessment), as: UTF8.self))
    }

    public func scale(of id: String) throws -> ScaleAssessment? {
        try state(Self.scalePrefix + id).flatMap { try? JSONDecoder().decode(ScaleAssessment.self, from: Data($0.utf8)) }
    }
}
