import EvolveSupport
import Foundation
import TestSupport
import Testing
@testable import EvolveCore

/// Scores a script: `value.txt` lists a program's validation scores in the order its training seeds
/// arrive (the last repeats); the test split scores as validation. Scores are bounded in 0...1, as a
/// TRM suite's exact accuracies are, so races may end once decided.
fileprivate actor ScriptedEvaluator: Evaluator {
    var arrivals: [String: Int] = [:]

    nonisolated var scoreRange: ClosedRange<Double>? { 0...1 }

    nonisolated func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        let script = (program.files["value.txt"] ?? "").split(separator: " ").compactMap { Double($0) }
        let index = await arrive(program.contentHash + request.split.rawValue)
        let score = script.isEmpty ? 0 : script[min(index, script.count - 1)]
        return EvaluationReport(
            outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: request.split.rawValue),
            descriptors: ["x": 0.5, "parameters": 100])
    }

    func arrive(_ key: String) -> Int {
        defer { arrivals[key, default: 0] += 1 }
        return arrivals[key] ?? 0
    }
}

/// One child, always the same script (the seed's only child).
fileprivate struct ScriptProposer: Proposer {
    let script: String

    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        .child(files: ["value.txt": script], parents: [context.parent.id], proposal: Proposal(model: "script", summary: "scripted"))
    }
}

/// A race through the whole loop: it stops once the contender's remaining seeds cannot win, and runs to
/// `repeats` while they still can or when `end_decided_races` is off.
@Suite(.serialized) struct RaceEndLoopTests {
    let scratch = ScratchDirectory("evolve-race-end")
    var runs: URL { scratch.url }

    var database: DatabaseConfig { .oneIslandOfX }

    /// Runs the seed (0.55 on every seed: confirmed island best after its own race) and one child
    /// scripted by `child`; returns the child's validation evaluations.
    func childEvaluations(_ name: String, child: String, seed seedScript: String = "0.55", endsWhenDecided: Bool = true) async throws -> Int {
        var config = RunConfig()
        config.maxIterations = 1
        config.parallel = 1
        config.freshSeeds = 0
        config.racing = RacingRule(repeats: 3, margin: 1, noiseFloor: 0.03, endsWhenDecided: endsWhenDecided)
        let run = try RunDirectory.create(name: name, runsRoot: runs)
        let loop = try EvolutionLoop(
            run: run, config: config, database: database, evaluator: ScriptedEvaluator(), proposer: ScriptProposer(script: child), brief: "scripts")
        let summary = try await loop.run(seeds: [Program(files: ["value.txt": seedScript])])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let seed = try #require(try store.allPrograms().first { $0.parents.isEmpty })
        #expect(summary.bestProgramID == seed.id, "the child never displaces the seed in these scripts")
        let made = try #require(try store.allPrograms().first { !$0.parents.isEmpty })
        #expect(store.population.raceTarget[made.id] == nil, "the race was settled")
        return try store.records.evaluationCount(programID: made.id, split: .validation)
    }

    @Test func aRaceSettledByItsSecondScoreEndsThere() async throws {
        // A contender (0.6 ≥ 0.55), then a crash-like 0: at most (0.6 + 0 + 1) / 3 = 0.533 < 0.55.
        #expect(try await childEvaluations("settled", child: "0.6 0 1") == 2)
    }

    @Test func aRaceTheThirdScoreCouldTurnRunsToRepeats() async throws {
        // 0.6 then 0.5: a perfect third would give 0.7, so the third seed runs (and scores 0.3: a loss).
        #expect(try await childEvaluations("open", child: "0.6 0.5 0.3") == 3)
    }

    @Test func aChildAtTheEvaluatorsFloorIsNotRacedAgainstASeedAtTheFloor() async throws {
        // The loop takes the floor from the evaluator's score range: a 0 against a best of 0 is not a
        // contender, though its later seeds would have scored 1 (without the floor it raced to 3).
        #expect(try await childEvaluations("floor", child: "0 1 1", seed: "0") == 1)
    }

    @Test func withTheRuleOffASettledRaceRunsToRepeats() async throws {
        #expect(try await childEvaluations("off", child: "0.6 0 1", endsWhenDecided: false) == 3)
    }
}
