import Foundation
import Testing
@testable import EvolveCore

/// The store keeps a hold: a reopened store still holds a flagged program out of the bests, lists its
/// re-check as pending, and a re-check recorded after the reopen releases it.
@Suite struct IntegrityHoldStoreTests {
    func report(_ score: Double, flag: String? = nil) -> EvaluationReport {
        let metrics = Metrics(benchmarks: ["b": BenchmarkMetrics(exactAccuracy: score, tokenAccuracy: score)], split: "validation")
        return EvaluationReport(outcome: .evaluated, metrics: metrics, artifacts: flag.map { [EvaluationReport.flagArtifactPrefix + $0: "b: flag: evidence"] } ?? [:])
    }

    @Test func aHoldSurvivesAReopenAndACleanRecheckAfterItReleasesTheProgram() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-hold-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var config = DatabaseConfig()
        config.islands = 1
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 5)])
        let store = try ProgramStore(path: path, config: config, seed: 3)
        store.racing = RacingRule(repeats: 1)
        let clean = try store.add(Program(files: ["k.swift": "clean"])).id
        let held = try store.add(Program(files: ["k.swift": "held"])).id
        for (id, score, flag) in [(clean, 0.4, nil), (held, 0.8, "curve")] as [(String, Double, String?)] {
            let evaluation = EvaluationRecord(split: .validation, trainingSeed: 1, report: report(score, flag: flag))
            try store.complete(id, status: .evaluated, metrics: evaluation.report.metrics, descriptors: ["x": 5], evaluation: evaluation)
        }
        #expect(try store.best()?.id == clean)

        let reopened = try ProgramStore(path: path, config: config, seed: 3)
        reopened.racing = RacingRule(repeats: 1)
        #expect(reopened.population.hold(of: held) == .awaitingRecheck)
        #expect(try reopened.pendingRechecks() == [held])
        #expect(try reopened.best()?.id == clean)

        let placement = try reopened.recordRecheck(held, EvaluationRecord(split: .validation, trainingSeed: 2, report: report(0.8)))
        #expect(try placement.isNewBest && reopened.best()?.id == held)
        #expect(try reopened.pendingRechecks().isEmpty)
        #expect(try ProgramStore(path: path, config: config, seed: 3).population.hold(of: held) == nil, "the release is written")
    }

    /// No finding is exempt by name: the curve check holds like the learning and compute checks (it was
    /// exempted while its probe read symmetric copies and flagged honest kernels).
    @Test func everyFlagOfAnEvaluatedRunActsOnSelection() {
        for check in ["curve", "learning", "compute"] {
            #expect(EvaluationRecord(split: .validation, trainingSeed: 1, report: report(0.5, flag: check)).actsOnSelection, "\(check)")
        }
        #expect(!EvaluationRecord(split: .validation, trainingSeed: 1, report: report(0.5)).actsOnSelection)
    }
}
