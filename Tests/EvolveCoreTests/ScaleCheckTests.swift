import EvolveCore
import Foundation
import TestSupport
import Testing

/// Issue 28's scale check: the best and its seed retrained at 4× the training budgets when the run ends
/// (`scale_check: on`); a gain that vanishes with more compute is flagged, one that holds is not.
@Suite(.serialized) struct ScaleCheckTests {
    let scratch = ScratchDirectory("evolve-scale")
    var runs: URL { scratch.url }

    /// A program is one number; at 1× it scores that number (plus training-seed noise). At `factor` × the
    /// budgets it scores `atScale(number)` instead.
    struct BudgetEvaluator: Evaluator {
        var factor = 1.0
        let atScale: @Sendable (Double) -> Double

        func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
            let v = TransferLoopTests.ScriptedEvaluator.number(program)
            if v < 0 { return EvaluationReport(outcome: .buildFailed, artifacts: ["build": "negative value"]) }
            let noise = Double(Int(request.trainingSeed % 5) - 2) * 0.002
            let score = (factor == 1 ? v : atScale(v)) + noise
            return EvaluationReport(
                outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: request.split.rawValue), descriptors: ["x": v])
        }

        func scaled(by factor: Double) -> (any Evaluator)? { BudgetEvaluator(factor: factor, atScale: atScale) }
    }

    func run(_ name: String, atScale: @escaping @Sendable (Double) -> Double) async throws -> (ProgramStore, Program) {
        let run = try RunDirectory.create(name: name, runsRoot: runs)
        var config = RunConfig()
        config.maxIterations = 8
        config.parallel = 2
        config.racing.noiseFloor = 0.005
        config.scaleCheck = .on
        var database = DatabaseConfig()
        database.islands = 1
        database.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 1, bins: 100)])
        let loop = try EvolutionLoop(
            run: run, config: config, database: database, evaluator: BudgetEvaluator(atScale: atScale),
            proposer: TransferLoopTests.ClimbingProposer(), brief: "numbers")
        _ = try await loop.run(seeds: [Program(files: TransferLoopTests.ClimbingProposer.files(0.1))])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        return (store, try #require(try store.best()))
    }

    @Test func aGainThatVanishesAtFourTimesTheBudgetIsFlagged() async throws {
        // With 4× the compute every program reaches the same score: the gain was a budget artefact.
        let (store, best) = try await run("vanishes") { _ in 0.6 }
        let scale = try #require(try store.records.scale(of: best.id))
        #expect(scale.factor == 4 && scale.program.n == 3 && scale.seed.n == 3)
        #expect(scale.gainAtOne.value > 0.05)
        #expect(scale.flagged, "\(scale.summary)")
        // Its runs are evaluations of their own kind: the selection score and the fresh re-scoring never see them.
        #expect(try store.records.scaleScores(of: best.id, factor: 4).count == 3)
        #expect(try store.records.freshScores(of: best.id, split: .validation).allSatisfy { $0 < 0.5 })
        #expect((best.scoreStats?.mean ?? 1) < 0.5)
    }

    @Test func aGainThatHoldsAtFourTimesTheBudgetIsNotFlagged() async throws {
        let (store, best) = try await run("holds") { 0.3 + $0 }
        let scale = try #require(try store.records.scale(of: best.id))
        #expect(!scale.flagged, "\(scale.summary)")
    }

    @Test func theRuleFlagsAGainThatShrinksBeyondTwoSEs() {
        func stats(_ mean: Double) -> ScoreStats { ScoreStats(mean: mean, sd: 0.01, n: 4) }
        let atOne = ScoreGain(stats(0.40), minus: stats(0.20))
        // Still positive at 4×, but 0.15 below the 1× gain against an SE of the difference of ~0.01.
        #expect(ScaleAssessment(factor: 4, seedID: "s", atOne: atOne, program: stats(0.55), seed: stats(0.50)).flagged)
        // Within 2 SE of the 1× gain: not flagged.
        #expect(!ScaleAssessment(factor: 4, seedID: "s", atOne: atOne, program: stats(0.69), seed: stats(0.50)).flagged)
        // No gain at 1× to lose: no verdict.
        #expect(!ScaleAssessment(factor: 4, seedID: "s", atOne: ScoreGain(stats(0.2), minus: stats(0.2)), program: stats(0.1), seed: stats(0.5)).flagged)
    }
}
