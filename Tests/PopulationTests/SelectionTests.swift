import Testing
@testable import Population

/// Parents from confirmed means and islands that earn their proposals (issue 25), asked of the population
/// directly with scripted scores.
@Suite struct SelectionTests {
    func population(islands: Int = 1, seed: UInt64 = 3, racing: RacingRule = RacingRule(), _ change: (inout DatabaseConfig) -> Void = { _ in }) -> PopulationState {
        var config = DatabaseConfig()
        config.islands = islands
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 100, bins: 100)])
        config.migrationInterval = 100_000
        change(&config)
        return PopulationState(config: config, racing: racing, seed: seed)
    }

    func place(_ p: inout PopulationState, _ id: String, _ stats: ScoreStats, cell: Int, island: Int = 0) {
        p.add(id, hash: "h-" + id)
        _ = p.complete(id, island: island, stats: stats, cell: [cell], sizes: { _ in nil })
    }

    func counts(_ p: inout PopulationState, draws: Int) -> [String: Int] {
        var counts: [String: Int] = [:]
        for _ in 0..<draws { counts[p.sample(island: 0)!.parent, default: 0] += 1 }
        return counts
    }

    @Test func aProgramSeenOnceIsAParentLessOftenThanOneConfirmedAtTheSameMean() {
        var p = population { $0.exploration = 0; $0.exploitation = 1 }
        place(&p, "once", ScoreStats(mean: 0.5), cell: 1)
        place(&p, "thrice", ScoreStats(mean: 0.5, sd: 0.02, n: 3), cell: 2)
        let weights = p.parentWeights(["once", "thrice"])
        #expect(weights[0] < weights[1])
        let drawn = counts(&p, draws: 8000)
        // Expected share of the n = 1 program: 1 / (1 + e^(0.0127/0.05)) ≈ 0.437; 0.47 is 6 SE above it.
        #expect(Double(drawn["once"] ?? 0) / 8000 < 0.47)
        #expect((drawn["once"] ?? 0) + (drawn["thrice"] ?? 0) == 8000)
    }

    @Test func aProgramThatScoredZeroIsAParentOnlyThroughTheExplorationShare() {
        var greedy = population { $0.exploration = 0; $0.exploitation = 0.7 }
        var exploring = population { $0.exploration = 0.3; $0.exploitation = 0.5 }
        for p in [0, 1] {
            var population = p == 0 ? greedy : exploring
            place(&population, "zero", ScoreStats(mean: 0), cell: 1)
            place(&population, "low", ScoreStats(mean: 0.4), cell: 2)
            place(&population, "high", ScoreStats(mean: 0.6), cell: 3)
            if p == 0 { greedy = population } else { exploring = population }
        }
        #expect(counts(&greedy, draws: 3000)["zero"] == nil)
        // Through exploration only: 0.3 of the draws are uniform over three members.
        let share = Double(counts(&exploring, draws: 6000)["zero"] ?? 0) / 6000
        #expect(abs(share - 0.1) < 0.02)
    }

    /// Every member at 0: the confirmed best (the seed, n = 3) is the parent outside the exploration share;
    /// its zero-score children only through exploration, as anywhere else.
    @Test func onAPlateauOfZerosTheConfirmedBestIsTheParentOutsideExploration() {
        var p = population { $0.exploration = 0.2; $0.exploitation = 0.7 }
        place(&p, "seed", ScoreStats(mean: 0), cell: 1)
        _ = p.rescore("seed", ScoreStats(scores: [0, 0, 0]))
        _ = p.settle("seed", island: 0, cell: [1], sizes: { _ in nil })
        #expect(p.islands[0].bestProgram == "seed")
        for child in 0..<9 { place(&p, "child\(child)", ScoreStats(mean: 0), cell: 2 + child) }
        #expect(p.parentPool(island: 0).isEmpty)
        let drawn = counts(&p, draws: 6000)
        // 0.8 to the best, plus its tenth of the uniform 0.2: 0.82; each child gets 0.02.
        let seedShare = Double(drawn["seed"] ?? 0) / 6000
        #expect(abs(seedShare - 0.82) < 0.02, "the seed drew \(seedShare)")
        #expect(drawn.filter { $0.key != "seed" }.values.allSatisfy { abs(Double($0) / 6000 - 0.02) < 0.01 })

        // With no best (nothing confirmed yet), a uniform member as before.
        var fresh = population { $0.exploration = 0.2; $0.exploitation = 0.7 }
        for id in ["a", "b", "c"] { place(&fresh, id, ScoreStats(mean: 0), cell: id == "a" ? 1 : id == "b" ? 2 : 3) }
        #expect(fresh.islands[0].bestProgram == nil)
        #expect(counts(&fresh, draws: 3000).values.allSatisfy { abs(Double($0) / 3000 - 1.0 / 3) < 0.04 })
    }

    @Test func anIslandThatStopsImprovingLosesProposalsToOneThatImprovesAndNoneFallsBelowTheFloor() {
        var p = population(islands: 2, racing: RacingRule(repeats: 1)) { $0.stagnationGenerations = 8; $0.islandFloor = 0.1 }
        place(&p, "seed0", ScoreStats(mean: 0.3), cell: 0, island: 0)
        place(&p, "seed1", ScoreStats(mean: 0.3), cell: 0, island: 1)
        var given = [0, 0]
        var next = 0.3
        for round in 0..<300 {
            let shares = p.islandShares()
            #expect(shares.allSatisfy { $0 >= 0.1 - 1e-12 })
            #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
            let island = p.chooseIsland()!
            given[island] += 1
            // Island 0's children keep improving; island 1's never do.
            if island == 0 { next += 0.001 }
            place(&p, "c\(round)", ScoreStats(mean: island == 0 ? next : 0.1), cell: 1 + round % 90, island: island)
        }
        #expect(given[0] > 3 * given[1])
        // The floor: island 1 still gets about a tenth of the proposals (0.1 × 300 = 30, less sampling noise).
        #expect(given[1] >= 20)
    }

    @Test func anIslandStuckAtZeroGetsLessThanOneWhoseConfirmedBestLeftIt() {
        // The first rediscovery run: island 0 reached a confirmed 0.065, islands 1–3 stayed at 0, and all
        // were equally fresh; the even split gave the three at 0 three quarters of the proposals.
        var p = population(islands: 4) { $0.islandFloor = 0.1 }
        place(&p, "up", ScoreStats(mean: 0.065, sd: 0.02, n: 3), cell: 0, island: 0)
        for island in 1..<4 { place(&p, "zero\(island)", ScoreStats(mean: 0, sd: 0, n: 3), cell: 0, island: island) }
        let shares = p.islandShares()
        // 0.1 + 0.6 × 1 / (1 + 3 × 0.03 / 0.095) = 0.408 against 0.197 each.
        #expect(abs(shares[0] - 0.408) < 0.005)
        #expect(shares[1...].allSatisfy { abs($0 - 0.197) < 0.005 })
        // Bests within the noise floor count nearly alike: 0.443 against 0.557.
        var level = population(islands: 2) { $0.islandFloor = 0.1 }
        place(&level, "a", ScoreStats(mean: 0.50, sd: 0.01, n: 3), cell: 0, island: 0)
        place(&level, "b", ScoreStats(mean: 0.51, sd: 0.01, n: 3), cell: 0, island: 1)
        let even = level.islandShares()
        #expect(even[1] > even[0] && even[0] > 0.4)
    }

    @Test func sharesFollowConfirmedProgressNotFirstScores() {
        var p = population(islands: 2) { $0.stagnationGenerations = 8; $0.islandFloor = 0.1 }
        place(&p, "a", ScoreStats(mean: 0.3, sd: 0.01, n: 3), cell: 0, island: 0)
        place(&p, "b", ScoreStats(mean: 0.3, sd: 0.01, n: 3), cell: 0, island: 1)
        // Island 1's children score high once (contenders, unconfirmed): its best does not move, so it
        // goes stale; island 0's best moves with each confirmed child.
        for i in 0..<6 {
            place(&p, "u\(i)", ScoreStats(mean: 0.9), cell: 1 + i, island: 1)
            place(&p, "k\(i)", ScoreStats(mean: 0.4 + 0.1 * Double(i), sd: 0.01, n: 3), cell: 1 + i, island: 0)
        }
        let shares = p.islandShares()
        #expect(shares[0] > 0.8 && shares[1] >= 0.1 - 1e-12)
    }
}
