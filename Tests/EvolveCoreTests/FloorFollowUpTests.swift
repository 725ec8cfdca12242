import Foundation
import Testing
@testable import EvolveCore
import TestSupport

/// Scores from `value.txt` (first line: the score, second: the descriptor x), on a bounded scale 0…1 whose
/// floor is 0; records which splits were asked for.
fileprivate actor FloorEvaluator: Evaluator {
    var requests: [(program: String, split: Split)] = []

    nonisolated var scoreRange: ClosedRange<Double>? { 0...1 }

    nonisolated func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        let lines = (program.files["value.txt"] ?? "").split(separator: "\n").map { Double($0) ?? 0 }
        await record(program.contentHash, request.split)
        return EvaluationReport(
            outcome: .evaluated, metrics: Metrics(values: ["combined_score": lines.first ?? 0], split: request.split.rawValue),
            descriptors: ["x": lines.count > 1 ? lines[1] : 0.05, "parameters": Double(program.codeLength)])
    }

    func record(_ hash: String, _ split: Split) { requests.append((hash, split)) }
}

/// Children in new cells (each its cell's elite), every one scoring `score`.
fileprivate struct NewCellProposer: Proposer {
    let score: Double

    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        let x = 0.15 + 0.1 * Double(context.iteration % 8)
        return .child(files: ["value.txt": "\(score)\n\(x)\n"], parents: [context.parent.id], proposal: Proposal(model: "script", summary: "new cell"))
    }
}

@Suite(.serialized) struct FloorFollowUpTests {
    let scratch = ScratchDirectory("evolve-floor-followups")

    fileprivate func run(_ name: String, seedScore: Double, childScore: Double) async throws -> (tests: Int, cellElites: Int, log: String) {
        var config = RunConfig()
        config.maxIterations = 5
        config.parallel = 1
        config.freshSeeds = 0
        config.racing = RacingRule(repeats: 1)
        let run = try RunDirectory.create(name: name, runsRoot: scratch.url)
        let evaluator = FloorEvaluator()
        let loop = try EvolutionLoop(
            run: run, config: config, database: .oneIslandOfX, evaluator: evaluator, proposer: NewCellProposer(score: childScore), brief: "numbers")
        _ = try await loop.run(seeds: [Program(files: ["value.txt": "\(seedScore)\n0.05\n"])])
        let store = try ProgramStore(path: run.database.path, config: .oneIslandOfX, seed: 42)
        let tests = await evaluator.requests.filter { $0.split == .test }.count
        let log = (try? String(contentsOf: run.log, encoding: .utf8)) ?? ""
        return (tests, store.grid(island: 0).count, log)
    }

    /// A cell elite that scored the floor learnt nothing: its held-out test would say nothing either.
    @Test func cellElitesAtTheFloorGetNoTestRunAndOthersDo() async throws {
        let zeros = try await run("zeros", seedScore: 0, childScore: 0)
        #expect(zeros.cellElites >= 4, "the children took new cells")
        #expect(zeros.tests == 0)
        #expect(zeros.log.contains("held-out test not run: it scored the evaluator's floor"))

        let learning = try await run("learning", seedScore: 0.2, childScore: 0.1)
        #expect(learning.cellElites >= 4)
        #expect(learning.tests >= learning.cellElites, "every cell elite above the floor is tested")
        #expect(!learning.log.contains("held-out test not run"))
    }
}
