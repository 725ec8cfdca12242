import EvolveSupport
import Foundation
import TestSupport
import Testing
@testable import EvolveCore

/// Scores a script per benchmark: `scores.txt` holds the exact accuracies of benchmarks `a`, `b`, `c`
/// (run in that order, cheapest first); the combined score is their mean. It asks the checkpoint after
/// `a` and `b` as the TRM evaluator does, and logs every evaluation: which program, split, whether it was
/// a control, whether a checkpoint came with it and how many benchmarks ran.
///
/// Its one descriptor `x` is the largest of the per-benchmark values in `x.txt` (default 0.5 on each),
/// as TRM's parameter count is the largest over benchmarks; at a checkpoint it reports the largest so far
/// and settles the final one, as stage 1's parameter counts do (not for a program with an `unsettled`
/// file: then only its parents' growth bounds it).
fileprivate actor ScriptedSuite: Evaluator {
    struct Entry: Sendable {
        var id: String
        var split: Split
        var control: Bool
        var checkpointed: Bool
        var benchmarksRun: Int
    }

    static let names = ["a", "b", "c"]
    var log: [Entry] = []

    nonisolated var scoreRange: ClosedRange<Double>? { 0...1 }
    nonisolated var supportsControl: Bool { true }

    nonisolated func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        try await evaluate(program, request, progress: progress, checkpoint: nil)
    }

    nonisolated func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void, checkpoint: EvaluationCheckpoint?
    ) async throws -> EvaluationReport {
        let script = (program.files["scores.txt"] ?? "").split(separator: " ").compactMap { Double($0) }
        let xs = (program.files["x.txt"] ?? "0.5 0.5 0.5").split(separator: " ").compactMap { Double($0) }
        var benchmarks: [String: BenchmarkMetrics] = [:]
        var outcome = EvaluationOutcome.evaluated
        var artifacts: [String: String] = [:]
        for (index, name) in Self.names.enumerated() {
            benchmarks[name] = BenchmarkMetrics(
                exactAccuracy: index < script.count ? script[index] : 0, tokenAccuracy: 0, parameters: Int((xs[index] * 1000).rounded()))
            let final = xs.max() ?? 0.5
            if let checkpoint, index < Self.names.count - 1,
               let evidence = await checkpoint(PartialEvaluation(
                   scores: benchmarks.mapValues(\.exactAccuracy), remaining: Array(Self.names[(index + 1)...]),
                   descriptors: descriptors(of: Metrics(benchmarks: benchmarks, split: "")),
                   settled: program.files["unsettled"] == nil ? ["x": final...final] : [:])) {
                outcome = .stopped
                artifacts[EvaluationReport.earlyStopArtifact] = evidence
                break
            }
        }
        await record(Entry(id: program.id, split: request.split, control: request.permutationSeed != nil, checkpointed: checkpoint != nil,
                           benchmarksRun: benchmarks.count))
        let metrics = Metrics(benchmarks: benchmarks, split: request.split.rawValue)
        return EvaluationReport(outcome: outcome, metrics: metrics, descriptors: descriptors(of: metrics), artifacts: artifacts)
    }

    nonisolated func descriptors(of metrics: Metrics) -> [String: Double] {
        metrics.benchmarks.values.map(\.parameters).max().map { ["x": Double($0) / 1000] } ?? [:]
    }

    func record(_ entry: Entry) { log.append(entry) }
}

/// Children in order: the n-th proposal gets the n-th script (the last repeats), each with its own
/// marker so no two are duplicates.
fileprivate actor ListProposer: Proposer {
    let scripts: [String]
    var made = 0

    init(_ scripts: [String]) { self.scripts = scripts }

    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        defer { made += 1 }
        return .child(
            files: ["scores.txt": scripts[min(made, scripts.count - 1)], "n.txt": "\(made)"], parents: [context.parent.id],
            proposal: Proposal(model: "script", summary: "child \(made)"))
    }
}

/// Children in order with the given files (the last repeats), each with its own marker.
fileprivate actor ListFileProposer: Proposer {
    let files: [[String: String]]
    var made = 0

    init(_ files: [[String: String]]) { self.files = files }

    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        defer { made += 1 }
        return .child(
            files: files[min(made, files.count - 1)].merging(["n.txt": "\(made)"]) { a, _ in a }, parents: [context.parent.id],
            proposal: Proposal(model: "script", summary: "child \(made)"))
    }
}

/// The value function through the whole loop: a hopeless child is stopped after its cheapest benchmark,
/// stored as `stopped` with its evidence, holds no cell, survives a resume and is never a parent; a
/// promising one runs on; seeds, races, controls, test and fresh-seed runs never get a checkpoint; shadow
/// mode records the stop and completes the child.
@Suite(.serialized) struct EarlyStopLoopTests {
    let scratch = ScratchDirectory("evolve-early-stop")
    var runs: URL { scratch.url }

    var database: DatabaseConfig { .oneIslandOfX }

    /// Eight seeds whose later benchmarks follow the first with some scatter (the fit has data), all in one cell.
    static let seeds: [Program] = (0..<8).map { i in
        let a = 0.1 + 0.1 * Double(i)
        let wiggle = [0.03, -0.02, 0.01, -0.04, 0.02, 0.0, -0.01, 0.03][i]
        return Program(files: ["scores.txt": "\(a) \(a + wiggle) \(a - wiggle / 2)"])
    }

    func config(_ mode: EarlyStopRule.Mode, iterations: Int, repeats: Int = 1) -> RunConfig {
        var config = RunConfig()
        config.maxIterations = iterations
        config.parallel = 1
        config.proposalLookahead = 0
        config.crossoverRate = 0
        config.freshSeeds = repeats > 1 ? 2 : 0
        config.racing = RacingRule(repeats: repeats, margin: 1, noiseFloor: 0.03)
        config.earlyStop = EarlyStopRule(mode: mode, minFinished: 8, z: 2)
        return config
    }

    @Test func aHopelessChildIsStoppedKeptOutOfTheGridAndStaysStoppedAfterAResume() async throws {
        let run = try RunDirectory.create(name: "on", runsRoot: runs)
        let suite = ScriptedSuite()
        let loop = try EvolutionLoop(
            run: run, config: config(.on, iterations: 2), database: database, evaluator: suite,
            proposer: ListProposer(["0 0.01 0", "0.9 0.9 0.9"]), brief: "scripts")
        _ = try await loop.run(seeds: Self.seeds)

        var store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let children = try store.allPrograms().filter { !$0.parents.isEmpty && $0.migratedFrom == nil }
        let hopeless = try #require(children.first { $0.files["scores.txt"] == "0 0.01 0" })
        let promising = try #require(children.first { $0.files["scores.txt"] == "0.9 0.9 0.9" })
        #expect(hopeless.status == .stopped)
        #expect(promising.status == .evaluated, "a child that can win runs the whole suite")
        let log = await suite.log
        #expect(log.filter { $0.id == hopeless.id }.map(\.benchmarksRun) == [1], "stopped after its cheapest benchmark")
        let stops = try store.earlyStops.records(programID: hopeless.id)
        #expect(stops.count == 1 && stops.first?.mode == .on && stops.first?.after == ["a"])
        #expect((stops.first?.optimistic ?? 1) < (stops.first?.bar ?? 0) && stops.first?.samples == 8)
        #expect(try store.records.artifacts(of: hopeless.id)[EvaluationReport.earlyStopArtifact]?.contains("skipped b, c") == true)
        #expect(!store.grid(island: 0).contains { $0.id == hopeless.id }, "a stopped child holds no cell")
        #expect(hopeless.score == nil)

        // A resumed run (more iterations): the stopped child stays stopped and is never a parent.
        let resumed = try EvolutionLoop(
            run: run, config: config(.on, iterations: 6), database: database, evaluator: suite,
            proposer: ListProposer(["0.85 0.8 0.8"]), brief: "scripts")
        _ = try await resumed.run(seeds: [])
        store = try ProgramStore(path: run.database.path, config: database, seed: 7)
        #expect(try store.program(hopeless.id)?.status == .stopped)
        #expect(try store.allPrograms().allSatisfy { !$0.parents.contains(hopeless.id) }, "a stopped child was a parent")
        for _ in 0..<200 {
            let (parent, inspirations) = try store.sample(island: 0)
            #expect(parent.id != hopeless.id && !inspirations.contains { $0.id == hopeless.id })
        }
    }

    /// Issue 28's false stops: the cheap benchmarks put the child in an occupied cell (x 0.5, the seeds'
    /// cell), the last one enlarges its descriptor into an empty cell (x 0.75). It must run on.
    @Test func aChildALaterBenchmarkMovesIntoAnEmptyCellIsNotStopped() async throws {
        let run = try RunDirectory.create(name: "moves", runsRoot: runs)
        let suite = ScriptedSuite()
        let loop = try EvolutionLoop(
            run: run, config: config(.on, iterations: 2), database: database, evaluator: suite,
            proposer: ListFileProposer([["scores.txt": "0 0.01 0", "x.txt": "0.5 0.5 0.75"], ["scores.txt": "0 0.01 0"]]), brief: "scripts")
        _ = try await loop.run(seeds: Self.seeds)
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let children = try store.allPrograms().filter { !$0.parents.isEmpty && $0.migratedFrom == nil }
        let mover = try #require(children.first { $0.files["x.txt"] != nil })
        let stayer = try #require(children.first { $0.files["x.txt"] == nil })
        #expect(mover.status == .evaluated, "a child that will land in an empty cell was stopped")
        #expect(try store.earlyStops.records(programID: mover.id).isEmpty)
        #expect(store.grid(island: 0).contains { $0.id == mover.id && $0.cell == [7] }, "it fills the empty cell it was bound for")
        #expect(stayer.status == .stopped, "the same scores in the seeds' occupied cell are still a stop")
    }

    /// Without a settled value the parents' own records bound the growth: the seeds grew from 0.7 to 0.75
    /// (cell 7) after `a`; a child measured at 0.7 can only reach cell 7 (a stop), one at 0.76 could
    /// grow as they did into cell 8, which is empty (no stop).
    @Test func theParentsGrowthBoundsTheCellsAChildCanReach() async throws {
        let run = try RunDirectory.create(name: "growth", runsRoot: runs)
        let seeds = Self.seeds.map { Program(files: $0.files.merging(["x.txt": "0.7 0.7 0.75"]) { a, _ in a }) }
        let loop = try EvolutionLoop(
            run: run, config: config(.on, iterations: 2), database: database, evaluator: ScriptedSuite(),
            proposer: ListFileProposer([
                ["scores.txt": "0 0.01 0", "x.txt": "0.76 0.76 0.8", "unsettled": ""], ["scores.txt": "0 0.01 0", "x.txt": "0.7 0.7 0.75", "unsettled": ""],
            ]), brief: "scripts")
        _ = try await loop.run(seeds: seeds)
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let children = try store.allPrograms().filter { !$0.parents.isEmpty && $0.migratedFrom == nil }
        let grower = try #require(children.first { $0.files["x.txt"] == "0.76 0.76 0.8" })
        let stayer = try #require(children.first { $0.files["x.txt"] == "0.7 0.7 0.75" })
        #expect(grower.status == .evaluated, "it could grow into the empty cell 8")
        #expect(stayer.status == .stopped, "cell 7 is all it can reach, and its elite is out of reach")
    }

    @Test func seedsRacesControlsTestAndFreshRunsNeverGetACheckpoint() async throws {
        let run = try RunDirectory.create(name: "never", runsRoot: runs)
        let suite = ScriptedSuite()
        // A hopeless seed too: seeds are never stopped, whatever they score.
        let seeds = Self.seeds + [Program(files: ["scores.txt": "0 0 0"])]
        let loop = try EvolutionLoop(
            run: run, config: config(.on, iterations: 2, repeats: 3), database: database, evaluator: suite,
            proposer: ListProposer(["0.95 0.95 0.95", "0 0 0.01"]), brief: "scripts")
        _ = try await loop.run(seeds: seeds)
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let seedIDs = Set(try store.allPrograms().filter { $0.parents.isEmpty }.map(\.id))
        let log = await suite.log
        var firstSeen = Set<String>()
        var unchecked = (seed: 0, repeat: 0, test: 0, control: 0)
        for entry in log {
            let first = entry.split == .validation && !entry.control && firstSeen.insert(entry.id).inserted
            if entry.checkpointed {
                #expect(first && !seedIDs.contains(entry.id), "a checkpoint came with a seed, a repeat, a control, a test or a fresh run")
            } else if seedIDs.contains(entry.id) && first {
                unchecked.seed += 1
            } else if entry.control {
                unchecked.control += 1
            } else if entry.split == .test {
                unchecked.test += 1
            } else if !first {
                unchecked.repeat += 1
            }
        }
        // The kinds the rule must spare all happened in this run (so the check above could fail).
        #expect(unchecked.seed == seeds.count && unchecked.repeat > 0 && unchecked.test > 0 && unchecked.control > 0, "\(unchecked)")
        let zeroSeed = try #require(try store.allPrograms().first { $0.parents.isEmpty && $0.files["scores.txt"] == "0 0 0" })
        #expect(zeroSeed.status == .evaluated)
        #expect(try store.allPrograms().contains { $0.status == .stopped }, "the hopeless child was stopped")
    }

    @Test func shadowModeCompletesTheChildAndRecordsTheStopItWouldHaveMade() async throws {
        let run = try RunDirectory.create(name: "shadow", runsRoot: runs)
        let suite = ScriptedSuite()
        let loop = try EvolutionLoop(
            run: run, config: config(.shadow, iterations: 1), database: database, evaluator: suite,
            proposer: ListProposer(["0 0.01 0"]), brief: "scripts")
        _ = try await loop.run(seeds: Self.seeds)
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let child = try #require(try store.allPrograms().first { !$0.parents.isEmpty && $0.migratedFrom == nil })
        #expect(child.status == .evaluated, "shadow mode never stops")
        #expect(await suite.log.filter { $0.id == child.id }.map(\.benchmarksRun) == [3])
        let stops = try store.earlyStops.records(programID: child.id)
        #expect(stops.count == 1 && stops.first?.mode == .shadow, "the would-stop is recorded once")
        #expect(try store.records.artifacts(of: child.id)[EvaluationReport.shadowStopArtifact]?.contains("would have skipped b, c") == true)
    }

    @Test func offAndTooFewFinishedEvaluationsStopNothing() async throws {
        for (name, mode, minimum) in [("off", EarlyStopRule.Mode.off, 8), ("few", .on, 50)] {
            let run = try RunDirectory.create(name: name, runsRoot: runs)
            let suite = ScriptedSuite()
            var settings = config(mode, iterations: 1)
            settings.earlyStop.minFinished = minimum
            let loop = try EvolutionLoop(
                run: run, config: settings, database: database, evaluator: suite, proposer: ListProposer(["0 0.01 0"]), brief: "scripts")
            _ = try await loop.run(seeds: Self.seeds)
            let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
            #expect(try store.allPrograms().allSatisfy { $0.status == .evaluated }, "\(name)")
            #expect(try store.earlyStops.records().isEmpty, "\(name)")
        }
    }
}
