import Testing
@testable import Population

/// "May this race stop now?" asked of the policy alone: the bound in `RacingRule.cannotWin` and the
/// population's use of it (`PopulationState.raceIsDecided`).
@Suite struct RaceEndTests {
    static let rule = RacingRule(repeats: 3, margin: 1, noiseFloor: 0.03)

    func population(_ racing: RacingRule = rule) -> PopulationState {
        var config = DatabaseConfig()
        config.islands = 1
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 10)])
        return PopulationState(config: config, racing: racing, seed: 7)
    }

    func first(_ p: inout PopulationState, _ id: String, _ score: Double, cell: Int = 3) -> Placement {
        p.add(id, hash: "hash-\(id)")
        return p.complete(id, island: 0, stats: ScoreStats(mean: score), cell: [cell], sizes: { _ in nil })
    }

    /// An island whose best, `elite`, has three seeds at `score` and holds cell 3.
    func withConfirmedElite(_ score: Double, _ racing: RacingRule = rule) -> PopulationState {
        var p = population(racing)
        _ = first(&p, "elite", score)
        _ = p.rescore("elite", ScoreStats(scores: [score, score, score]))
        _ = p.settle("elite", island: 0, cell: [3], sizes: { _ in nil })
        return p
    }

    @Test func aSecondScoreThatLeavesTheContenderShortEvenWithAPerfectThirdEndsTheRace() {
        var p = withConfirmedElite(0.55)
        #expect(first(&p, "child", 0.6).race == ["child"])
        #expect(!p.raceIsDecided("child", scores: 0...1, sizes: { _ in nil }), "one score of 0.6 may still win")
        _ = p.rescore("child", ScoreStats(scores: [0.6, 0]))  // the second seed crashed: 0
        // Best case now (0.6 + 0 + 1) / 3 = 0.533 < 0.55: no third score displaces the elite.
        #expect(p.raceIsDecided("child", scores: 0...1, sizes: { _ in nil }))
        let settled = p.settle("child", island: 0, cell: [3], sizes: { _ in nil })
        #expect(!settled.isCellElite && !settled.isNewIslandBest && !settled.isNewBest)
        #expect(p.raceTarget["child"] == nil && p.islands[0].bestProgram == "elite")
    }

    @Test func aRaceTheThirdScoreCanStillTurnIsNotDecided() {
        var p = withConfirmedElite(0.55)
        _ = first(&p, "child", 0.6)
        _ = p.rescore("child", ScoreStats(scores: [0.6, 0.5]))  // best case (0.6 + 0.5 + 1) / 3 = 0.7
        #expect(!p.raceIsDecided("child", scores: 0...1, sizes: { _ in nil }))
        // With the same two scores, a narrower score range settles it: at most (0.6 + 0.5 + 0.6) / 3.
        #expect(p.raceIsDecided("child", scores: 0...0.6, sizes: { _ in nil }))
    }

    @Test func neverDecidedWhenTheRuleIsOffSingleOrTheIslandHasNoBest() {
        var off = withConfirmedElite(0.55, RacingRule(repeats: 3, margin: 1, noiseFloor: 0.03, endsWhenDecided: false))
        _ = first(&off, "child", 0.6)
        _ = off.rescore("child", ScoreStats(scores: [0.6, 0]))
        #expect(!off.raceIsDecided("child", scores: 0...1, sizes: { _ in nil }), "end_decided_races: false")

        // An island without a best: the first program takes it once confirmed, whatever it scores.
        var empty = population()
        #expect(first(&empty, "alone", 0.2).race == ["alone"])
        _ = empty.rescore("alone", ScoreStats(scores: [0.2, 0]))
        #expect(!empty.raceIsDecided("alone", scores: 0...1, sizes: { _ in nil }))
        #expect(!RacingRule(repeats: 1).cannotWin(ScoreStats(mean: 0), remaining: 0, against: ScoreStats(mean: 1), incumbentRemaining: 0, range: 0...1, tieWins: false))
    }

    @Test func aReachableTieKeepsTheRaceOpenOnlyForTheSmallerProgram() {
        var p = withConfirmedElite(0.5)
        _ = first(&p, "child", 0.5)
        _ = p.rescore("child", ScoreStats(scores: [0.5, 0]))  // best case (0.5 + 0 + 1) / 3 = 0.5: a tie at most
        #expect(p.raceIsDecided("child", scores: 0...1, sizes: { _ in nil }), "sizes unknown: a tie stays with the incumbent")
        let smaller: (String) -> ProgramSize? = { ProgramSize(peakMemoryBytes: $0 == "child" ? 10 : 100, codeLength: 5) }
        #expect(!p.raceIsDecided("child", scores: 0...1, sizes: smaller), "the smaller program wins a tie")
    }

    /// The bound is sound: whenever it says the challenger cannot win, no completion of the race on a
    /// grid of remaining scores makes `compare` say it wins (or ties, when ties go to the challenger).
    @Test func whenTheBoundSaysDecidedNoCompletionWins() {
        var rng = Lehmer(state: 11)
        let grid = [0, 0.1, 0.25, 0.5, 0.55, 0.6, 0.75, 0.9, 1]
        var decided = 0
        for _ in 0..<400 {
            let rule = RacingRule(repeats: 3 + Int(rng.next() % 2), margin: [0, 0.5, 1, 2][Int(rng.next() % 4)], noiseFloor: 0.03)
            let have = 1 + Int(rng.next() % UInt64(rule.repeats - 1))
            let mine = (0..<have).map { _ in grid[Int(rng.next() % UInt64(grid.count))] }
            let theirs = (0..<rule.repeats).map { _ in grid[Int(rng.next() % UInt64(grid.count))] }
            let tieWins = rng.next() % 2 == 0
            guard rule.cannotWin(ScoreStats(scores: mine), remaining: rule.repeats - have, against: ScoreStats(scores: theirs),
                                 incumbentRemaining: 0, range: 0...1, tieWins: tieWins) else { continue }
            decided += 1
            for completion in completions(rule.repeats - have, grid) {
                let verdict = rule.compare(ScoreStats(scores: mine + completion), ScoreStats(scores: theirs))
                #expect(verdict != .wins && (verdict != .tie || !tieWins), "\(mine) + \(completion) against \(theirs), margin \(rule.margin)")
            }
        }
        #expect(decided > 20, "the sample decided too few races to test the bound")
    }

    func completions(_ count: Int, _ grid: [Double]) -> [[Double]] {
        count == 0 ? [[]] : completions(count - 1, grid).flatMap { rest in grid.map { rest + [$0] } }
    }
}

/// A fixed-seed generator for the sampled races (the test target does not link EvolveSupport).
struct Lehmer {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
}
