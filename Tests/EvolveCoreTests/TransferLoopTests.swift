import EvolveCore
import Foundation
import TestSupport
import Testing

/// Issue 28's transfer benchmarks through the loop: scored only when the run ends, beside the seed each
/// program descends from, never read by selection; a "discovery" that helps only the selection suite is
/// flagged, one that carries over is not.
@Suite(.serialized) struct TransferLoopTests {
    let scratch = ScratchDirectory("evolve-transfer")
    var runs: URL { scratch.url }

    /// A program is one number; its selection score is that number plus a little training-seed noise.
    /// On the transfer benchmarks it scores `transfer(number)` plus the same kind of noise.
    struct ScriptedEvaluator: Evaluator {
        let transfer: @Sendable (Double) -> Double

        static func number(_ program: Program) -> Double {
            (program.files["value.txt"] ?? "").split(separator: "\n").compactMap { Double($0) }.first ?? -1
        }

        func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
            let v = Self.number(program)
            if v < 0 { return EvaluationReport(outcome: .buildFailed, artifacts: ["build": "negative value"]) }
            let noise = Double(Int(request.trainingSeed % 5) - 2) * 0.002
            let score = (request.split == .transfer ? transfer(v) : v) + noise
            return EvaluationReport(
                outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: request.split.rawValue), descriptors: ["x": v])
        }

        var supportsTransfer: Bool { true }
    }

    /// Raises the parent's number by 0.02 every iteration.
    struct ClimbingProposer: Proposer {
        func propose(_ context: ProposalContext) async throws -> ProposalResult {
            let v = min(0.95, ScriptedEvaluator.number(context.parent) + 0.02 + Double(context.iteration) * 1e-4)
            return .child(files: Self.files(v), parents: [context.parent.id], proposal: Proposal(model: "climb", mode: "full", summary: "up"))
        }

        static func files(_ v: Double) -> [String: String] {
            ["value.txt": "# EVOLVE-BLOCK-START\n\(String(format: "%.4f", v))\n# EVOLVE-BLOCK-END\n"]
        }
    }

    func run(_ name: String, iterations: Int = 8, transfer: @escaping @Sendable (Double) -> Double) async throws -> (ProgramStore, Program) {
        let run = try RunDirectory.create(name: name, runsRoot: runs)
        var config = RunConfig()
        config.maxIterations = iterations
        config.parallel = 2
        config.racing.noiseFloor = 0.005
        var database = DatabaseConfig()
        database.islands = 1
        database.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 1, bins: 100)])
        let loop = try EvolutionLoop(
            run: run, config: config, database: database, evaluator: ScriptedEvaluator(transfer: transfer), proposer: ClimbingProposer(), brief: "numbers")
        _ = try await loop.run(seeds: [Program(files: ClimbingProposer.files(0.1))])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        return (store, try #require(try store.best()))
    }

    @Test func aGainOnlyOnTheSelectionSuiteIsFlaggedAndNeverSelectedOn() async throws {
        // The "discovery" raises the selection score and lowers the transfer score a little.
        let (store, best) = try await run("overfit") { 0.3 - 0.05 * ($0 - 0.1) }
        let assessment = try #require(try store.records.transfer(of: best.id))
        #expect(assessment.selectionGain.value > 0.05)
        #expect(assessment.transferGain.value <= (assessment.transferGain.standardError ?? 0))
        #expect(assessment.doesNotTransfer, "\(assessment.summary)")
        #expect(assessment.transfer.n == 3 && assessment.seedTransfer.n == 3)
        let seed = try #require(try store.program(assessment.seedID))
        #expect(seed.parents.isEmpty && seed.id != best.id)
        // The transfer scores are fresh evaluations of their own split; selection's statistics never see them.
        #expect(try store.records.freshScores(of: best.id, split: .transfer).count == 3)
        #expect(try store.records.evaluationCount(programID: best.id, split: .transfer) == 0)
        #expect((best.scoreStats?.mean ?? 0) > 0.15)
        // The top cell elites are assessed beside the best.
        #expect(try store.records.transferAssessments().count > 1)
    }

    @Test func aGainThatCarriesOverIsNotFlagged() async throws {
        let (store, best) = try await run("transfers") { 0.3 + ($0 - 0.1) }
        let assessment = try #require(try store.records.transfer(of: best.id))
        #expect(assessment.transferGain.value > 0.05)
        #expect(!assessment.doesNotTransfer, "\(assessment.summary)")
    }

    @Test func aSeedAmongTheTopElitesIsNotAssessedBesideItself() async throws {
        // Two children: the top elites besides the best are the other child and the seed.
        let (store, best) = try await run("short", iterations: 2) { 0.3 + ($0 - 0.1) }
        let assessed = try store.records.transferAssessments()
        #expect(assessed[best.id] != nil)
        #expect(!assessed.isEmpty && assessed.allSatisfy { $0.key != $0.value.seedID }, "\(assessed)")
        // The seed's transfer score is still measured, as its descendants' baseline.
        let seedID = try #require(assessed[best.id]?.seedID)
        #expect(try store.records.freshScores(of: seedID, split: .transfer).count == 3)
    }
}
