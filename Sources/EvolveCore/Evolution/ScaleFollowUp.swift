import Foundation

/// The scale check: the best and the seed it descends from retrained at `factor` × every training budget
/// with fresh training seeds (`freshSeeds` each), their gain over each other compared with the gain at the
/// run's budgets (`ScaleAssessment`). Runs at the end of a run when `scale_check` says so, and on demand
/// (`evolve check-scale RUN`). Its runs are evaluations of kind `scale`, read by nothing else.
struct ScaleFollowUp: Sendable {
    let config: RunConfig
    let evaluator: any Evaluator
    let limiter: AsyncLimiter

    func run(factor: Double, on loop: isolated EvolutionLoop) async throws -> ScaleAssessment? {
        guard let best = try loop.store.best(), best.status == .evaluated else { return nil }
        let program = try best.migratedFrom.flatMap { try loop.store.program($0) } ?? best
        guard let scaled = evaluator.scaled(by: factor) else {
            loop.say("the scale check needs the TRM evaluator run locally (a command evaluator or a queue of workers has no budgets to scale here); skipped")
            return nil
        }
        if let done = try loop.store.records.scale(of: program.id), done.factor == factor { return done }
        let seed = try loop.lineageSeed(of: program) ?? program
        let transfer = TransferFollowUp(config: config, evaluator: evaluator, limiter: limiter)
        guard let atOne = try transfer.selectionStats(program, loop), let seedAtOne = try transfer.selectionStats(seed, loop) else { return nil }
        loop.say("scale check: retraining program \(program.id.prefix(8)) and its seed \(seed.id.prefix(8)) at \(String(format: "%g", factor))× the training budgets")
        guard let more = try await fresh(program, scaled, factor, loop), let seedMore = try await fresh(seed, scaled, factor, loop) else {
            loop.say("scale check: every run at \(String(format: "%g", factor))× failed for program \(program.id.prefix(8)) or its seed (see run.log)")
            return nil
        }
        let assessment = ScaleAssessment(factor: factor, seedID: seed.id, atOne: ScoreGain(atOne, minus: seedAtOne), program: more, seed: seedMore)
        try loop.store.records.setScale(program.id, assessment)
        loop.say("program \(program.id.prefix(8)) \(assessment.summary)")
        if let flag = assessment.flag { loop.say("flag: the best \(flag)") }
        return assessment
    }

    /// The program's scores at `factor`, evaluating the training seeds still missing (a resumed check
    /// reuses what is stored). Nil when none is stored.
    func fresh(_ program: Program, _ scaled: any Evaluator, _ factor: Double, _ loop: isolated EvolutionLoop) async throws -> ScoreStats? {
        let count = config.scaleSeedCount
        let missing = count - (try loop.store.records.scaleScores(of: program.id, factor: factor).count)
        if missing > 0 {
            var requests: [EvaluationRequest] = []
            for _ in 0..<missing { requests.append(EvaluationRequest(split: .validation, trainingSeed: try loop.nextTrainingSeed(for: program.id))) }
            try loop.saveState()
            let limiter = self.limiter
            let reports = try await withThrowingTaskGroup(of: (EvaluationRequest, EvaluationReport?).self) { group in
                for request in requests {
                    group.addTask { (request, try? await limiter.run({ try await scaled.evaluate(program, request) { _ in } })) }
                }
                var all: [(EvaluationRequest, EvaluationReport?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            for (request, report) in reports.sorted(by: { $0.0.trainingSeed < $1.0.trainingSeed }) {
                guard var report else { continue }
                report.artifacts[RunRecords.scaleFactorArtifact] = String(factor)
                try loop.store.records.recordScale(program.id, EvaluationRecord(split: .validation, trainingSeed: request.trainingSeed, report: report))
            }
            loop.seedsInFlight[program.id] = nil
        }
        let scores = try loop.store.records.scaleScores(of: program.id, factor: factor)
        return scores.isEmpty ? nil : ScoreStats(scores: scores)
    }
}

extension EvolutionLoop {
    /// `evolve check-scale`: the scale check on the run's best, on demand (a stored result at the same
    /// factor is returned as it is).
    public func checkScale(factor: Double) async throws -> ScaleAssessment? {
        try await ScaleFollowUp(config: config, evaluator: evaluator, limiter: followUps.limiter).run(factor: factor, on: self)
    }
}
