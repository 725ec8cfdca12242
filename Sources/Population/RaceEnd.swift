/// When a race may stop before its contender has `repeats` evaluations: as soon as it is decided.
///
/// A race exists so that the settling (`settle`, then `place`) can compare the contender's mean over
/// `repeats` seeds with the incumbents'. Its outcome is which of them the contender displaces: its
/// island's best (and through it the run's best) and its cell's elite. Only a *loss* can be known
/// early — the racing rule never lets a program with fewer than `repeats` evaluations win — and it is
/// known once, for every incumbent the settling would compare the contender with, even the best scores
/// the remaining evaluations can bring (`RacingRule.cannotWin`, scores bounded by the evaluator's
/// `range`) leave the contender short of the margin. Stopping then changes no placement: the contender
/// settles with fewer seeds and loses exactly as it would have with all of them.
///
/// Never decided (the race runs to `repeats`): a contender on an island with no best yet (it takes the
/// best once confirmed, whatever it scores), one that already is its island's best, or when the rule is
/// off (`RacingRule.endsWhenDecided`), single-evaluation, or the evaluator cannot bound its scores.
extension PopulationState {
    /// Whether the race of `id` (an original with an unsettled race) can end now.
    public func raceIsDecided(_ id: String, scores range: ClosedRange<Double>, sizes: (String) -> ProgramSize?) -> Bool {
        guard racing.endsWhenDecided, !racing.isSingle, let target = raceTarget[id], let stats = statsOf[id],
              let island = islands.indices.first(where: { islands[$0].members[id] != nil }),
              let best = islands[island].bestProgram, originalID(best) != id
        else { return false }
        var rivals = [best]
        if let key = cellOf[id], let elite = islands[island].cells[key]?.id, originalID(elite) != id { rivals.append(elite) }
        return rivals.allSatisfy { rival in
            let rivalStats = self.stats(rival)
            let tieWins = sizes(id).flatMap { mine in sizes(rival).map { mine < $0 } } ?? false
            return racing.cannotWin(
                stats, remaining: target - stats.n, against: rivalStats,
                incumbentRemaining: (raceTarget[originalID(rival)] ?? 0) - rivalStats.n, range: range, tieWins: tieWins)
        }
    }
}
