import EvolveSupport
import Foundation
import TestSupport
import Testing
@testable import EvolveCore

/// Scores a script: `value.txt` lists a program's validation scores and `flags.txt` the integrity
/// finding each validation evaluation carries ("learning", or "-" for none), both in the order its
/// training seeds arrive (the last entry repeats), as the candidate evaluator's `flag: learning`.
fileprivate actor FlaggingEvaluator: Evaluator {
    var arrivals: [String: Int] = [:]

    nonisolated var scoreRange: ClosedRange<Double>? { 0...1 }

    nonisolated func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        func script(_ file: String) -> [String] { (program.files[file] ?? "").split(separator: " ").map(String.init) }
        let index = await arrive(program.contentHash + request.split.rawValue)
        let scores = script("value.txt").compactMap(Double.init), flags = script("flags.txt")
        let score = scores.isEmpty ? 0 : scores[min(index, scores.count - 1)]
        let flag = request.split == .validation && !flags.isEmpty ? flags[min(index, flags.count - 1)] : "-"
        let artifacts = flag == "-" ? [:] : [EvaluationReport.flagArtifactPrefix + flag: "scripted: flag: not learned? exact 0.750 on 16 queries"]
        return EvaluationReport(
            outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: request.split.rawValue),
            descriptors: ["x": 0.5, "parameters": 100], artifacts: artifacts)
    }

    func arrive(_ key: String) -> Int {
        defer { arrivals[key, default: 0] += 1 }
        return arrivals[key] ?? 0
    }
}

/// The seed's only child, always the same scripts.
fileprivate struct FlaggedChildProposer: Proposer {
    let files: [String: String]

    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        .child(files: files, parents: [context.parent.id], proposal: Proposal(model: "script", summary: "scripted"))
    }
}

/// Through the whole loop and its store: a child whose first evaluation carries a learning finding wins
/// its race on score but is not made best while the clean, lower-scoring seed stays best; its re-check
/// (a re-run with a fresh training seed, scheduled as a follow-up) releases it or keeps it out.
@Suite(.serialized) struct IntegrityHoldLoopTests {
    let scratch = ScratchDirectory("evolve-hold")
    var runs: URL { scratch.url }

    var database: DatabaseConfig { .oneIslandOfX }

    /// Runs the seed (0.55 on every seed, never flagged) and one child scoring 0.9 on every seed with
    /// `flags`; returns the run's best, the seed, the child and the reopened store.
    func run(_ name: String, flags: String) async throws -> (best: String?, seed: Program, child: Program, store: ProgramStore) {
        var config = RunConfig()
        config.maxIterations = 1
        config.parallel = 1
        config.freshSeeds = 0
        config.racing = RacingRule(repeats: 3, margin: 1, noiseFloor: 0.03, endsWhenDecided: true)
        let run = try RunDirectory.create(name: name, runsRoot: runs)
        let loop = try EvolutionLoop(
            run: run, config: config, database: database, evaluator: FlaggingEvaluator(),
            proposer: FlaggedChildProposer(files: ["value.txt": "0.9", "flags.txt": flags]), brief: "scripts")
        let summary = try await loop.run(seeds: [Program(files: ["value.txt": "0.55"])])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let seed = try #require(try store.allPrograms().first { $0.parents.isEmpty })
        let child = try #require(try store.allPrograms().first { !$0.parents.isEmpty && $0.migratedFrom == nil })
        return (summary.bestProgramID, seed, child, store)
    }

    @Test func aChildFlaggedOnlyAtItsFirstEvaluationBecomesBestAfterACleanRecheck() async throws {
        let (best, _, child, store) = try await run("clean-recheck", flags: "learning -")
        #expect(best == child.id, "the clean re-check released it and its mean beats the seed's")
        #expect(store.population.hold(of: child.id) == nil)
        #expect(try store.records.evaluationCount(programID: child.id, split: .validation) == 4, "three racing seeds, then the re-check")
        #expect(try store.records.integrityFlags(programID: child.id).map(\.check) == ["learning"], "the finding stays on record")
        #expect(try store.records.hasControl(child.id) == false, "the scripted evaluator supports no control")
    }

    @Test func aFindingThatPersistsOnTheRecheckKeepsTheChildOutWhileTheLowerSeedStaysBest() async throws {
        let (best, seed, child, store) = try await run("persisting", flags: "learning")
        #expect(best == seed.id, "a clean 0.55 stays best over a flagged 0.9")
        #expect(store.population.hold(of: child.id) == .persisted, "the reopened store holds it out for good")
        #expect(store.islandBests()[0]?.id == seed.id)
        #expect(try store.records.evaluationCount(programID: child.id, split: .validation) == 4)
        #expect(try store.pendingRechecks().isEmpty)
    }

    @Test func aChildNeverFlaggedIsNotRechecked() async throws {
        let (best, _, child, store) = try await run("never-flagged", flags: "-")
        #expect(best == child.id)
        #expect(try store.records.evaluationCount(programID: child.id, split: .validation) == 3, "no re-check without a finding")
    }
}
