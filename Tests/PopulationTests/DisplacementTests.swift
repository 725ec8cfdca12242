import Testing
@testable import Population

/// "When does a child displace an elite, and what runs next?" asked of the policy alone: no database.
@Suite struct DisplacementTests {
    static let grid = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 10)])

    func population(islands: Int = 1, _ change: (inout DatabaseConfig) -> Void = { _ in }) -> PopulationState {
        var config = DatabaseConfig()
        config.islands = islands
        config.features = Self.grid
        config.migrationInterval = 1000
        config.stagnationGenerations = 1000
        change(&config)
        return PopulationState(config: config, seed: 7)
    }

    func first(_ p: inout PopulationState, _ id: String, _ score: Double, cell: Int = 3, island: Int = 0) -> Placement {
        p.add(id, hash: "hash-\(id)")
        return p.complete(id, island: island, stats: ScoreStats(mean: score), cell: [cell], sizes: { _ in nil })
    }

    @Test func oneDefaultRuleEverywhereRacesThreeSeeds() {
        #expect(RacingRule().repeats == 3)
        #expect(population().racing == RacingRule())
    }

    @Test func anEmptyCellIsTakenAtOnceButTheIslandBestWaitsForTheRace() {
        var p = population()
        let placement = first(&p, "a", 0.5)
        #expect(placement.isCellElite && placement.replaced == nil)
        #expect(!placement.isNewIslandBest && !placement.isNewBest, "an island takes a confirmed best only")
        #expect(placement.race == ["a"])
        #expect(placement.changes.contains(.raceTarget(id: "a", 3)))
        let rule = FollowUpRule(testElites: true, controlBests: true)
        #expect(rule.afterFirstEvaluation(placement) == FollowUps(test: true, control: false, race: ["a"]))
    }

    @Test func aLuckyFirstScoreRacesTheUnderRacedIncumbentAndDisplacesOnlyAfterTheRace() {
        var p = population()
        _ = first(&p, "elite", 0.5)
        _ = p.rescore("elite", ScoreStats(scores: [0.5, 0.52, 0.48]))
        _ = p.settle("elite", island: 0, cell: [3], sizes: { _ in nil })
        let lucky = first(&p, "child", 0.9)
        #expect(!lucky.isCellElite, "one score never displaces a raced elite")
        #expect(lucky.race == ["child"], "the elite has its three seeds already")
        _ = p.rescore("child", ScoreStats(scores: [0.9, 0.88, 0.91]))
        let settled = p.settle("child", island: 0, cell: [3], sizes: { _ in nil })
        #expect(settled.isCellElite && settled.replaced == "elite" && settled.isNewBest)
        #expect(p.raceTarget["child"] == nil)
        #expect(FollowUpRule(testElites: true, controlBests: true).afterRace(settled) == FollowUps(test: true, control: true))
        #expect(FollowUpRule(testElites: false, controlBests: false).afterRace(settled) == .none)
    }

    @Test func aHeldOutTestIsSkippedOnlyForAProgramAtTheFloor() {
        #expect(!FollowUpRule.testIsInformative(validationMean: 0, floor: 0), "it learnt nothing on validation")
        #expect(FollowUpRule.testIsInformative(validationMean: 0.001, floor: 0))
        #expect(FollowUpRule.testIsInformative(validationMean: 0, floor: nil), "an evaluator without a floor")
        #expect(FollowUpRule.testIsInformative(validationMean: nil, floor: 0), "no mean yet")
    }

    @Test func aContenderRacesAnIncumbentWithFewerSeedsAndAClearLoserIsNotRaced() {
        var p = population()
        _ = first(&p, "elite", 0.5)
        #expect(first(&p, "challenger", 0.6).race == ["challenger", "elite"])
        _ = p.rescore("elite", ScoreStats(scores: [0.5, 0.5, 0.5]))
        #expect(p.settle("elite", island: 0, cell: [3], sizes: { _ in nil }).isNewIslandBest)
        #expect(first(&p, "loser", 0.1, cell: 3).race.isEmpty, "below the cell elite and the island best: not raced")
    }

    @Test func aFirstScoreAtTheEvaluatorsFloorIsNotRacedUnlessTheIslandHasNoBest() {
        func plateau(floor: Double?) -> PopulationState {
            var p = population()
            p.racing.scoreFloor = floor
            _ = first(&p, "seed", 0)
            _ = p.rescore("seed", ScoreStats(scores: [0, 0, 0]))
            _ = p.settle("seed", island: 0, cell: [3], sizes: { _ in nil })
            return p
        }
        var withoutFloor = plateau(floor: nil)
        #expect(first(&withoutFloor, "zero", 0).race == ["zero"], "without a floor a tie at 0 is raced, for the size rule")
        var p = plateau(floor: 0)
        let zero = first(&p, "zero", 0)
        #expect(zero.race.isEmpty, "a 0 against a best of 0: the race could only confirm that it learnt nothing")
        #expect(p.raceTarget["zero"] == nil)
        let elsewhere = first(&p, "elsewhere", 0, cell: 7)
        #expect(elsewhere.isCellElite && elsewhere.race.isEmpty, "an empty cell still takes it at once, unraced")
        #expect(first(&p, "learnt", 0.05).race == ["learnt"], "anything above the floor still races a best at the floor")
        var fresh = population()
        fresh.racing.scoreFloor = 0
        #expect(first(&fresh, "first", 0).race == ["first"], "an island takes a confirmed best only, even at the floor")
    }

    @Test func theSingleRuleDisplacesOnStrictlyHigherAndTiesGoToTheSmallerProgram() {
        var p = population()
        p.racing = RacingRule(repeats: 1)
        #expect(first(&p, "a", 0.5).isNewBest)
        let worse = first(&p, "b", 0.4)
        #expect(!worse.isCellElite && worse.race.isEmpty)
        let sizes: (String) -> ProgramSize? = { ProgramSize(peakMemoryBytes: $0 == "small" ? 10 : 100, codeLength: 5) }
        p.add("small", hash: "hash-small")
        let tie = p.complete("small", island: 0, stats: ScoreStats(mean: 0.5), cell: [3], sizes: sizes)
        #expect(tie.isCellElite && tie.replaced == "a" && tie.isNewBest)
    }

    @Test func evictionKeepsElitesTheArchiveTheBestAndRacers() {
        var p = population { $0.populationCap = 3; $0.archiveSize = 1 }
        p.racing = RacingRule(repeats: 1)
        var evicted: [String] = []
        for i in 0..<6 { evicted += first(&p, "p\(i)", Double(i) / 10, cell: i % 2).evicted }
        #expect(p.islands[0].members.count == 3)
        let protected = Set(p.islands[0].cells.values.map(\.id)).union(p.archive.scores.keys)
        #expect(protected.allSatisfy { p.islands[0].members[$0] != nil })
        #expect(!evicted.isEmpty && evicted.allSatisfy { !protected.contains($0) })
    }

    @Test func migrationCopiesTheBestNativeToTheNextIslandAsAChange() {
        var p = population(islands: 2) { $0.migrationInterval = 1; $0.migrationRate = 1 }
        p.racing = RacingRule(repeats: 1)
        let placement = first(&p, "a", 0.7)
        #expect(placement.migrated.count == 1)
        let copy = placement.migrated[0]
        #expect(p.originalID(copy) == "a" && p.copies(of: "a") == [copy])
        #expect(placement.changes.contains { if case .copy(let m) = $0 { m.id == copy && m.original == "a" && m.island == 1 } else { false } })
        #expect(p.islands[1].cells["3"]?.id == copy)
    }

    @Test func disqualifyingTheBestHandsTheTitleToTheNextAndWritesIt() {
        var p = population()
        p.racing = RacingRule(repeats: 1)
        _ = first(&p, "a", 0.4, cell: 1)
        _ = first(&p, "b", 0.9, cell: 2)
        #expect(p.bestID == "b")
        let changes = p.disqualify(["b"])
        #expect(p.bestID == "a" && changes.contains(.runBest("a")) && changes.contains(.removeFromCells(id: "b")))
    }
}
