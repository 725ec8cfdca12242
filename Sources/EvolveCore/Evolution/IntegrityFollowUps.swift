import Foundation

/// What the loop runs after selection to keep a score honest: the re-check of a program an integrity
/// finding holds out of the bests (one re-run with a fresh training seed), the permutation control of a
/// new best (answer tokens renamed by a secret; a written-in answer collapses), the held-out test score
/// of a new cell elite or best, and, when the run ends, the best re-scored with fresh training seeds.
///
/// Which of them a placement earns is `FollowUpRule`'s (Population); this type runs them. Its methods run
/// on the loop's actor (`isolated EvolutionLoop`), and release it while evaluations run.
struct IntegrityFollowUps: Sendable {
    let config: RunConfig
    let evaluator: any Evaluator
    let limiter: AsyncLimiter

    /// First the re-check of a held program (a clean one may make it a best, which earns the test and
    /// control below), then the permutation control for a new (confirmed) best and the held-out test
    /// score for a new cell elite.
    func run(_ id: String, _ follow: FollowUps, on loop: isolated EvolutionLoop) async throws {
        var follow = follow
        if follow.recheck, let released = try await recheck(id, on: loop) {
            follow = FollowUps(test: follow.test || released.test, control: released.control)
        }
        guard follow.test || follow.control, let program = try loop.store.program(id),
              let ordinary = try loop.store.records.meanValidationMetrics(of: id) ?? program.metrics else { return }
        if follow.control {
            if try await control(program, ordinary: ordinary, on: loop) == false {
                // The best it displaced may stand again without a control of its own: check the new best too.
                while let best = try bestNeedingControl(loop), let metrics = try loop.store.records.meanValidationMetrics(of: best.id) ?? best.metrics {
                    if try await control(best, ordinary: metrics, on: loop) != false { break }
                }
                return
            }
        }
        let floor = loop.store.racing.scoreFloor
        if follow.test, !FollowUpRule.testIsInformative(validationMean: loop.store.population.scoreStats(of: id)?.mean, floor: floor) {
            loop.log.write("program \(id.prefix(8)): held-out test not run: it scored the evaluator's floor (\(floor ?? 0)) on validation")
        } else if follow.test {
            let testRequest = EvaluationRequest(split: .test, trainingSeed: try loop.nextTrainingSeed(for: id))
            let evaluator = self.evaluator
            if let test = try? await limiter.run({ try await evaluator.evaluate(program, testRequest) { _ in } }) {
                try recordTest(id, EvaluationRecord(split: .test, trainingSeed: testRequest.trainingSeed, report: test), on: loop)
            }
        }
    }

    /// Re-runs a held program with a fresh training seed (for the candidate evaluator that is the whole
    /// cascade again: stage 1, so the learning control checks anew, and stage 2 with its curve and compute
    /// checks). Returns the follow-ups of its new placement when the re-check released it, nil when the
    /// finding persisted or the re-run could not be made (it stays held; a resumed run tries again).
    func recheck(_ id: String, on loop: isolated EvolutionLoop) async throws -> FollowUps? {
        guard let program = try loop.store.program(id), loop.store.population.hold(of: id) == .awaitingRecheck else { return nil }
        let checks = Set(try loop.store.records.integrityFlags(programID: id).map(\.check)).sorted().joined(separator: ", ")
        loop.say("program \(id.prefix(8)) is held out of the bests by an integrity finding (\(checks)); re-checking it with a fresh training seed")
        let request = EvaluationRequest(split: .validation, trainingSeed: try loop.nextTrainingSeed(for: id))
        let evaluator = self.evaluator
        guard let report = try? await limiter.run({ try await evaluator.evaluate(program, request) { _ in } }) else {
            loop.say("evaluator error on the re-check of program \(id.prefix(8)); it stays out of the bests until `evolve resume` re-checks it")
            return nil
        }
        let record = EvaluationRecord(split: .validation, trainingSeed: request.trainingSeed, report: report)
        let placement = try loop.store.recordRecheck(id, record)
        loop.seedsInFlight[id]?.remove(request.trainingSeed)
        loop.state.evaluations += 1
        try loop.saveState()
        guard loop.store.population.hold(of: id) == nil else {
            let checks = report.outcome == .evaluated ? report.flaggedChecks.joined(separator: ", ") : report.outcome.rawValue
            loop.say("program \(id.prefix(8)): the re-check with a fresh training seed was flagged again (\(checks)); it never becomes a best")
            return nil
        }
        try loop.recorder.record(id, island: program.island, placement)
        loop.log.write("program \(id.prefix(8)): the re-check with a fresh training seed is clean; it may become a best"
            + (placement.isNewBest ? " and is the new best" : ""))
        if placement.isNewBest { loop.say("new best after a clean re-check: program \(id.prefix(8)) (iteration \(program.iteration))") }
        return loop.followUpRule.afterRace(placement)
    }

    /// Runs the permutation control on `program`: true when it holds, false when it was flagged (and
    /// disqualified), nil when the control could not run.
    /// A program is flagged only when every one of `controlRuns` runs collapses: one run that holds
    /// shows it learned answers it could not know, while one collapse may be training noise.
    func control(_ program: Program, ordinary: Metrics, on loop: isolated EvolutionLoop) async throws -> Bool? {
        let runs = max(1, config.controlRuns)
        let evaluator = self.evaluator
        var collapses: [String] = []
        for run in 1...runs {
            let request = EvaluationRequest(split: .validation, trainingSeed: try loop.nextTrainingSeed(for: program.id), permutationSeed: loop.nextSecret())
            guard let control = try? await limiter.run({ try await evaluator.evaluate(program, request) { _ in } }) else { return nil }
            var record = EvaluationRecord(split: .validation, trainingSeed: request.trainingSeed, report: control)
            guard let collapse = control.metrics.flatMap({ evaluator.judgeControl(ordinary: ordinary, control: $0) })
                ?? (control.outcome == .evaluated ? nil : "the control run ended \(control.outcome.rawValue)") else {
                try recordControl(program.id, record, verdict: nil, on: loop)
                return true
            }
            collapses.append(runs == 1 ? collapse : "run \(run) of \(runs): \(collapse)")
            if run == runs {
                try recordControl(program.id, record, verdict: collapses.joined(separator: "; "), on: loop)
                return false
            }
            record.report.artifacts["control note"] = "collapsed (\(collapse)); run again with a fresh training seed and secret"
            try recordControl(program.id, record, verdict: nil, on: loop)
            loop.say("program \(program.id.prefix(8)): the permutation control collapsed once (run \(run) of \(runs)); running it again with a fresh seed")
        }
        return nil
    }

    /// The current best, when no control run of it is stored yet.
    func bestNeedingControl(_ loop: isolated EvolutionLoop) throws -> Program? {
        guard config.controlBests, evaluator.supportsControl, let best = try loop.store.best() else { return nil }
        let original = best.migratedFrom.flatMap { try? loop.store.program($0) } ?? best
        return try loop.store.records.hasControl(original.id) ? nil : original
    }

    /// Stores a control run; a flagged program leaves selection and the refs follow the new bests.
    func recordControl(_ id: String, _ record: EvaluationRecord, verdict: String?, on loop: isolated EvolutionLoop) throws {
        try loop.store.recordControl(id, record, verdict: verdict)
        guard let verdict else {
            if record.report.artifacts["control note"] == nil { loop.log.write("program \(id.prefix(8)): the permutation control holds") }
            return
        }
        loop.say("program \(id.prefix(8)) flagged by the permutation control and removed from selection: \(verdict)")
        try loop.recorder.followBests()
    }

    func recordTest(_ id: String, _ record: EvaluationRecord, on loop: isolated EvolutionLoop) throws {
        try loop.store.recordTest(id, record)
        if let score = record.report.metrics?.combinedScore {
            loop.log.write(String(format: "program %@: held-out test %.4f", String(id.prefix(8)), score))
        }
    }

    /// When the run ends, the best is re-scored with `freshSeeds` training seeds it was never evaluated
    /// with, on validation (the re-run drift) and on the held-out test split (the gap); stored with the
    /// flags. Skipped after Ctrl-C (the next `resume` does it) and when the best already has one.
    func assessBest(on loop: isolated EvolutionLoop) async throws {
        let store = loop.store
        guard config.testElites, let best = try store.best(), best.status == .evaluated,
              let selection = best.scoreStats ?? best.score.map({ ScoreStats(mean: $0) }), try store.assessment(of: best.id) == nil else { return }
        guard loop.stopReason != .interrupted else {
            loop.say("the best was not re-scored with fresh training seeds (interrupted); `evolve resume` does it")
            return
        }
        let count = config.freshSeeds ?? max(3, config.racing.repeats)
        loop.say("re-scoring the best (\(best.id.prefix(8))) with \(count) fresh training seeds on validation and test")
        var requests: [EvaluationRequest] = []
        for split in [Split.validation, .test] {
            for _ in 0..<count { requests.append(EvaluationRequest(split: split, trainingSeed: try loop.nextTrainingSeed(for: best.id))) }
        }
        try loop.saveState()
        let evaluator = self.evaluator, limiter = self.limiter
        let reports = try await withThrowingTaskGroup(of: (EvaluationRequest, EvaluationReport?).self) { group in
            for request in requests {
                group.addTask { (request, try? await limiter.run({ try await evaluator.evaluate(best, request) { _ in } })) }
            }
            var all: [(EvaluationRequest, EvaluationReport?)] = []
            for try await result in group { all.append(result) }
            return all
        }
        for (request, report) in reports.sorted(by: { ($0.0.split.rawValue, $0.0.trainingSeed) < ($1.0.split.rawValue, $1.0.trainingSeed) }) {
            guard let report else { continue }
            try store.records.recordFresh(best.id, EvaluationRecord(split: request.split, trainingSeed: request.trainingSeed, report: report))
        }
        loop.seedsInFlight[best.id] = nil
        let validation = try store.records.freshScores(of: best.id, split: .validation), test = try store.records.freshScores(of: best.id, split: .test)
        let assessment = BestAssessment(
            selection: selection, freshValidation: validation.isEmpty ? nil : ScoreStats(scores: validation),
            test: test.isEmpty ? nil : ScoreStats(scores: test), driftThreshold: config.driftThreshold, gapThreshold: config.gapThreshold)
        try store.setAssessment(best.id, assessment)
        func text(_ s: ScoreStats?) -> String {
            s.map { String(format: "%.4f ± %.4f (n %d)", $0.mean, $0.standardError ?? 0, $0.n) } ?? "none"
        }
        loop.say("best \(best.id.prefix(8)): selection \(text(selection)), fresh validation \(text(assessment.freshValidation)), test \(text(assessment.test))"
            + (assessment.drift.map { String(format: ", drift %+.4f", $0) } ?? "") + (assessment.gap.map { String(format: ", gap %+.4f", $0) } ?? ""))
        for flag in assessment.flags { loop.say("flag: \(flag)") }
    }
}
