import EvolveCore
import Foundation
import TestSupport
import Testing

/// A program is one file holding a number in its EVOLVE-BLOCK; its score is that number.
private func value(_ program: Program) -> Double {
    let text = program.files["value.txt"] ?? ""
    return text.split(separator: "\n").compactMap { Double($0) }.first ?? -1
}

private func files(_ v: Double) -> [String: String] {
    ["value.txt": "# EVOLVE-BLOCK-START\n\(String(format: "%.3f", v))\n# EVOLVE-BLOCK-END\n"]
}

/// Scores in-process, instantly: score = the number (a "build failure" for negative numbers).
private struct NumberEvaluator: Evaluator {
    func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        let v = value(program)
        if v < 0 { return EvaluationReport(outcome: .buildFailed, artifacts: ["build": "negative value \(v)"]) }
        // The test split scores a little lower, so the gap is visible.
        let score = request.split == .validation ? v : v - 0.01
        return EvaluationReport(
            outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: request.split.rawValue), descriptors: ["x": v])
    }
}

/// Like `NumberEvaluator`, with a control: programs at 0.33 or more "wrote their answers in", so their
/// score collapses when the answers are renamed; the others learn and hold.
private struct ControlledEvaluator: Evaluator {
    func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        var report = try await NumberEvaluator().evaluate(program, request, progress: progress)
        if request.permutationSeed != nil, value(program) >= 0.33 {
            report.metrics = Metrics(values: ["combined_score": 0], split: request.split.rawValue)
        }
        return report
    }

    var supportsControl: Bool { true }

    func judgeControl(ordinary: Metrics, control: Metrics) -> String? {
        control.combinedScore < 0.5 * ordinary.combinedScore
            ? String(format: "score %.3f → %.3f under the control", ordinary.combinedScore, control.combinedScore) : nil
    }
}

/// Deterministic by iteration: a copy of the parent (a duplicate), no child, a broken child, then
/// improvements of +0.01…+0.03.
private struct StepProposer: Proposer {
    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        let r = UInt64(context.iteration % 6)
        let proposal = Proposal(model: "step", promptTokens: 10, completionTokens: 5, costUSD: 0.001, mode: "diff", calls: 1, summary: "r \(r)")
        switch r {
        case 0: return .child(files: context.parent.files, parents: [context.parent.id], proposal: proposal)
        case 1: return .failed(reason: "SEARCH block did not match", proposal: proposal)
        case 2: return .child(files: files(-1), parents: [context.parent.id], proposal: proposal)
        default:
            let v = min(0.999, value(context.parent) + 0.01 * Double(r % 3 + 1) + Double(context.iteration) * 1e-4)
            return .child(files: files(v), parents: [context.parent.id], proposal: proposal)
        }
    }
}

/// An honest learner whose first control run collapses by training noise (as the TRM seed's can, near
/// its accuracy cliff); every later control run holds.
private final class UnluckyOnceEvaluator: Evaluator, @unchecked Sendable {
    private let lock = NSLock()
    private var controls = 0
    var controlCount: Int { lock.withLock { controls } }

    func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        var report = try await NumberEvaluator().evaluate(program, request, progress: progress)
        if request.permutationSeed != nil {
            let first = lock.withLock { controls += 1; return controls == 1 }
            if first { report.metrics = Metrics(values: ["combined_score": 0], split: request.split.rawValue) }
        }
        return report
    }

    var supportsControl: Bool { true }

    func judgeControl(ordinary: Metrics, control: Metrics) -> String? {
        ControlledEvaluator().judgeControl(ordinary: ordinary, control: control)
    }
}

/// `StepProposer` with a state: the number of proposals made over the run, saved by the loop and
/// restored on resume.
private actor CountingProposer: Proposer {
    var count = 0
    var restored: [Int] = []
    var firstProposalSaw: Int?

    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        if firstProposalSaw == nil { firstProposalSaw = count }
        count += 1
        return try await StepProposer().propose(context)
    }

    func snapshot() async -> Data? { Data("\(count)".utf8) }

    func restore(_ snapshot: Data) async throws {
        let value = Int(String(decoding: snapshot, as: UTF8.self)) ?? -1
        restored.append(value)
        count = value
    }
}

private struct DeadProposer: Proposer {
    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        throw URLError(.cannotConnectToHost)
    }
}

@Suite(.serialized) struct EvolutionLoopTests {
    let scratch = ScratchDirectory("evolve-loop")
    var runs: URL { scratch.url }

    var database: DatabaseConfig {
        var config = DatabaseConfig()
        config.islands = 2
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 1, bins: 10)])
        config.migrationInterval = 5
        return config
    }

    func config(_ iterations: Int, _ strategy: SearchStrategy = .mapElites) -> RunConfig {
        var config = RunConfig()
        config.maxIterations = iterations
        config.parallel = 2
        config.strategy = strategy
        // The default racing (3 seeds, margin 1); `NumberEvaluator` is noiseless, so the floor under the
        // SD is its resolution rather than a training run's noise.
        config.racing.noiseFloor = 0.005
        return config
    }

    func loop(_ run: RunDirectory, _ config: RunConfig, proposer: any Proposer = StepProposer()) throws -> EvolutionLoop {
        try EvolutionLoop(run: run, config: config, database: database, evaluator: NumberEvaluator(), proposer: proposer, brief: "numbers")
    }

    func git(_ run: RunDirectory, _ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", run.lineage.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readAllRetryingInterrupts()
        _ = ChildExit.wait(for: process)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func tenIterationsLeaveRowsCommitsWithTheRightParentsAndRecordedFailures() async throws {
        let run = try RunDirectory.create(name: "ten", runsRoot: runs)
        let summary = try await loop(run, config(10)).run(seeds: [Program(files: files(0.1))])
        #expect(summary.iterations == 10)
        #expect(summary.stopReason == .iterations)
        let best = try #require(summary.bestScore)
        #expect(best > 0.1)
        #expect(summary.bestTestScore.map { abs($0 - (best - 0.01)) < 1e-9 } == true)

        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let programs = try ProgramStatus.allCases.flatMap { try store.programs(status: $0) }
        #expect(programs.allSatisfy { $0.status != .queued && $0.status != .evaluating })
        // Every program that is not a migrant copy has its own commit, whose parents are its parents' commits.
        for program in programs where program.migratedFrom == nil {
            let commit = try #require(program.commitID, "program \(program.id) has no commit")
            let line = try git(run, "rev-list", "--parents", "-n", "1", commit).trimmingCharacters(in: .whitespacesAndNewlines)
            let parents = line.split(separator: " ").dropFirst().map(String.init)
            let expected = try program.parents.compactMap { try store.program($0)?.commitID }
            #expect(parents == expected, "program \(program.id)")
        }
        #expect(try git(run, "fsck", "--strict").contains("error") == false)
        #expect(try git(run, "log", "--oneline", "best").contains("score"))
        // Duplicates were recorded, not evaluated; a broken child failed; a failed proposal was recorded.
        let attempts = try store.records.attempts(from: programs.map(\.id), limit: 100)
        #expect(attempts.contains { $0.outcome == .duplicate })
        #expect(attempts.contains { $0.outcome == .proposalFailed && $0.detail.contains("did not match") })
        #expect(programs.contains { $0.status == .failed })
        // Every evaluation is stored: a program's validation runs (one, or `repeats` for a contender and
        // the incumbents it raced) give its mean and count; one test run per elite; the best's fresh seeds.
        var stored = 0
        for program in programs where program.migratedFrom == nil {
            let validation = try store.records.evaluationCount(programID: program.id, split: .validation)
            #expect(validation == (program.status == .evaluated ? program.scoreStats?.n : 1), "program \(program.id)")
            #expect(validation == 1 || validation == 3)
            #expect(try store.records.trainingSeeds(of: program.id).count == (try store.records.evaluationCount(programID: program.id)))
            stored += validation + (program.testMetrics != nil ? 1 : 0)
        }
        #expect(programs.contains { ($0.scoreStats?.n ?? 0) == 3 })
        let bestProgram = try #require(try store.best())
        #expect(bestProgram.scoreStats?.n == 3)
        #expect(try store.assessment(of: bestProgram.id)?.test?.n == 3)
        #expect(try store.records.evaluationCount() == stored + 2 * 3)
        #expect(try store.records.spend().costUSD > 0.009)
    }

    @Test func aResumedRunContinuesWhereItStoppedAndEvaluatesNothingTwice() async throws {
        let run = try RunDirectory.create(name: "resume", runsRoot: runs)
        _ = try await loop(run, config(6)).run(seeds: [Program(files: files(0.2))])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let before = try store.records.evaluationCount()
        let evaluatedBefore = Set(try store.programs(status: .evaluated).filter { $0.migratedFrom == nil }.map(\.id))
        var statsBefore: [String: ScoreStats] = [:]
        for id in evaluatedBefore { statsBefore[id] = try store.program(id)?.scoreStats }

        let again = try RunDirectory.open("resume", runsRoot: runs)
        let summary = try await loop(again, config(12)).run(seeds: [Program(files: files(0.2))])
        #expect(summary.iterations == 12)
        let reopened = try ProgramStore(path: run.database.path, config: database, seed: 42)
        for id in evaluatedBefore { #expect(try reopened.records.evaluationCount(programID: id) >= 1) }
        // The seed was not evaluated again: its race (3 training seeds) ran once, before the resume; a
        // program's mean, SD and count are what they were unless it raced again since.
        let seed = try #require(try reopened.programs(status: .evaluated).first { $0.parents.isEmpty && $0.migratedFrom == nil })
        #expect(try reopened.records.evaluationCount(programID: seed.id, split: .validation) == 3)
        for (id, stats) in statsBefore {
            let now = try reopened.program(id)?.scoreStats
            #expect(now == stats || (stats.n == 1 && now?.n == 3), "program \(id)")
        }
        #expect(try reopened.records.evaluationCount() > before)
    }

    @Test func aRunNameThatExistsIsRefusedNamingResume() throws {
        _ = try RunDirectory.create(name: "taken", runsRoot: runs)
        #expect(throws: RunDirectory.Failure.self) { try RunDirectory.create(name: "taken", runsRoot: runs) }
        do { _ = try RunDirectory.create(name: "taken", runsRoot: runs) } catch { #expect("\(error)".contains("evolve resume taken")) }
        #expect(throws: RunDirectory.Failure.self) { try RunDirectory.open("nope", runsRoot: runs) }
        #expect(!RunDirectory.isValidName("../x"))
    }

    @Test func bestOfNTakesEveryChildFromASeedAndHillClimbFromTheBest() async throws {
        let control = try RunDirectory.create(name: "control", runsRoot: runs)
        _ = try await loop(control, config(8, .bestOfN)).run(seeds: [Program(files: files(0.3))])
        let store = try ProgramStore(path: control.database.path, config: database, seed: 42)
        let seed = try #require(try store.programs(status: .evaluated).first { $0.parents.isEmpty })
        let children = try ProgramStatus.allCases.flatMap { try store.programs(status: $0) }.filter { $0.proposal != nil }
        #expect(!children.isEmpty)
        #expect(children.allSatisfy { $0.parents == [seed.id] })

        let climb = try RunDirectory.create(name: "climb", runsRoot: runs)
        // 12 iterations: a race keeps its iteration in flight, so the next few proposals start from the best before it.
        _ = try await loop(climb, config(12, .hillClimb)).run(seeds: [Program(files: files(0.3))])
        let climbed = try ProgramStore(path: climb.database.path, config: database, seed: 42)
        let evaluated = try climbed.programs(status: .evaluated).filter { $0.proposal != nil }.sorted { $0.iteration < $1.iteration }
        // Each child's parent was the best program when it was proposed: its generation keeps growing.
        #expect(evaluated.map(\.generation).max() ?? 0 >= 2)
    }

    @Test func aDeadEndpointStopsTheRunCleanlyAfterTheConfiguredOutage() async throws {
        let run = try RunDirectory.create(name: "dead", runsRoot: runs)
        var config = config(50)
        config.maxOutageSeconds = 0.5
        let summary = try await loop(run, config, proposer: DeadProposer()).run(seeds: [Program(files: files(0.1))])
        // The outage ends it, not the 50 iterations (no wall-clock bound here: a loaded machine took 40 s).
        #expect(summary.stopReason == .outage)
        #expect(summary.iterations < 50)
        #expect(try String(contentsOf: run.log, encoding: .utf8).contains("the proposer failed"))
    }

    @Test func aNewBestThatFailsTheControlLeavesSelectionWithItsEvidence() async throws {
        let run = try RunDirectory.create(name: "control", runsRoot: runs)
        let loop = try EvolutionLoop(
            run: run, config: config(16), database: database, evaluator: ControlledEvaluator(), proposer: StepProposer(), brief: "numbers")
        let summary = try await loop.run(seeds: [Program(files: files(0.3))])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let flagged = try store.records.flaggedPrograms()
        #expect(!flagged.isEmpty, "no program reached 0.33, so the control never flagged one")
        for (id, evidence) in flagged {
            #expect(evidence.contains("under the control"))
            #expect(try store.program(id)?.status == .rejected)
            #expect(store.islandBests().allSatisfy { $0?.id != id })
        }
        // The best left standing passed its control.
        #expect((summary.bestScore ?? 1) < 0.33)
        let best = try #require(try store.best())
        #expect(flagged[best.id] == nil)
        #expect(try git(run, "rev-parse", "best").trimmingCharacters(in: .whitespacesAndNewlines) == best.commitID)
    }

    @Test func oneUnluckyControlRunDoesNotFlagALearner() async throws {
        let run = try RunDirectory.create(name: "unlucky", runsRoot: runs)
        let evaluator = UnluckyOnceEvaluator()
        var config = config(0)
        config.controlRuns = 3
        _ = try await EvolutionLoop(run: run, config: config, database: database, evaluator: evaluator, proposer: StepProposer(), brief: "numbers")
            .run(seeds: [Program(files: files(0.3))])
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        #expect(try store.records.flaggedPrograms().isEmpty)
        let seed = try #require(try store.best())
        #expect(seed.status == .evaluated)
        // The collapse is kept as evidence, and the second run (which held) ended the control.
        #expect(evaluator.controlCount == 2)
        #expect(try String(contentsOf: run.log, encoding: .utf8).contains("the permutation control collapsed once (run 1 of 3)"))

        // With one control run, the same bad luck flags it.
        let strict = try RunDirectory.create(name: "strict", runsRoot: runs)
        config.controlRuns = 1
        _ = try? await EvolutionLoop(run: strict, config: config, database: database, evaluator: UnluckyOnceEvaluator(), proposer: StepProposer(), brief: "numbers")
            .run(seeds: [Program(files: files(0.3))])
        let strictStore = try ProgramStore(path: strict.database.path, config: database, seed: 42)
        #expect(try strictStore.records.flaggedPrograms().count == 1)
    }

    @Test func aStopFileEndsTheRunBeforeTheNextIteration() async throws {
        let run = try RunDirectory.create(name: "stopfile", runsRoot: runs)
        #expect(FileManager.default.createFile(atPath: run.stopFile.path, contents: nil))
        let summary = try await loop(run, config(50)).run(seeds: [Program(files: files(0.1))])
        #expect(summary.stopReason == .stopFile)
        #expect(summary.iterations == 0)
    }

    @Test func aWallTimeLimitStopsTheRunBeforeTheNextIteration() async throws {
        let run = try RunDirectory.create(name: "hours", runsRoot: runs)
        var config = config(50)
        // A millisecond and a half: spent by the time the seeds are evaluated.
        config.maxHours = 0.0015 / 3600
        let summary = try await loop(run, config).run(seeds: [Program(files: files(0.1))])
        #expect(summary.stopReason == .time)
        #expect(summary.iterations == 0)
        #expect(summary.elapsedSeconds >= 0.0015)
    }

    @Test func anLLMSpendLimitStopsTheRunOnceTheProposalsCostThatMuch() async throws {
        let run = try RunDirectory.create(name: "spend", runsRoot: runs)
        var config = config(200)
        // `StepProposer` reports $0.001 a proposal: the limit is reached after four.
        config.maxSpendUSD = 0.0035
        let summary = try await loop(run, config).run(seeds: [Program(files: files(0.1))])
        #expect(summary.stopReason == .spend)
        // Proposals in flight when the limit was reached still finish (at most the loop's window of 3).
        #expect(summary.iterations >= 4 && summary.iterations <= 4 + 3, "\(summary.iterations) iterations")
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        #expect(try store.records.spend().costUSD >= 0.0035)
    }

    @Test func aTargetScoreStopsTheRunOnceABestReachesIt() async throws {
        let run = try RunDirectory.create(name: "target", runsRoot: runs)
        var config = config(200)
        config.targetScore = 0.25
        let summary = try await loop(run, config).run(seeds: [Program(files: files(0.2))])
        #expect(summary.stopReason == .target)
        #expect(summary.iterations < 200)
        #expect((summary.bestScore ?? 0) >= 0.25)
    }

    @Test func theProposersStateIsSavedInTheDatabaseAndRestoredOnResume() async throws {
        let run = try RunDirectory.create(name: "proposer-state", runsRoot: runs)
        let first = CountingProposer()
        _ = try await loop(run, config(6), proposer: first).run(seeds: [Program(files: files(0.2))])
        let saved = await first.count
        #expect(saved == 6)
        // The state outlives the store: closed with the loop, read back by a fresh connection.
        let reopened = try ProgramStore(path: run.database.path, config: database, seed: 42)
        let stored = try #require(try reopened.records.state("proposer"))
        #expect(Data(base64Encoded: stored) == Data("\(saved)".utf8))

        // A resumed run's new proposer starts from that state before its first proposal.
        let again = try RunDirectory.open("proposer-state", runsRoot: runs)
        let second = CountingProposer()
        _ = try await loop(again, config(9), proposer: second).run(seeds: [Program(files: files(0.2))])
        #expect(await second.restored == [saved])
        #expect(await second.firstProposalSaw == saved)
        #expect(await second.count == 9)
    }
}
