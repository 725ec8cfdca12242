import Foundation

/// When the run ends: the best and the top cell elites scored on the transfer benchmarks (benchmarks
/// selection never saw), each beside the seed it descends from, with `freshSeeds` training seeds they were
/// never evaluated with. The scores go to the evaluations table as `fresh` evaluations of split
/// `transfer` (the same machinery as the best's fresh-seed re-scoring) and the verdict to a
/// `TransferAssessment`; neither is read by selection, racing or the control.
struct TransferFollowUp: Sendable {
    let config: RunConfig
    let evaluator: any Evaluator
    let limiter: AsyncLimiter
    /// Cell elites assessed besides the best, highest scores first: the report's top cells, at
    /// `freshSeeds` evaluations each (plus their seeds', shared), a bounded cost at the end of a run.
    static let elites = 3

    func run(on loop: isolated EvolutionLoop) async throws {
        guard evaluator.supportsTransfer, let best = try loop.store.best(), best.status == .evaluated else { return }
        guard loop.stopReason != .interrupted else {
            loop.say("the transfer benchmarks were not scored (interrupted); `evolve resume` scores them")
            return
        }
        let originals = try ([best] + topElites(loop, excluding: best.id)).map { p in try p.migratedFrom.flatMap { try loop.store.program($0) } ?? p }
        var done = Set<String>()
        for program in originals where done.insert(program.id).inserted {
            guard try loop.store.records.transfer(of: program.id) == nil else { continue }
            let seed = try loop.lineageSeed(of: program) ?? program
            guard let selection = try selectionStats(program, loop), let seedSelection = try selectionStats(seed, loop) else { continue }
            loop.say(seed.id == program.id
                ? "scoring program \(program.id.prefix(8)) (a seed: no gain to assess) on the transfer benchmarks"
                : "scoring program \(program.id.prefix(8)) and its seed \(seed.id.prefix(8)) on the transfer benchmarks")
            guard let transfer = try await freshTransfer(program, loop), let seedTransfer = try await freshTransfer(seed, loop) else {
                loop.say("program \(program.id.prefix(8)): no transfer score (every transfer evaluation failed; see run.log)")
                continue
            }
            let assessment = TransferAssessment(
                seedID: seed.id, selection: selection, seedSelection: seedSelection, transfer: transfer, seedTransfer: seedTransfer)
            try loop.store.records.setTransfer(program.id, assessment)
            loop.say("program \(program.id.prefix(8)): \(assessment.summary)")
            if assessment.doesNotTransfer, program.id == best.id { loop.say("flag: the best does not transfer") }
        }
    }

    /// The highest-scoring cell elites over all islands (originals, the best left out). Seeds are left
    /// out too: beside itself a seed's gain is zero by definition, and its transfer score is measured
    /// anyway as the baseline of every elite that descends from it.
    func topElites(_ loop: isolated EvolutionLoop, excluding bestID: String) throws -> [Program] {
        let islands = loop.store.islandBests().count
        let cells = (0..<islands).flatMap { loop.store.grid(island: $0) }.sorted { $0.score > $1.score }
        var picked: [Program] = [], seen: Set<String> = [bestID]
        for cell in cells where picked.count < Self.elites {
            guard let program = try loop.store.program(cell.id) else { continue }
            let original = try program.migratedFrom.flatMap { try loop.store.program($0) } ?? program
            if !original.parents.isEmpty, seen.insert(original.id).inserted { picked.append(program) }
        }
        return picked
    }

    /// A program's score on the selection suite: its fresh validation seeds when the run re-scored it
    /// (unbiased by its own selection), else the mean over the seeds it was evaluated with.
    func selectionStats(_ program: Program, _ loop: isolated EvolutionLoop) throws -> ScoreStats? {
        if let fresh = try loop.store.assessment(of: program.id)?.freshValidation { return fresh }
        return loop.store.scoreStats(of: program.id) ?? program.scoreStats ?? program.score.map { ScoreStats(mean: $0) }
    }

    /// The program's fresh transfer scores, evaluating the seeds still missing (a seed shared by several
    /// elites, or a resumed run, reuses what is stored). Nil when none is stored.
    func freshTransfer(_ program: Program, _ loop: isolated EvolutionLoop) async throws -> ScoreStats? {
        let count = config.freshSeeds ?? max(3, config.racing.repeats)
        let missing = count - (try loop.store.records.freshScores(of: program.id, split: .transfer).count)
        if missing > 0 {
            var requests: [EvaluationRequest] = []
            for _ in 0..<missing { requests.append(EvaluationRequest(split: .transfer, trainingSeed: try loop.nextTrainingSeed(for: program.id))) }
            try loop.saveState()
            let evaluator = self.evaluator, limiter = self.limiter
            let reports = try await withThrowingTaskGroup(of: (EvaluationRequest, EvaluationReport?).self) { group in
                for request in requests {
                    group.addTask { (request, try? await limiter.run({ try await evaluator.evaluate(program, request) { _ in } })) }
                }
                var all: [(EvaluationRequest, EvaluationReport?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            for (request, report) in reports.sorted(by: { $0.0.trainingSeed < $1.0.trainingSeed }) {
                guard let report else { continue }
                try loop.store.records.recordFresh(program.id, EvaluationRecord(split: .transfer, trainingSeed: request.trainingSeed, report: report))
            }
            loop.seedsInFlight[program.id] = nil
        }
        let scores = try loop.store.records.freshScores(of: program.id, split: .transfer)
        return scores.isEmpty ? nil : ScoreStats(scores: scores)
    }
}
