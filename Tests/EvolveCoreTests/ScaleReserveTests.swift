import EvolveCore
import Foundation
import TestSupport
import Testing

/// Issue 28: `--hours` holds back the scale check's expected cost, so a run with a time limit ends near
/// it instead of a scale check past it.
@Suite(.serialized) struct ScaleReserveTests {
    let scratch = ScratchDirectory("evolve-reserve")

    @Test func noFinishedEvaluationMeansNoReserve() {
        let plan = ScaleReserve(seedCount: 3, factor: 4, parallel: 2)
        #expect(plan.seconds(meanEvaluationSeconds: nil) == 0)
        #expect(plan.seconds(meanEvaluationSeconds: 0) == 0)
    }

    @Test func theReserveIsTheCheckWavesAtTheFactorOfTheMeanEvaluation() {
        // 3 seeds for the best, then 3 for its seed, 2 at a time: 2 + 2 waves of 4 × 90 s.
        let plan = ScaleReserve(seedCount: 3, factor: 4, parallel: 2)
        #expect(plan.evaluations == 6 && plan.waves == 4)
        #expect(plan.seconds(meanEvaluationSeconds: 90) == 1440)
        // One at a time: 6 waves; all of a batch at once: 2 waves.
        #expect(ScaleReserve(seedCount: 3, factor: 4, parallel: 1).seconds(meanEvaluationSeconds: 90) == 2160)
        #expect(ScaleReserve(seedCount: 3, factor: 2, parallel: 8).seconds(meanEvaluationSeconds: 90) == 360)
    }

    @Test func theSearchStopsTheReserveBeforeTheLimit() {
        #expect(!ScaleReserve.searchStops(elapsed: 3000, limit: 3600, reserve: 0))
        #expect(ScaleReserve.searchStops(elapsed: 3000, limit: 3600, reserve: 600))
        #expect(!ScaleReserve.searchStops(elapsed: 2999, limit: 3600, reserve: 600))
        #expect(ScaleReserve.searchStops(elapsed: 3600, limit: 3600, reserve: 0))
    }

    /// Scores a program's number and says each evaluation took `claimedSeconds` (the loop reads the
    /// reported wall time, not the clock, so the test does not depend on this machine's speed).
    struct ClaimedTimeEvaluator: Evaluator {
        let claimedSeconds: Double
        var factor = 1.0

        func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
            let v = TransferLoopTests.ScriptedEvaluator.number(program)
            let score = v + Double(Int(request.trainingSeed % 5) - 2) * 0.002
            return EvaluationReport(
                outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: request.split.rawValue),
                descriptors: ["x": v], totalSeconds: claimedSeconds * factor)
        }

        func scaled(by factor: Double) -> (any Evaluator)? { ClaimedTimeEvaluator(claimedSeconds: claimedSeconds, factor: factor) }
    }

    func run(_ name: String, claimedSeconds: Double, scaleCheck: ScaleCheckMode) async throws -> (EvolutionLoop.Summary, String, ProgramStore) {
        let run = try RunDirectory.create(name: name, runsRoot: scratch.url)
        var config = RunConfig()
        config.maxIterations = 6
        config.maxHours = 4
        config.parallel = 2
        config.freshSeeds = 3
        config.racing.noiseFloor = 0.005
        config.scaleCheck = scaleCheck
        var database = DatabaseConfig()
        database.islands = 1
        database.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 1, bins: 100)])
        let loop = try EvolutionLoop(
            run: run, config: config, database: database, evaluator: ClaimedTimeEvaluator(claimedSeconds: claimedSeconds),
            proposer: TransferLoopTests.ClimbingProposer(), brief: "numbers")
        let summary = try await loop.run(seeds: [Program(files: TransferLoopTests.ClimbingProposer.files(0.1))])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        return (summary, try String(contentsOf: run.log, encoding: .utf8), store)
    }

    @Test func aScaleCheckLongerThanTheTimeLeftStopsTheSearchAtOnce() async throws {
        // Evaluations of an hour: the check (4 waves of 4 h) needs more than the 4 h limit, so the search
        // stops once the seed's evaluation has given an estimate, and the check still runs at the end.
        let (summary, log, store) = try await run("long", claimedSeconds: 3600, scaleCheck: .auto)
        #expect(summary.stopReason == .time)
        #expect(summary.iterations == 0)
        #expect(log.components(separatedBy: "to leave time for the scale check (~6 evaluations at 4x)").count == 2, "\(log)")
        let best = try #require(try store.best())
        #expect(try store.records.scale(of: best.id) != nil)
    }

    @Test func aShortScaleCheckLeavesTheSearchToItsOtherLimits() async throws {
        // Evaluations of 100 s: a reserve of 4 × 400 s, far inside the limit.
        let (summary, log, _) = try await run("short", claimedSeconds: 100, scaleCheck: .auto)
        #expect(summary.stopReason == .iterations)
        #expect(!log.contains("to leave time for the scale check"))
    }

    @Test func noScaleCheckReservesNothing() async throws {
        let (summary, log, _) = try await run("off", claimedSeconds: 3600, scaleCheck: .off)
        #expect(summary.stopReason == .iterations)
        #expect(!log.contains("to leave time for the scale check"))
    }
}
