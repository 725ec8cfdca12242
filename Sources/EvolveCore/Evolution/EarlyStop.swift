import Foundation

/// The value function in the loop: at each checkpoint of a child's first selection evaluation it fits
/// the run's finished evaluations on the benchmarks measured so far (`ValueFunction`), predicts the
/// child's final score and asks `EarlyStopRule` whether even the optimistic prediction can reach the
/// elite of a cell it can still land in (`CheckpointPlacement`: the remaining benchmarks can enlarge its
/// descriptors) or its island's best. Runs on the loop's actor.
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
        // Every cell it can still land in: the remaining benchmarks can enlarge what was measured so far
        // (`CheckpointPlacement`); the generic descriptors are final already.
        let placement = CheckpointPlacement(
            measured: partial.descriptors, settled: partial.settled, growth: try growth(of: program, after: Set(partial.scores.keys), on: loop))
        let fixed = Descriptors.generic(program, seed: try loop.lineageSeed(of: program))
        let cells = placement.cells(in: loop.store.config.features, fixed: fixed)
        let elites = Dictionary(loop.store.grid(island: program.island).map { (FeatureSpace.key($0.cell), $0.score) }) { a, _ in a }
        let islandBest = loop.store.islandBests()[safe: program.island]??.score
        guard let verdict = rule.verdict(
                prediction: prediction, islandBest: islandBest, reachableElites: cells.map { elites[FeatureSpace.key($0)] },
                range: loop.evaluator.scoreRange),
              verdict.stops else { return nil }
        let measured = partial.scores.sorted { $0.key < $1.key }.map { String(format: "%@ exact %.3f", $0.key, $0.value) }
        let evidence = String(
            format: "after %@: predicted final %.3f ± %.3f (fitted on %d finished evaluations); optimistic %.3f (+%.1f SE) < %@ (the lower of the elites of the cells it can still reach, %@, and island %d's best); %@ %@",
            measured.joined(separator: ", "), prediction.mean, prediction.standardError, prediction.samples, verdict.optimistic, rule.z,
            verdict.against, cells.map { "(" + FeatureSpace.key($0) + ")" }.joined(separator: " "), program.island,
            rule.mode == .shadow ? "would have skipped" : "skipped", partial.remaining.joined(separator: ", "))
        loop.earlyStopVerdicts[key] = EarlyStopRecord(
            programID: program.id, trainingSeed: seed, mode: rule.mode, after: partial.scores.keys.sorted(), prediction: prediction.mean,
            standardError: prediction.standardError, optimistic: verdict.optimistic, bar: verdict.bar, samples: prediction.samples,
            evidence: evidence)
        loop.log.write("program \(program.id.prefix(8)): " + (rule.mode == .shadow ? "would stop (shadow): " : "stopped: ") + evidence)
        return rule.mode == .on ? evidence : nil
    }

    /// How much the rest of the suite enlarged each parent's descriptors: its descriptors over the
    /// benchmarks `measured` (its own per-benchmark record, cut to them) and over its whole suite, both
    /// computed by the evaluator. A parent without a record of all of them gives nothing.
    func growth(of program: Program, after measured: Set<String>, on loop: isolated EvolutionLoop) throws -> [CheckpointPlacement.Growth] {
        try program.parents.compactMap { id -> CheckpointPlacement.Growth? in
            guard let metrics = try loop.store.program(id)?.metrics else { return nil }
            let prefix = metrics.benchmarks.filter { measured.contains($0.key) }
            guard prefix.count == measured.count, metrics.benchmarks.count > prefix.count else { return nil }
            let before = loop.evaluator.descriptors(of: Metrics(benchmarks: prefix, split: metrics.split))
            let after = loop.evaluator.descriptors(of: metrics)
            return before.isEmpty || after.isEmpty ? nil : CheckpointPlacement.Growth(prefix: before, final: after)
        }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
