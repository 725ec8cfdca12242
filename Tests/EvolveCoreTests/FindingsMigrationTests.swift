import Foundation
import Testing
@testable import EvolveCore

/// Integrity findings are rows of their own; a database written before they were (schema 5, findings only
/// inside artifacts) gets its findings copied out when it is opened.
@Suite struct FindingsMigrationTests {
    @Test func findingsOfASchemaFiveDatabaseAreCopiedOutOfTheirArtifacts() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-findings-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var store: ProgramStore? = try ProgramStore(path: path, config: DatabaseConfig(), seed: 1)
        let id = try store!.add(Program(files: ["k.swift": "a"])).id
        store = nil
        // Back to schema 5: no findings table (nor the later steps' integrity holds, early stops and displacements), one evaluation carrying
        // a finding and one a control verdict.
        let old = try SQLiteConnection(path: path)
        try old.execute("DROP TABLE findings; DROP TABLE early_stops; DROP TABLE displacements; ALTER TABLE programs DROP COLUMN hold; UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        let insert = "INSERT INTO evaluations (program_id, split, training_seed, outcome, artifacts, build_seconds, total_seconds, created, kind) VALUES (?, 'validation', 1, 'evaluated', ?, 0, 0, 0, ?)"
        try old.run(insert, [.text(id), .text(#"{"flag: curve":"sudoku: flag: too good","Flag: loud":"not a finding","log":"x"}"#), .text("ordinary")])
        try old.run(insert, [.text(id), .text(#"{"control verdict":"flagged and removed from selection: collapsed","flag: curve":"ignored on a control"}"#), .text("control")])
        let reopened = try ProgramStore(path: path, config: DatabaseConfig(), seed: 1)
        let flags = try reopened.records.integrityFlags(programID: id)
        #expect(flags.map(\.check) == ["curve", "permutation"])
        #expect(flags.map(\.evidence) == ["sudoku: flag: too good", "flagged and removed from selection: collapsed"])
        #expect(try reopened.records.flaggedPrograms() == [id: "flagged and removed from selection: collapsed"])
        // New evaluations write their findings as they are stored.
        var report = EvaluationReport(outcome: .evaluated, artifacts: ["flag: compute": "sudoku: reject: 4.5x"])
        report.metrics = nil
        try reopened.complete(id, status: .rejected, metrics: nil, descriptors: [:], evaluation: EvaluationRecord(split: .validation, trainingSeed: 2, report: report))
        #expect(try reopened.records.integrityFlags(programID: id).map(\.check) == ["curve", "permutation", "compute"])
    }
}
