import Foundation

/// The time the end-of-run scale check is expected to take, held back from the run's time limit so that
/// a run given `--hours 8` ends near 8 hours instead of 8 hours plus the check (issue 28). The estimate
/// comes from the run itself: the mean wall time of its finished selection evaluations, times the
/// budget factor (training dominates an evaluation and scales with its budget, so this errs long), for
/// the waves the check runs — the best's `seedCount` fresh seeds and then its seed's, each batch
/// `parallel` at a time (`ScaleFollowUp.fresh`). Before any evaluation has finished there is no estimate
/// and nothing is reserved.
package struct ScaleReserve: Sendable, Equatable {
    /// Fresh training seeds per program (the best and its seed get as many each).
    package var seedCount: Int
    package var factor: Double
    /// Evaluations that run at once.
    package var parallel: Int

    package init(seedCount: Int, factor: Double, parallel: Int) {
        self.seedCount = seedCount
        self.factor = factor
        self.parallel = parallel
    }

    /// The check's evaluations: the best's and its seed's.
    package var evaluations: Int { 2 * seedCount }

    /// Whole waves: the two programs' batches run one after the other, each `parallel` at a time.
    package var waves: Int { 2 * Int((Double(seedCount) / Double(max(1, parallel))).rounded(.up)) }

    /// Seconds to reserve, given the mean wall seconds of the run's finished selection evaluations
    /// (nil before the first one finishes: no estimate, no reserve).
    package func seconds(meanEvaluationSeconds: Double?) -> Double {
        guard let mean = meanEvaluationSeconds, mean > 0, seedCount > 0 else { return 0 }
        return Double(waves) * mean * factor
    }

    /// Whether the search stops for time: at the limit, or `reserve` seconds before it.
    package static func searchStops(elapsed: Double, limit: Double, reserve: Double) -> Bool {
        elapsed >= limit - reserve
    }
}

extension RunConfig {
    /// Fresh training seeds per program of the scale check (and of the best's fresh re-scoring).
    var scaleSeedCount: Int { freshSeeds ?? max(3, racing.repeats) }
}

extension RunRecords {
    /// The mean wall seconds of the run's finished selection evaluations (validation, kind `ordinary`,
    /// ended evaluated: a build failure or an early stop says little about what a full training costs).
    /// Nil when none has finished.
    package func meanSelectionSeconds() throws -> Double? {
        try db.query(
            "SELECT AVG(total_seconds) FROM evaluations WHERE split = 'validation' AND kind = 'ordinary' AND outcome = 'evaluated'"
        ).first?[0].real
    }
}

extension EvolutionLoop {
    /// Whether the run's time limit stops the search now. When the scale check will run, its expected
    /// cost (`ScaleReserve`) comes off the limit, and the log says so once, when that is what stops it.
    /// The mean is read from the database at each call (one aggregate over the evaluations table,
    /// milliseconds against evaluations that take minutes).
    func timeLimitReached(hours: Double) -> Bool {
        let limit = hours * 3600
        let now = elapsed
        guard config.scaleCheckRuns, now < limit else { return now >= limit }
        let plan = ScaleReserve(seedCount: config.scaleSeedCount, factor: ScaleCheckMode.factor, parallel: config.parallel)
        let reserve = plan.seconds(meanEvaluationSeconds: try? store.records.meanSelectionSeconds())
        guard ScaleReserve.searchStops(elapsed: now, limit: limit, reserve: reserve) else { return false }
        say("stopping the search \(Int(((limit - now) / 60).rounded())) min before the time limit to leave time for the scale check "
            + "(~\(plan.evaluations) evaluations at \(String(format: "%g", plan.factor))x)")
        return true
    }
}
