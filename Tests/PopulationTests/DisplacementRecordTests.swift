import Testing
@testable import Population

/// Which changes of hands the population reports as displacements (`PopulationChange.displaced`): the ones
/// the racing rule decided, never an empty place filled, a removal, or a reseed.
@Suite struct DisplacementRecordTests {
    func population(islands: Int = 1, _ change: (inout DatabaseConfig) -> Void = { _ in }) -> PopulationState {
        var config = DatabaseConfig()
        config.islands = islands
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 10)])
        config.migrationInterval = 1000
        config.stagnationGenerations = 1000
        change(&config)
        var p = PopulationState(config: config, seed: 7)
        p.racing = RacingRule(repeats: 1)
        return p
    }

    func first(_ p: inout PopulationState, _ id: String, _ score: Double, cell: Int = 3, island: Int = 0) -> Placement {
        p.add(id, hash: "hash-\(id)")
        return p.complete(id, island: island, stats: ScoreStats(mean: score), cell: [cell], sizes: { _ in nil })
    }

    @Test func aWinUnderTheRacingRuleIsRecordedForTheCellTheIslandBestAndTheRunBest() {
        var p = population()
        #expect(first(&p, "a", 0.5).displacements.isEmpty, "an empty cell and a first best displace nobody")
        let won = first(&p, "b", 0.6)
        #expect(won.displacements == [
            DisplacementRecord(kind: .cell, challenger: "b", incumbent: "a", island: 0),
            DisplacementRecord(kind: .islandBest, challenger: "b", incumbent: "a", island: 0),
            DisplacementRecord(kind: .runBest, challenger: "b", incumbent: "a", island: 0),
        ])
        #expect(first(&p, "c", 0.55).displacements.isEmpty, "a loser displaces nobody")
        #expect(first(&p, "d", 0.1, cell: 7).displacements.isEmpty, "another empty cell, not the best")
    }

    @Test func anUnconfirmedChallengerIsNotRecordedUntilItsRaceIsWon() {
        var p = population()
        p.racing = RacingRule()
        _ = first(&p, "elite", 0.5)
        _ = p.rescore("elite", ScoreStats(scores: [0.5, 0.5, 0.5]))
        _ = p.settle("elite", island: 0, cell: [3], sizes: { _ in nil })
        #expect(first(&p, "child", 0.9).displacements.isEmpty, "one lucky score displaces nobody")
        _ = p.rescore("child", ScoreStats(scores: [0.9, 0.88, 0.91]))
        let settled = p.settle("child", island: 0, cell: [3], sizes: { _ in nil })
        #expect(settled.displacements.map(\.kind) == [.cell, .islandBest, .runBest])
        #expect(settled.displacements.allSatisfy { $0.challenger == "child" && $0.incumbent == "elite" })
    }

    @Test func aMigratedCopyThatWinsACellIsRecordedAsTheCopy() {
        var p = population(islands: 2) { $0.migrationInterval = 1; $0.migrationRate = 1 }
        _ = first(&p, "b", 0.5, island: 1)
        let placement = first(&p, "a", 0.7)
        let copy = try! #require(placement.migrated.first)
        #expect(placement.displacements.contains(DisplacementRecord(kind: .cell, challenger: copy, incumbent: "b", island: 1)))
        #expect(placement.displacements.contains(DisplacementRecord(kind: .islandBest, challenger: copy, incumbent: "b", island: 1)))
        #expect(placement.displacements.contains(DisplacementRecord(kind: .runBest, challenger: "a", incumbent: "b", island: 0)))
    }

    @Test func aDisqualificationAndAReseedDisplaceNobody() {
        var p = population()
        _ = first(&p, "a", 0.4, cell: 1)
        _ = first(&p, "b", 0.9, cell: 2)
        let removed = p.disqualify(["b"])
        #expect(p.bestID == "a" && !removed.contains { if case .displaced = $0 { true } else { false } })

        var q = population(islands: 2) { $0.stagnationGenerations = 2 }
        _ = first(&q, "donor", 0.9)
        _ = first(&q, "stale", 0.3, island: 1)
        _ = first(&q, "filler", 0.1, cell: 6, island: 1)
        let reseed = first(&q, "last", 0.1, cell: 7, island: 1)
        #expect(reseed.reseeded && q.islands[1].bestProgram != "stale")
        #expect(reseed.displacements.isEmpty, "the reseed emptied the island before its donor's copy arrived")
    }
}
