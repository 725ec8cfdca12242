import Foundation

/// The value function in the loop: at each checkpoint of a child's first selection evaluation it fits
/// the run's finished evaluations on the benchmarks measured so far (`ValueFunction`), predicts the
/// child's final score and asks `EarlyStopRule` whether even the optimistic prediction can reach its
/// cell's elite or its island's best. Runs on the loop's actor.
///
/// Only children's first evaluations get a checkpoint (`applies`): a seed, a racing repeat, a control,
/// a test or fresh-seed run goes through other paths that never pass one, so none of them is stopped.
struct EarlyStop: Sendable {
    /// Whether `program`'s first evaluation may be stopped under `rule`: a child (a seed has no parents).
    static func applies(to program: Program, rule: EarlyStopRule) -> Bool {
        rule.mode != .off && !program.parents.isEmpty
    }

    /// The evidence for stopping `program` now (mode `on`), or nil to go on. In shadow mode the first
    /// stop it would make is kept for the evaluation's record and the child goes on.
    func check(_ program: Program, seed: UInt64, partial: PartialEvaluation, on loop: isolated EvolutionLoop) throws -> String? {
        let rule = loop.config.earlyStop
        let key = EvolutionLoop.evaluationKey(program.id, seed)
        guard rule.mode != .off, loop.earlyStopVerdicts[key] == nil, !partial.scores.isEmpty else { return nil }
        let samples = try loop.store.earlyStops.finishedSamples(limit: max(EarlyStopLog.fitWindow, rule.minFinished))
        guard samples.count >= rule.minFinished,
              let fit = ValueFunction.fit(samples, on: Set(partial.scores.keys)), let prediction = fit.predict(partial.scores)
        else { return nil }
        // Where the benchmarks so far place it: the generic descriptors and those measured until now.
        var descriptors = Descriptors.generic(program, seed: try loop.lineageSeed(of: program))
        descriptors.merge(partial.descriptors) { _, measured in measured }
        let cellKey = FeatureSpace.key(loop.store.config.features.cell(descriptors))
        let islandBest = loop.store.islandBests()[safe: program.island]??.score
        let cellElite = loop.store.grid(island: program.island).first { FeatureSpace.key($0.cell) == cellKey }?.score
        guard let verdict = rule.verdict(prediction: prediction, islandBest: islandBest, cellElite: cellElite, range: loop.evaluator.scoreRange),
              verdict.stops else { return nil }
        let measured = partial.scores.sorted { $0.key < $1.key }.map { String(format: "%@ exact %.3f", $0.key, $0.value) }
        let evidence = String(
            format: "after %@: predicted final %.3f ± %.3f (fitted on %d finished evaluations); optimistic %.3f (+%.1f SE) < %@ (the lower of its cell's elite and island %d's best); %@ %@",
            measured.joined(separator: ", "), prediction.mean, prediction.standardError, prediction.samples, verdict.optimistic, rule.z,
            verdict.against, program.island, rule.mode == .shadow ? "would have skipped" : "skipped", partial.remaining.joined(separator: ", "))
        loop.earlyStopVerdicts[key] = EarlyStopRecord(
            programID: program.id, trainingSeed: seed, mode: rule.mode, after: partial.scores.keys.sorted(), prediction: prediction.mean,
            standardError: prediction.standardError, optimistic: verdict.optimistic, bar: verdict.bar, samples: prediction.samples,
            evidence: evidence)
        loop.log.write("program \(program.id.prefix(8)): " + (rule.mode == .shadow ? "would stop (shadow): " : "stopped: ") + evidence)
        return rule.mode == .on ? evidence : nil
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
