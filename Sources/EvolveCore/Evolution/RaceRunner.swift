import Foundation

/// Runs races (issue 16): a contender and the incumbents it challenges are evaluated with new training
/// seeds until each has `repeats`, then settled by their means. Whom to race and who wins is the
/// population's rule (`Population/Displacement.swift`); this type schedules the evaluations. Its methods
/// run on the loop's actor and release it while evaluations run.
struct RaceRunner: Sendable {
    let evaluator: any Evaluator
    let limiter: AsyncLimiter

    /// Runs a race: evaluates each program in `ids` with new training seeds until it has `repeats`
    /// (at most `parallel` evaluations at once, through the limiter), then settles them, the contender
    /// (`ids[0]`) last. Returns the contender's follow-ups.
    ///
    /// The seeds run in rounds (one more for every program still short) so that the race can stop
    /// between them once the population says it is decided (`Population/RaceEnd.swift`): the evaluations
    /// left could not change who the contender displaces. A round's evaluations still run at once.
    func run(_ ids: [String], on loop: isolated EvolutionLoop) async throws -> FollowUps {
        let mine = claim(ids, on: loop)
        var missing = mine
        while missing.contains(where: { $0.missing > 0 }) {
            if let contender = ids.first, loop.store.raceIsDecided(contender, scores: evaluator.scoreRange) {
                let left = missing.map(\.missing).reduce(0, +)
                loop.log.write("program \(contender.prefix(8))'s race is decided: \(left) evaluation\(left == 1 ? "" : "s") left could not change it")
                break
            }
            let round = missing.filter { $0.missing > 0 }.map(\.id)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in round { group.addTask { try await self.repeatOnce(id, on: loop) } }
                try await group.waitForAll()
            }
            missing = missing.map { ($0.id, max(0, $0.missing - 1)) }
        }
        loop.racingNow.subtract(mine.map(\.id))
        // Only the programs this race topped up are settled here (another race settles the others when
        // their seeds are in); the contender, ids[0], last: its placement decides the follow-ups.
        let claimed = Set(mine.map(\.id))
        var follow = FollowUps.none
        for id in ids.dropFirst().reversed() where claimed.contains(id) { _ = try settle(id, on: loop) }
        if let contender = ids.first, claimed.contains(contender) {
            follow = try settle(contender, on: loop)
            // Only the contender's verdict is new: an incumbent topped up here was credited when it was the child.
            if let program = try loop.store.program(contender) { try loop.creditConfirmed(program) }
        }
        return follow
    }

    /// The programs of `ids` no other race is topping up, with the evaluations each still needs.
    func claim(_ ids: [String], on loop: isolated EvolutionLoop) -> [(id: String, missing: Int)] {
        var claimed: [(id: String, missing: Int)] = []
        for id in ids where !loop.racingNow.contains(id) {
            let have = (try? loop.store.program(id))??.scoreStats?.n ?? 1
            loop.racingNow.insert(id)
            claimed.append((id, max(0, loop.config.racing.repeats - have)))
        }
        return claimed
    }

    /// One more validation evaluation of a racing program with a training seed it has not had.
    func repeatOnce(_ id: String, on loop: isolated EvolutionLoop) async throws {
        guard let program = try loop.store.program(id) else { return }
        let request = EvaluationRequest(split: .validation, trainingSeed: try loop.nextTrainingSeed(for: id))
        let evaluator = self.evaluator
        guard let report = try? await limiter.run({ try await evaluator.evaluate(program, request) { _ in } }) else {
            loop.say("evaluator error on a racing evaluation of program \(id.prefix(8)); its race ends with fewer seeds")
            return
        }
        try recordRepeat(id, EvaluationRecord(split: .validation, trainingSeed: request.trainingSeed, report: report), on: loop)
    }

    func recordRepeat(_ id: String, _ record: EvaluationRecord, on loop: isolated EvolutionLoop) throws {
        let stats = try loop.store.recordRepeat(id, record)
        loop.seedsInFlight[id]?.remove(record.trainingSeed)
        loop.state.evaluations += 1
        try loop.saveState()
        let score = record.report.outcome == .evaluated ? String(format: "%.4f", record.report.metrics?.combinedScore ?? 0) : record.report.outcome.rawValue
        loop.log.write("program \(id.prefix(8)) raced with training seed \(record.trainingSeed): \(score)"
            + (stats.map { String(format: "; mean %.4f ± %.4f over %d", $0.mean, $0.standardError ?? 0, $0.n) } ?? ""))
    }

    /// Settles a race: placement by the mean, the refs, what to run next.
    func settle(_ id: String, on loop: isolated EvolutionLoop) throws -> FollowUps {
        let placement = try loop.store.settle(id)
        guard let program = try loop.store.program(id), program.status == .evaluated else { return .none }
        try loop.recorder.record(id, island: program.island, placement)
        try loop.saveState()
        if let stats = program.scoreStats {
            let headline = String(format: "mean %.4f ± %.4f over %d seeds", stats.mean, stats.standardError ?? 0, stats.n)
            loop.log.write("program \(id.prefix(8)) raced: \(headline)"
                + (placement.isNewBest ? ", new best" : placement.isNewIslandBest ? ", island best" : placement.isCellElite ? ", cell elite" : ""))
            if placement.isNewBest { loop.say("new best \(headline): program \(id.prefix(8)) (iteration \(program.iteration))") }
        }
        return loop.followUpRule.afterRace(placement)
    }
}
