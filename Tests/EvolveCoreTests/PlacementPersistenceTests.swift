import Foundation
import Testing
@testable import EvolveCore
import EvolveSupport

/// The store writes every change a population decision returns: a store reopened from the file holds
/// the same islands (records, members in order, grids), archive, racing marks and best as the one that
/// made the decisions — through racing, migration, a stagnation reseed, eviction and a disqualification.
@Suite struct PlacementPersistenceTests {
    @Test func aReopenedStoreHoldsThePopulationItsDecisionsLeft() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-persist-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var config = DatabaseConfig()
        config.islands = 3
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 5)])
        config.migrationInterval = 4
        config.stagnationGenerations = 9
        config.populationCap = 12
        config.archiveSize = 4
        let store = try ProgramStore(path: path, config: config, seed: 11)
        var rng = SplitMix64(seed: 5)
        var evaluated: [String] = []
        var reseeded = false, evicted = false, migrated = false, raced = false
        for i in 0..<60 {
            let id = try store.add(Program(files: ["k.swift": "program \(i)"], island: i % 3)).id
            let score = rng.unit()
            let metrics = Metrics(benchmarks: ["b": BenchmarkMetrics(exactAccuracy: score, tokenAccuracy: score)], split: "validation")
            let record = EvaluationRecord(split: .validation, trainingSeed: UInt64(i), report: EvaluationReport(outcome: .evaluated, metrics: metrics))
            let placement = try store.complete(id, status: .evaluated, metrics: metrics, descriptors: ["x": rng.unit() * 10], evaluation: record)
            evaluated.append(id)
            reseeded = reseeded || placement.reseeded
            evicted = evicted || !placement.evicted.isEmpty
            migrated = migrated || !placement.migrated.isEmpty
            if i % 7 == 0, let racer = placement.race.first {
                for repeatSeed in 1...2 {
                    let again = rng.unit()
                    let more = Metrics(benchmarks: ["b": BenchmarkMetrics(exactAccuracy: again, tokenAccuracy: again)], split: "validation")
                    try store.recordRepeat(racer, EvaluationRecord(split: .validation, trainingSeed: UInt64(1000 * i + repeatSeed), report: EvaluationReport(outcome: .evaluated, metrics: more)))
                }
                try store.settle(racer)
                raced = true
            }
            if i == 40, let best = try store.best() { try store.disqualify(best.id) }
        }
        let reopened = try ProgramStore(path: path, config: config, seed: 11)
        #expect(reopened.islands == store.islands)
        #expect(reopened.archive == store.archive)
        #expect(reopened.population.raceTarget == store.population.raceTarget)
        #expect(try reopened.best()?.id == (try store.best()?.id))
        #expect(reopened.population.rng == store.population.rng)
        #expect(reseeded && evicted && migrated && raced, "the scenario must exercise every kind of change")
    }
}
