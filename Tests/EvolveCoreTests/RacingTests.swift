import EvolveSupport
import Foundation
import TestSupport
import Testing
@testable import EvolveCore

/// The racing rule in the store: repeats over training seeds, the margin, ties, persistence.
@Suite struct RacingStoreTests {
    let scratch = ScratchDirectory("evolve-racing")
    var directory: URL { scratch.url }

    func store(_ name: String = "db", repeats: Int = 3) throws -> ProgramStore {
        var config = DatabaseConfig()
        config.islands = 1
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 10)])
        let store = try ProgramStore(path: directory.appendingPathComponent("\(name).sqlite").path, config: config, seed: 1)
        store.racing = RacingRule(repeats: repeats, margin: 1, noiseFloor: 0.03)
        return store
    }

    func record(_ score: Double, seed: UInt64) -> EvaluationRecord {
        EvaluationRecord(
            split: .validation, trainingSeed: seed,
            report: EvaluationReport(outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: "validation")))
    }

    /// A program evaluated once (its first training seed), at feature value `x`.
    /// `memory` is the sandbox's measured peak; `parameters` the count the run's `run.json` claims.
    func first(
        _ db: ProgramStore, _ text: String, _ score: Double, x: Double = 3, memory: Double = 100, parameters: Double = 100
    ) throws -> (String, ProgramStore.Placement) {
        let id = try db.add(Program(files: ["k.swift": text])).id
        let placement = try db.complete(
            id, status: .evaluated, metrics: Metrics(values: ["combined_score": score], split: "validation"),
            descriptors: ["x": x, "peak_memory_bytes": memory, "parameters": parameters], evaluation: record(score, seed: 1))
        return (id, placement)
    }

    /// The rest of a race: more seeds, then the settling.
    func race(_ db: ProgramStore, _ id: String, _ scores: [Double]) throws -> ProgramStore.Placement {
        for (i, score) in scores.enumerated() { try db.recordRepeat(id, record(score, seed: UInt64(100 + i))) }
        return try db.settle(id)
    }

    @Test func aLuckySingleEvaluationDoesNotDisplaceAnElite() throws {
        let db = try store()
        let (elite, p0) = try first(db, "elite", 0.45)
        #expect(p0.race == [elite] && p0.isCellElite && !p0.isNewBest)  // an empty cell at once; the best after racing
        #expect(try race(db, elite, [0.5, 0.55]).isNewBest)
        #expect(try db.best()?.id == elite)

        // A child as good as the elite, with a lucky first seed: a contender, not yet an elite.
        let (lucky, p1) = try first(db, "lucky", 0.9)
        #expect(p1.race == [lucky] && !p1.isCellElite && !p1.isNewBest)
        // Its other seeds show what it is: mean 0.617 ± a wide SE does not beat 0.5 by one SE of the difference.
        let settled = try race(db, lucky, [0.45, 0.5])
        #expect(!settled.isCellElite && !settled.isNewBest)
        #expect(db.grid(island: 0).first?.id == elite)
        #expect(try db.best()?.id == elite)
        let stats = try #require(try db.program(lucky)?.scoreStats)
        #expect(stats.n == 3 && abs(stats.mean - (0.9 + 0.45 + 0.5) / 3) < 1e-9 && stats.standardError! > 0.1)

        // A clear loser is not raced.
        let (_, p2) = try first(db, "loser", 0.2)
        #expect(p2.race.isEmpty && !p2.isCellElite)
    }

    @Test func aTrulyBetterProgramDisplacesTheEliteAfterItsRepeats() throws {
        let db = try store()
        let (elite, _) = try first(db, "elite", 0.5)
        try race(db, elite, [0.52, 0.48])
        let (better, p1) = try first(db, "better", 0.8)
        #expect(!p1.isCellElite && !p1.isNewBest && p1.race == [better])
        try db.recordRepeat(better, record(0.82, seed: 7))
        #expect(db.grid(island: 0).first?.id == elite)  // two of three seeds: still racing
        let settled = try race(db, better, [0.78])
        #expect(settled.isCellElite && settled.replaced == elite && settled.isNewIslandBest && settled.isNewBest)
        #expect(try db.best()?.id == better)
        #expect(try db.records.evaluationCount(programID: better, split: .validation) == 3)
    }

    @Test func anIncumbentWithOneEvaluationIsToppedUpForAFairRace() throws {
        let db = try store()
        let (seed, _) = try first(db, "seed", 0.5, x: 3)
        try race(db, seed, [0.5, 0.5])
        // An empty cell is filled by one evaluation (it displaces nobody) and does not race the island best.
        let (filler, pf) = try first(db, "filler", 0.3, x: 7)
        #expect(pf.isCellElite && pf.race.isEmpty && !pf.isNewIslandBest)
        // A challenger of that cell races the filler too, which has one evaluation only.
        let (challenger, pc) = try first(db, "challenger", 0.4, x: 7)
        #expect(pc.race == [challenger, filler])
        #expect(try db.pendingRaces().map(\.id) == [filler, challenger])
    }

    @Test func repeatsOneIsTheSingleEvaluationRule() throws {
        let db = try store(repeats: 1)
        let (elite, p0) = try first(db, "elite", 0.5)
        #expect(p0.race.isEmpty && p0.isCellElite && p0.isNewBest)
        let (lucky, p1) = try first(db, "lucky", 0.9)
        #expect(p1.race.isEmpty && p1.isCellElite && p1.replaced == elite && p1.isNewBest)
        #expect(try db.best()?.id == lucky)
        let (_, p2) = try first(db, "lower", 0.89)
        #expect(!p2.isCellElite)
    }

    @Test func tiesGoToTheSmallerProgram() throws {
        let db = try store()
        let (big, _) = try first(db, "big", 1.0, memory: 5000)
        try race(db, big, [1.0, 1.0])
        let (bigger, _) = try first(db, "bigger one", 1.0, memory: 9000)
        #expect(try !race(db, bigger, [1.0, 1.0]).isCellElite)
        let (small, _) = try first(db, "small", 1.0, memory: 800)
        let settled = try race(db, small, [1.0, 1.0])
        #expect(settled.isCellElite && settled.replaced == big && settled.isNewBest)
        // Equal measured memory: the shorter code.
        let (short, _) = try first(db, "s", 1.0, memory: 800)
        #expect(try race(db, short, [1.0, 1.0]).isCellElite)
    }

    @Test func aForgedParameterCountChangesNoTieBreak() throws {
        // The same tie twice: once with honest counts, once with the challenger's run.json claiming a
        // single parameter. The tie-break reads only what evolve measured, so both end the same way.
        for claimed in [9000.0, 1] {
            let db = try store("forged-\(Int(claimed))")
            let (incumbent, _) = try first(db, "incumbent", 1.0, memory: 800, parameters: 5000)
            try race(db, incumbent, [1.0, 1.0])
            let (forger, _) = try first(db, "challenger", 1.0, memory: 900, parameters: claimed)
            let settled = try race(db, forger, [1.0, 1.0])
            #expect(!settled.isCellElite, "claimed \(claimed) parameters")
            #expect(try db.best()?.id == incumbent)
        }
    }

    @Test func meansSDsAndUnsettledRacesSurviveAReopen() throws {
        let db = try store("persist")
        let (elite, _) = try first(db, "elite", 0.4)
        try race(db, elite, [0.5, 0.6])
        let (racer, _) = try first(db, "racer", 0.9)
        try db.recordRepeat(racer, record(0.7, seed: 9))
        let reopened = try store("persist")
        let stats = try #require(try reopened.program(elite)?.scoreStats)
        #expect(stats.n == 3 && abs(stats.mean - 0.5) < 1e-9 && abs((stats.sd ?? 0) - 0.1) < 1e-9)
        #expect(reopened.scoreStats(of: racer)?.n == 2)
        #expect(try reopened.pendingRaces().map(\.id) == [racer])
        #expect(try reopened.pendingRaces().first?.missing == 1)
        #expect(try reopened.best()?.id == elite)
        #expect(try reopened.records.trainingSeeds(of: racer) == [1, 9])
    }

    @Test func theControlComparesAgainstTheMeanOverTrainingSeeds() throws {
        let db = try store()
        func benchmarks(_ exact: Double, _ token: Double) -> Metrics {
            Metrics(benchmarks: ["b": BenchmarkMetrics(exactAccuracy: exact, tokenAccuracy: token, parameters: 7)], split: "validation")
        }
        let id = try db.add(Program(files: ["k.swift": "m"])).id
        try db.complete(id, status: .evaluated, metrics: benchmarks(0.6, 0.9), descriptors: ["x": 3],
                        evaluation: EvaluationRecord(split: .validation, trainingSeed: 1, report: EvaluationReport(outcome: .evaluated, metrics: benchmarks(0.6, 0.9))))
        try db.recordRepeat(id, EvaluationRecord(split: .validation, trainingSeed: 2, report: EvaluationReport(outcome: .evaluated, metrics: benchmarks(0.2, 0.7))))
        try db.recordRepeat(id, EvaluationRecord(split: .validation, trainingSeed: 3, report: EvaluationReport(outcome: .rejected)))
        let mean = try #require(try db.records.meanValidationMetrics(of: id)?.benchmarks["b"])
        #expect(abs(mean.exactAccuracy - 0.4) < 1e-12 && abs(mean.tokenAccuracy - 0.8) < 1e-12 && mean.parameters == 7)
        // The selection score counts the failed run as 0; the control's reference averages the runs that scored.
        #expect(abs((db.scoreStats(of: id)?.mean ?? 0) - 0.8 / 3) < 1e-12)
    }

    @Test func theStandardErrorOfTheDifferenceIsPooledWithAFloor() {
        let rule = RacingRule(repeats: 3, margin: 1, noiseFloor: 0.03)
        let identical = ScoreStats(scores: [1, 1, 1])
        #expect(identical.sd == 0)
        #expect(abs(rule.seDifference(identical, identical) - 0.03 * (2.0 / 3).squareRoot()) < 1e-12)
        let a = ScoreStats(scores: [0.61, 0.28, 0.075]), b = ScoreStats(mean: 0.2)
        // One side with one evaluation: the pooled SD is the other's.
        #expect(abs(rule.seDifference(a, b) - a.sd! * (1.0 / 3 + 1).squareRoot()) < 1e-12)
        #expect(rule.compare(ScoreStats(scores: [0.9, 0.9]), identical) == .loses)  // fewer than `repeats` never wins
    }
}

/// Scores with known noise: a program's quality is the number in `value.txt`; its evaluations on a split
/// add the scripted noise +0.02, −0.02, 0, +0.02, … in the order its training seeds arrive, and a child's
/// first validation seed is lucky (+0.3 more). The test split scores 0.01 lower.
fileprivate actor NoisyEvaluator: Evaluator {
    var count: [String: Int] = [:]
    var requests: [String: [EvaluationRequest]] = [:]

    nonisolated func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        let quality = Double((program.files["value.txt"] ?? "").split(separator: "\n").first ?? "") ?? 0
        let index = await arrival(program, request)
        let noise = [0.02, -0.02, 0][index % 3] + (index == 0 && request.split == .validation && !program.parents.isEmpty ? 0.3 : 0)
        let score = quality + noise - (request.split == .test ? 0.01 : 0)
        return EvaluationReport(
            outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: request.split.rawValue),
            descriptors: ["x": 0.5, "parameters": Double(program.codeLength)])
    }

    /// How many evaluations of this program on this split came before this one.
    func arrival(_ program: Program, _ request: EvaluationRequest) -> Int {
        requests[program.contentHash, default: []].append(request)
        let key = program.contentHash + request.split.rawValue + (request.permutationSeed == nil ? "" : "control")
        defer { count[key, default: 0] += 1 }
        return count[key] ?? 0
    }
}

/// Children of the parent's quality plus `step`, each with different text.
fileprivate struct ChildProposer: Proposer {
    let step: Double

    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        let parent = Double((context.parent.files["value.txt"] ?? "").split(separator: "\n").first ?? "") ?? 0
        let files = ["value.txt": String(format: "%.3f\n# child of iteration %d\n", min(1, parent + step), context.iteration)]
        return .child(files: files, parents: [context.parent.id], proposal: Proposal(model: "script", summary: "step \(step)"))
    }
}

@Suite(.serialized) struct RacingLoopTests {
    let scratch = ScratchDirectory("evolve-racing-loop")
    var runs: URL { scratch.url }

    var database: DatabaseConfig { .oneIslandOfX }

    func config(_ iterations: Int, repeats: Int) -> RunConfig {
        var config = RunConfig()
        config.maxIterations = iterations
        config.parallel = 2
        config.racing = RacingRule(repeats: repeats, margin: 1, noiseFloor: 0.03)
        config.freshSeeds = 4
        return config
    }

    fileprivate func run(_ name: String, _ config: RunConfig, step: Double, evaluator: NoisyEvaluator = NoisyEvaluator()) async throws -> (EvolutionLoop.Summary, ProgramStore) {
        let run = try RunDirectory.create(name: name, runsRoot: runs)
        let loop = try EvolutionLoop(
            run: run, config: config, database: database, evaluator: evaluator, proposer: ChildProposer(step: step), brief: "numbers")
        let summary = try await loop.run(seeds: [Program(files: ["value.txt": "0.500\n"])])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        // Every displacement the run recorded obeys the rule it ran with, recomputed from its evaluations.
        let violations = try store.displacementViolations(racing: config.racing)
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
        return (summary, store)
    }

    @Test func luckyChildrenDoNotDisplaceTheSeedButWinWithOneEvaluation() async throws {
        // Children as good as the seed: each first evaluation is 0.3 too high.
        let (raced, store) = try await run("raced", config(6, repeats: 3), step: 0)
        let seed = try #require(try store.allPrograms().first { $0.parents.isEmpty })
        #expect(raced.bestProgramID == seed.id)
        #expect(abs((raced.bestScore ?? 0) - 0.5) < 0.03)
        for child in try store.allPrograms() where !child.parents.isEmpty {
            #expect(child.scoreStats?.n == 3, "a contender got its repeats")
            #expect(try store.records.trainingSeeds(of: child.id).count >= 3)
        }
        #expect(store.grid(island: 0).map(\.id) == [seed.id])
        #expect(try store.displacements().isEmpty, "no lucky child displaced the seed")

        // The control arm: one evaluation decides, so the lucky first score wins (the winner's curse).
        let (single, singleStore) = try await run("single", config(6, repeats: 1), step: 0)
        #expect(single.bestProgramID != nil && single.bestProgramID != seed.id)
        #expect((single.bestScore ?? 0) > 0.75)
        let singleSeed = try #require(try singleStore.allPrograms().first { $0.parents.isEmpty })
        #expect(try singleStore.displacements().contains { $0.record.kind == .runBest && $0.record.incumbent == singleSeed.id })
        for program in try singleStore.allPrograms() where program.migratedFrom == nil {
            #expect(try singleStore.records.evaluationCount(programID: program.id, split: .validation) == 1)
        }
        // Its fresh seeds expose it: the re-run drift is about +0.3 and flagged.
        let best = try #require(try singleStore.best())
        let assessment = try #require(try singleStore.assessment(of: best.id))
        #expect(abs((assessment.drift ?? 0) - 0.3) < 0.05)
        #expect(assessment.flags.contains { $0.contains("drift") })
    }

    @Test func aTrulyBetterChildBecomesTheBestAfterItsRepeatsAndIsRescoredWithFreshSeeds() async throws {
        let evaluator = NoisyEvaluator()
        let (summary, store) = try await run("better", config(3, repeats: 3), step: 0.2, evaluator: evaluator)
        let best = try #require(try store.best())
        #expect(!best.parents.isEmpty)
        #expect(best.scoreStats?.n == 3)
        #expect(summary.bestProgramID == best.id)
        #expect(try store.displacements().contains { $0.record.kind == .runBest && $0.record.challenger == best.id })
        // The re-scoring: 4 fresh seeds on validation and on test, none a seed it was selected on.
        let assessment = try #require(try store.assessment(of: best.id))
        #expect(assessment.freshValidation?.n == 4 && assessment.test?.n == 4)
        #expect(abs((assessment.gap ?? 0) - 0.01) < 0.03)
        let requests = await evaluator.requests[best.contentHash] ?? []
        let selectionSeeds = requests.filter { $0.split == .validation && $0.permutationSeed == nil }.prefix(3).map(\.trainingSeed)
        let freshSeeds = requests.dropFirst(3).filter { $0.permutationSeed == nil }.map(\.trainingSeed)
        #expect(Set(selectionSeeds).isDisjoint(with: freshSeeds))
        #expect(Set(requests.map(\.trainingSeed)).count == requests.count, "a training seed was used twice for one program")
        #expect(summary.bestTestScore.map { abs($0 - assessment.test!.mean) < 1e-9 } == true)
    }
}
