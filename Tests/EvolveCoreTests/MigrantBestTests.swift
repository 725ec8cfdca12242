import Foundation
import Testing
@testable import EvolveCore

/// A program migrated in the same placement that made it the best has no commit yet; the best must
/// still be the original (which the loop commits and points `best` at), and the copy shares its commit.
@Suite struct MigrantBestTests {
    @Test func theBestIsTheOriginalAndItsCopiesShareItsCommit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-migrant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = DatabaseConfig()
        config.islands = 2
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 10)])
        config.migrationInterval = 1
        config.migrationRate = 1
        config.stagnationGenerations = 1000
        let store = try ProgramStore(path: directory.appendingPathComponent("db.sqlite").path, config: config, seed: 1)
        store.racing = RacingRule(repeats: 1)
        let id = try store.add(Program(files: ["k.swift": "a"], island: 1)).id
        let metrics = Metrics(benchmarks: ["b": BenchmarkMetrics(exactAccuracy: 0.9, tokenAccuracy: 0.9)], split: "validation")
        let placement = try store.complete(id, status: .evaluated, metrics: metrics, descriptors: ["x": 1])
        let copies = try store.db.query("SELECT id FROM programs WHERE migrated_from = ?", [.text(id)]).compactMap { $0.first?.text }
        #expect(placement.isNewBest && !copies.isEmpty, "the setting should migrate the new best at once")
        #expect(try store.best()?.id == id)
        #expect(try store.programsWithoutCommit().map(\.id) == [id])
        try store.setCommit(id, "c0ffee")
        for copy in copies { #expect(try store.program(copy)?.commitID == "c0ffee") }
        #expect(try store.programsWithoutCommit().isEmpty)
    }
}
