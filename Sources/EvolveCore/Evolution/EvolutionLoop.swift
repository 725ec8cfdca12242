import EvolveSupport
import Foundation

/// The evolution loop: seeds are evaluated and placed on islands, then each iteration samples a parent,
/// asks the proposer for a child, evaluates it and applies the result — proposals and evaluations
/// overlap, evaluations are bounded by `RunConfig.parallel`, and results are applied in completion
/// order by this actor, the store's only writer. Every state change is one SQLite transaction and every
/// evaluated program one git commit, so `kill -9` loses at most the work in flight, which `run` re-queues
/// when the run is resumed.
///
/// The loop only schedules. The parts it runs: `SeedStart` (a new run's seeds), `ChildProposals` (parent,
/// proposal, child), `RaceRunner` (more training seeds before a displacement), `IntegrityFollowUps`
/// (control, held-out test, fresh seeds), `LineageRecorder` (commits and refs); every decision about the
/// population is `PopulationState`'s (the Population module), persisted by `ProgramStore`.
///
/// ```swift
/// let loop = try EvolutionLoop(run: runDir, config: config, database: DatabaseConfig(), evaluator: evaluator,
///                              proposer: OfflineMutator(), brief: brief) { event in print(event) }
/// let summary = try await loop.run(seeds: seeds)   // a new run, or a resumed one: the same call
/// print(summary.stopReason, summary.bestScore ?? 0)
/// ```
public actor EvolutionLoop {
    /// What the loop keeps across a resume, beside the store's own state.
    struct State: Codable {
        var nextIteration = 0
        var rngState: UInt64
        var seedIDs: [String] = []
        var elapsedBefore = 0.0
        /// Selection evaluations: first evaluations and racing repeats (not test, control or fresh runs).
        var evaluations = 0
        /// The training-seed stream (its own, so the proposal stream is the same with and without racing).
        var trainingRNGState: UInt64?
    }

    public let run: RunDirectory
    public let config: RunConfig
    let store: ProgramStore
    /// The only writer of commits and refs.
    let recorder: LineageRecorder
    /// The control, held-out test and fresh-seed runs after selection.
    let followUps: IntegrityFollowUps
    let races: RaceRunner
    let proposals = ChildProposals()
    /// How long the proposer has been failing (the run stops after `maxOutageSeconds`).
    var health: ProposerHealth
    let evaluator: any Evaluator
    let proposer: any Proposer
    let brief: String
    let onEvent: @Sendable (Event) -> Void
    let log: RunLog
    let limiter: AsyncLimiter
    /// Draws every evaluation's training seed; persisted in `state`, so a resumed run continues it.
    var trainingRNG: SplitMix64
    /// Programs whose racing evaluations are running, so two races never top up the same program twice.
    var racingNow = Set<String>()
    /// Seeds handed out and not yet stored, per program.
    var seedsInFlight: [String: Set<UInt64>] = [:]
    /// The value function's stop (or shadow would-stop) per evaluation in flight, until its result is stored.
    var earlyStopVerdicts: [String: EarlyStopRecord] = [:]

    var state: State
    var rng: SplitMix64
    var stopReason: StopReason?
    var sessionStart = Date()
    var inFlight = 0
    var consecutiveEvaluatorErrors = 0
    /// LLM spend so far, read from the database once and kept up to date (no per-iteration scan).
    var spend: (costUSD: Double, promptTokens: Int, completionTokens: Int) = (0, 0, 0)
    /// The seed each program descends from, filled as programs are seen (no walk up the lineage).
    var rootOf: [String: String] = [:]
    var lastStatus = Date.distantPast

    public init(
        run: RunDirectory, config: RunConfig, database: DatabaseConfig, evaluator: any Evaluator, proposer: any Proposer,
        brief: String, onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) throws {
        self.run = run
        self.config = config
        store = try ProgramStore(path: run.database.path, config: database, seed: config.randomSeed)
        recorder = LineageRecorder(store: store, lineage: try GitLineage(path: run.lineage.path))
        self.evaluator = evaluator
        self.proposer = proposer
        self.brief = brief
        self.onEvent = onEvent
        log = RunLog(url: run.log)
        limiter = AsyncLimiter(limit: config.parallel)
        followUps = IntegrityFollowUps(config: config, evaluator: evaluator, limiter: limiter)
        races = RaceRunner(evaluator: evaluator, limiter: limiter)
        health = ProposerHealth(maxOutageSeconds: config.maxOutageSeconds)
        let seedState = State(rngState: config.randomSeed ^ 0x6A09_E667_F3BC_C908)
        if let saved = try store.records.state("loop"), let decoded = try? JSONDecoder().decode(State.self, from: Data(saved.utf8)) {
            state = decoded
        } else {
            state = seedState
        }
        rng = SplitMix64(seed: 0)
        rng.state = state.rngState
        trainingRNG = SplitMix64(seed: config.randomSeed ^ 0xBB67_AE85_84CA_A73B)
        if let saved = state.trainingRNGState { trainingRNG.state = saved }
        var racing = config.racing
        racing.scoreFloor = evaluator.scoreRange?.lowerBound
        store.racing = racing
    }

    /// Asks the loop to stop after the work in flight (SIGINT, a stop file).
    public func requestStop(_ reason: StopReason) {
        if stopReason == nil {
            stopReason = reason
            say("stopping (\(reason.rawValue)): finishing \(inFlight) evaluation(s) in flight; a second Ctrl-C stops at once")
        }
    }

    // MARK: - The run

    /// Runs until a stop condition holds. On a new run, `seeds` are evaluated first; on a resumed one they
    /// are ignored (the database has them) and unfinished evaluations are re-queued.
    public func run(seeds: [Program]) async throws -> Summary {
        sessionStart = Date()
        spend = try store.records.spend()
        if let snapshot = try store.records.state("proposer"), let data = Data(base64Encoded: snapshot) {
            try await proposer.restore(data)
        }
        try recorder.repair { say("committing \($0) program(s) that a crash left without a commit") }
        if state.seedIDs.isEmpty {
            try await SeedStart().evaluate(seeds, on: self)
        } else {
            say("resuming at iteration \(state.nextIteration) with \(try store.count()) programs")
            let seedsLeft = try state.seedIDs.compactMap { try store.program($0) }.filter { $0.status == .queued || $0.status == .evaluating }
            if !seedsLeft.isEmpty { try await SeedStart().finish(seedsLeft.map(\.id), on: self) }
            if store.islandBests().allSatisfy({ $0 == nil }) {
                throw Failure(description: "no seed program of this run could be evaluated; fix the seeds and start a new run (`evolve eval DIR` shows why)")
            }
        }
        let unfinished = try store.unfinishedPrograms()
        if !unfinished.isEmpty { say("re-queueing \(unfinished.count) evaluation(s) that were in flight") }
        let races = try store.pendingRaces()
        if !races.isEmpty { say("finishing \(races.count) race(s) a stop interrupted") }
        let rechecks = try store.pendingRechecks()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for program in unfinished {
                inFlight += 1
                group.addTask { try await self.evaluateChild(program, parentScore: nil, proposal: program.proposal) }
            }
            for race in races {
                inFlight += 1
                group.addTask { try await self.followUps.run(race.id, try await self.races.run([race.id], on: self), on: self) }
            }
            for id in rechecks {
                inFlight += 1
                group.addTask { try await self.followUps.run(id, FollowUps(recheck: true), on: self) }
            }
            // Proposals run a little ahead of evaluations so the evaluation slots never wait for the LLM.
            let window = config.parallel + (config.proposalLookahead ?? max(1, config.parallel / 2))
            while true {
                while inFlight < window, let iteration = nextIteration() {
                    inFlight += 1
                    group.addTask { try await self.proposals.iterate(iteration, on: self) }
                }
                if inFlight == 0 { break }
                try await group.next()
                inFlight -= 1
                emitStatus()
            }
        }
        emitStatus(force: true)
        try saveState()
        // The proposer's state as it stopped (each result also saves it, but from a task of its own that
        // may not have run yet), so a resumed run starts from the last proposal's state.
        try await persistProposer()
        try await followUps.assessBest(on: self)
        try await TransferFollowUp(config: config, evaluator: evaluator, limiter: followUps.limiter).run(on: self)
        if config.scaleCheckRuns, stopReason != .interrupted { _ = try await checkScale(factor: ScaleCheckMode.factor) }
        let best = try store.best()
        let summary = Summary(
            stopReason: stopReason ?? .iterations, iterations: state.nextIteration, evaluations: state.evaluations,
            bestScore: best?.score, bestProgramID: best?.id,
            bestTestScore: (try best.flatMap { try store.assessment(of: $0.id)?.test?.mean }) ?? best?.testMetrics?.combinedScore,
            elapsedSeconds: elapsed)
        say("stopped (\(summary.stopReason.rawValue)) after \(summary.iterations) iterations, \(summary.evaluations) evaluations; best "
            + (best.map { String(format: "%.4f (%@)", $0.score ?? 0, $0.id) } ?? "none"))
        return summary
    }

    var elapsed: Double { state.elapsedBefore + Date().timeIntervalSince(sessionStart) }

    var bestScore: Double? { store.islandBests().compactMap { $0?.score }.max() }

    /// The next iteration number, or nil when a stop condition holds.
    func nextIteration() -> Int? {
        if stopReason == nil {
            if FileManager.default.fileExists(atPath: run.stopFile.path) {
                stopReason = .stopFile
                say("stop file \(run.stopFile.path) found: finishing the work in flight")
            } else if let max = config.maxIterations, state.nextIteration >= max {
                stopReason = .iterations
            } else if let max = config.maxEvaluations, state.evaluations >= max {
                stopReason = .evaluations
            } else if let hours = config.maxHours, timeLimitReached(hours: hours) {
                stopReason = .time
            } else if let budget = config.maxSpendUSD, spend.costUSD >= budget {
                stopReason = .spend
            } else if let target = config.targetScore, let best = bestScore, best >= target {
                stopReason = .target
            }
        }
        guard stopReason == nil else { return nil }
        defer { state.nextIteration += 1 }
        return state.nextIteration
    }

    // MARK: - Evaluation and its result

    /// Evaluates a stored program (a seed, a child, or re-queued work) with one fresh training seed and
    /// applies the result; a contender races (more seeds, for it and the incumbents it challenges) before
    /// it can displace anyone; then the follow-ups of what it became. Returns the first evaluation's
    /// report (nil when the evaluator itself failed), so a child whose build failed can be repaired.
    @discardableResult
    nonisolated func evaluateChild(_ program: Program, parentScore: Double?, proposal: Proposal?) async throws -> EvaluationReport? {
        let request = EvaluationRequest(split: .validation, trainingSeed: try await nextTrainingSeed(for: program.id))
        let seed = request.trainingSeed
        let checkpoint: EvaluationCheckpoint? = EarlyStop.applies(to: program, rule: config.earlyStop) ? { @Sendable partial in
            (try? await self.checkEarlyStop(program, seed: seed, partial: partial)) ?? nil
        } : nil
        let report: EvaluationReport
        do {
            report = try await limiter.run {
                try await self.markEvaluating(program.id)
                return try await self.evaluator.evaluate(program, request, progress: { _ in }, checkpoint: checkpoint)
            }
        } catch {
            try await evaluatorFailed(program, error, request: request)
            return nil
        }
        var follow = try await apply(program, report: report, request: request, parentScore: parentScore, proposal: proposal)
        if !follow.race.isEmpty { follow = follow.afterRace(try await races.run(follow.race, on: self)) }
        try await followUps.run(program.id, follow, on: self)
        return report
    }

    /// Which follow-ups a placement earns, by the run's settings and what the evaluator supports.
    var followUpRule: FollowUpRule {
        FollowUpRule(testElites: config.testElites, controlBests: config.controlBests && evaluator.supportsControl)
    }

    /// A training seed from the run's stream that `id` has never been evaluated with.
    func nextTrainingSeed(for id: String) throws -> UInt64 {
        let used = try store.records.trainingSeeds(of: id).union(seedsInFlight[id] ?? [])
        var seed = trainingRNG.next()
        while used.contains(seed) { seed = trainingRNG.next() }
        state.trainingRNGState = trainingRNG.state
        seedsInFlight[id, default: []].insert(seed)
        return seed
    }

    func markEvaluating(_ id: String) throws { try store.markEvaluating(id) }

    func checkEarlyStop(_ program: Program, seed: UInt64, partial: PartialEvaluation) throws -> String? {
        try EarlyStop().check(program, seed: seed, partial: partial, on: self)
    }

    static func evaluationKey(_ id: String, _ seed: UInt64) -> String { "\(id)/\(seed)" }

    /// Records an evaluation: status, metrics, placement (one transaction), then the commit and refs.
    /// Returns what to run next: the control (a new best) and the held-out test split (a new cell elite
    /// or a new best).
    func apply(
        _ program: Program, report: EvaluationReport, request: EvaluationRequest, parentScore: Double?, proposal: Proposal?
    ) throws -> FollowUps {
        consecutiveEvaluatorErrors = 0
        seedsInFlight[program.id]?.remove(request.trainingSeed)
        let status: ProgramStatus = switch report.outcome {
        case .evaluated: .evaluated
        case .buildFailed: .failed
        case .rejected: .rejected
        case .stopped: .stopped
        }
        var report = report
        let earlyStop = earlyStopVerdicts.removeValue(forKey: Self.evaluationKey(program.id, request.trainingSeed))
        if let earlyStop, earlyStop.mode == .shadow { report.artifacts[EvaluationReport.shadowStopArtifact] = earlyStop.evidence }
        let seedProgram = program.parents.isEmpty ? nil : try lineageSeed(of: program)
        var descriptors = Descriptors.generic(program, seed: seedProgram)
        descriptors.merge(report.descriptors) { _, measured in measured }
        let placement = try store.complete(
            program.id, status: status, metrics: status == .evaluated ? report.metrics : nil, descriptors: descriptors,
            evaluation: EvaluationRecord(split: request.split, trainingSeed: request.trainingSeed, report: report), earlyStop: earlyStop)
        state.evaluations += 1
        let score = status == .evaluated ? report.metrics?.combinedScore : nil
        if let parentID = program.parents.first, let proposal {
            let detail = switch report.outcome {
            case .evaluated: String(format: "score %.4f", score ?? 0)
            case .buildFailed, .rejected: AttemptDetail.failure(report.artifacts)
            case .stopped: "stopped early: " + (report.artifacts[EvaluationReport.earlyStopArtifact] ?? "")
            }
            let outcome: Attempt.Outcome = switch report.outcome {
            case .evaluated: .evaluated
            case .buildFailed: .buildFailed
            case .rejected: .rejected
            case .stopped: .stopped
            }
            let change = score.flatMap { s in parentScore.map { s - $0 } }
            try store.records.recordAttempt(
                Attempt(programID: program.id, outcome: outcome, change: proposal.summary, detail: detail, scoreChange: change),
                iteration: program.iteration, parentID: parentID, proposal: nil)
            notify(ProposalFeedback(proposal: proposal, outcome: outcome, scoreChange: change))
        }
        try recorder.record(program.id, island: program.island, placement)
        try saveState()
        if !placement.race.contains(program.id), let stored = try store.program(program.id) { try creditConfirmed(stored) }
        let headline = status == .evaluated
            ? String(format: "%.4f", score ?? 0) + (placement.isNewBest ? " new best" : placement.isCellElite ? " cell elite" : "")
                + (placement.race.isEmpty ? "" : " (contender: racing \(placement.race.count) program(s))")
            : "\(status.rawValue): \(report.firstArtifactLine)"
        log.write("program \(program.id.prefix(8)) (iteration \(program.iteration), island \(program.island)): \(headline)")
        if placement.isNewBest { say(String(format: "new best %.4f: program %@ (iteration %d)", score ?? 0, String(program.id.prefix(8)), program.iteration)) }
        // A contender's follow-ups wait for its race (the control runs on a confirmed best, never a lucky first score).
        return followUpRule.afterFirstEvaluation(placement)
    }

    /// A secret for one control run, from the loop's stream (never shown to a candidate).
    func nextSecret() -> UInt64 {
        defer { state.rngState = rng.state }
        return rng.next()
    }

    /// The seed a program descends from (the root of its first-parent chain), for the edit distance.
    func lineageSeed(of program: Program) throws -> Program? {
        guard let parentID = program.parents.first else { return nil }
        if let root = rootOf[parentID] {
            rootOf[program.id] = root
            return try store.program(root)
        }
        let chain = try store.firstParentChain(from: program) { rootOf[$0.id] != nil }
        let current = try chain.last.flatMap { last in try rootOf[last.id].flatMap { try store.program($0) } ?? last } ?? program
        rootOf[parentID] = current.id
        rootOf[program.id] = current.id
        return current.id == program.id ? nil : current
    }

    /// An evaluator that cannot work (not a candidate's fault): the program is recorded as failed with
    /// the error, and the run stops after five such failures in a row.
    func evaluatorFailed(_ program: Program, _ error: Error, request: EvaluationRequest) throws {
        consecutiveEvaluatorErrors += 1
        seedsInFlight[program.id] = nil
        earlyStopVerdicts[Self.evaluationKey(program.id, request.trainingSeed)] = nil
        let report = EvaluationReport(outcome: .rejected, artifacts: ["evaluator": "evolve's evaluator failed: \(error)"])
        _ = try store.complete(
            program.id, status: .failed, metrics: nil, descriptors: [:],
            evaluation: EvaluationRecord(split: .validation, trainingSeed: request.trainingSeed, report: report))
        try recorder.commit(program.id)
        say("evaluator error on program \(program.id.prefix(8)): \(error)")
        if consecutiveEvaluatorErrors >= 5 && stopReason == nil {
            stopReason = .evaluatorFailing
            say("the evaluator failed 5 times in a row; stopping (last error: \(error))")
        }
    }

    func notify(_ feedback: ProposalFeedback) {
        let proposer = self.proposer
        Task {
            await proposer.observe(feedback)
            try? await self.persistProposer()
        }
    }

    // MARK: - State and reporting

    func saveState() throws {
        state.rngState = rng.state
        state.trainingRNGState = trainingRNG.state
        let now = Date()
        state.elapsedBefore += now.timeIntervalSince(sessionStart)
        sessionStart = now
        try store.records.setState("loop", String(decoding: try JSONEncoder().encode(state), as: UTF8.self))
    }

    func persistProposer() async throws {
        if let data = await proposer.snapshot() { try store.records.setState("proposer", data.base64EncodedString()) }
    }
}
