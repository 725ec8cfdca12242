import Foundation
import TestSupport
import Testing
@testable import EvolveCore

/// The store's history of displacements and its audit: a real displacement is written with the evaluations
/// as they stood, an empty cell is not, and the audit (`displacementViolations`) fails on a row the racing
/// rule would not have made.
@Suite struct DisplacementLogTests {
    let scratch = ScratchDirectory("evolve-displacements")
    var directory: URL { scratch.url }
    static let rule = RacingRule(repeats: 3, margin: 1, noiseFloor: 0.03)

    func store() throws -> ProgramStore {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = DatabaseConfig()
        config.islands = 1
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 10)])
        let store = try ProgramStore(path: directory.appendingPathComponent("db.sqlite").path, config: config, seed: 1)
        store.racing = Self.rule
        return store
    }

    func record(_ score: Double, seed: UInt64) -> EvaluationRecord {
        EvaluationRecord(
            split: .validation, trainingSeed: seed,
            report: EvaluationReport(outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: "validation")))
    }

    /// A program evaluated with `scores` (its first, then repeats) at feature value `x`, its race settled.
    @discardableResult
    func raced(_ db: ProgramStore, _ text: String, _ scores: [Double], x: Double = 3, memory: Double = 100) throws -> (String, ProgramStore.Placement) {
        let id = try db.add(Program(files: ["k.swift": text])).id
        let first = try db.complete(
            id, status: .evaluated, metrics: Metrics(values: ["combined_score": scores[0]], split: "validation"),
            descriptors: ["x": x, "peak_memory_bytes": memory], evaluation: record(scores[0], seed: 1))
        for (i, score) in scores.dropFirst().enumerated() { try db.recordRepeat(id, record(score, seed: UInt64(10 + i))) }
        return (id, scores.count > 1 ? try db.settle(id) : first)
    }

    func newestEvaluation(_ db: ProgramStore) throws -> Int64 {
        Int64(try db.db.rows("SELECT max(id) AS id FROM evaluations").first?.int("id") ?? 0)
    }

    @Test func aWinByTheRacingRuleIsRecordedWithTheEvaluationsAsTheyStood() throws {
        let db = try store()
        let (elite, _) = try raced(db, "elite", [0.5, 0.52, 0.48])
        #expect(try db.displacements().isEmpty, "an empty cell and the first best displace nobody")
        let (better, settled) = try raced(db, "better", [0.8, 0.82, 0.78])
        let at = try newestEvaluation(db)
        let stored = try db.displacements()
        #expect(stored.map(\.record) == settled.displacements)
        #expect(stored.map(\.record.kind) == [.cell, .islandBest, .runBest])
        #expect(stored.allSatisfy { $0.record.challenger == better && $0.record.incumbent == elite && $0.evaluationID == at })
        #expect(try db.displacementViolations(racing: Self.rule).isEmpty)
        // Later evaluations do not move the recorded moment: a fourth score of the elite is after it.
        try db.recordRepeat(elite, record(0.99, seed: 99))
        #expect(try db.displacementViolations(racing: Self.rule).isEmpty)
        // The table survives a reopen (it is the run's history, not the population's state).
        #expect(try store().displacements() == stored)
    }

    @Test func anEmptyCellAndALosingChallengerAreNotRecorded() throws {
        let db = try store()
        try raced(db, "elite", [0.5, 0.5, 0.5])
        try raced(db, "elsewhere", [0.2], x: 7)
        try raced(db, "lucky", [0.9, 0.3, 0.35])
        #expect(try db.displacements().isEmpty)
        #expect(db.grid(island: 0).count == 2)
    }

    @Test func anExactTieToTheSmallerProgramObeysTheRuleAndToTheLargerDoesNot() throws {
        let db = try store()
        let (big, _) = try raced(db, "big", [1.0, 1.0, 1.0], memory: 5000)
        let (small, settled) = try raced(db, "small", [1.0, 1.0, 1.0], memory: 800)
        #expect(settled.displacements.map(\.incumbent) == [big, big, big])
        #expect(try db.displacementViolations(racing: Self.rule).isEmpty)
        // The same tie the other way round breaks the tie-break.
        try db.db.run(
            "INSERT INTO displacements (challenger, incumbent, kind, island, evaluation_id, created) VALUES (?, ?, 'cell', 0, ?, 0)",
            [.text(big), .text(small), .integer(try newestEvaluation(db))])
        let violations = try db.displacementViolations(racing: Self.rule)
        #expect(violations.count == 1 && violations[0].contains("not the smaller program"), "\(violations)")
    }

    @Test func theAuditFailsOnAPlantedRowTheRuleWouldNotHaveMade() throws {
        let db = try store()
        let (elite, _) = try raced(db, "elite", [0.5, 0.52, 0.48])
        let (loser, _) = try raced(db, "loser", [0.55, 0.3, 0.4])
        let beforeRepeats = try newestEvaluation(db)
        let (winner, _) = try raced(db, "winner", [0.9, 0.91, 0.89])
        #expect(try db.displacementViolations(racing: Self.rule).isEmpty)
        let plant = "INSERT INTO displacements (challenger, incumbent, kind, island, evaluation_id, created) VALUES (?, ?, ?, 0, ?, 0)"
        // A loser by its mean, and a winner recorded before it had any evaluation, let alone its three.
        try db.db.run(plant, [.text(loser), .text(elite), .text("island-best"), .integer(try newestEvaluation(db))])
        try db.db.run(plant, [.text(winner), .text(elite), .text("cell"), .integer(beforeRepeats)])
        let violations = try db.displacementViolations(racing: Self.rule)
        #expect(violations.count == 2, "\(violations)")
        #expect(violations.first?.contains("says the challenger loses") == true, "\(violations)")
        #expect(violations.last?.contains("had no validation evaluation") == true, "\(violations)")
    }
}
