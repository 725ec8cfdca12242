import Testing
@testable import Population

/// "Can a flagged program become the best?" asked of the policy alone: a finding that acts on selection
/// holds a program out of the island's and the run's best until its re-check comes back clean.
@Suite struct IntegrityHoldTests {
    func population() -> PopulationState {
        var config = DatabaseConfig()
        config.islands = 1
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 10)])
        config.migrationInterval = 1000
        config.stagnationGenerations = 1000
        return PopulationState(config: config, seed: 7)
    }

    /// A program evaluated `scores.count` times (its race run), then settled.
    @discardableResult
    func raced(_ p: inout PopulationState, _ id: String, _ scores: [Double], cell: Int, flagged: Bool = false) -> (first: Placement, settled: Placement) {
        p.add(id, hash: "hash-\(id)")
        let first = p.complete(id, island: 0, stats: ScoreStats(mean: scores[0]), cell: [cell], flagged: flagged, sizes: { _ in nil })
        _ = p.rescore(id, ScoreStats(scores: scores))
        return (first, p.settle(id, island: 0, cell: [cell], sizes: { _ in nil }))
    }

    @Test func aFlaggedChildIsNotMadeBestWhileACleanLowerProgramStaysBestUntilACleanRecheck() {
        var p = population()
        raced(&p, "clean", [0.5, 0.5, 0.5], cell: 3)
        #expect(p.bestID == "clean")

        let (first, settled) = raced(&p, "held", [0.9, 0.9, 0.9], cell: 5, flagged: true)
        #expect(first.needsRecheck && first.changes.contains(.hold(id: "held", .awaitingRecheck)))
        #expect(FollowUpRule(testElites: true, controlBests: true).afterFirstEvaluation(first).recheck, "the loop is asked for the re-check")
        #expect(!settled.isNewBest && !settled.isNewIslandBest, "a race won on a flagged score takes no best")
        #expect(first.isCellElite, "it still takes its own (empty) cell: the grid keeps its diversity")
        #expect(p.bestID == "clean" && p.islandBests()[0]?.id == "clean")
        #expect(p.hold(of: "held") == .awaitingRecheck)

        _ = p.rescore("held", ScoreStats(scores: [0.9, 0.9, 0.9, 0.9]))
        let released = p.recheck("held", clean: true, island: 0, cell: [5], sizes: { _ in nil })
        #expect(released.isNewBest && released.isNewIslandBest)
        #expect(released.changes.contains(.hold(id: "held", nil)) && released.changes.contains(.runBest("held")))
        #expect(p.bestID == "held" && p.hold(of: "held") == nil)
        #expect(FollowUpRule(testElites: true, controlBests: true).afterRace(released) == FollowUps(test: true, control: true),
                "a best made by its re-check gets the control like any new best")
    }

    @Test func aFindingThatPersistsOnTheRecheckKeepsItOutForGood() {
        var p = population()
        raced(&p, "clean", [0.5, 0.5, 0.5], cell: 3)
        raced(&p, "held", [0.9, 0.9, 0.9], cell: 5, flagged: true)
        let again = p.recheck("held", clean: false, island: 0, cell: [5], sizes: { _ in nil })
        #expect(!again.isNewBest && again.changes.contains(.hold(id: "held", .persisted)))
        #expect(p.hold(of: "held") == .persisted && p.bestID == "clean")
        #expect(p.recheck("held", clean: true, island: 0, cell: [5], sizes: { _ in nil }) == Placement(), "a persisted hold is not re-checked again")
        _ = p.settle("held", island: 0, cell: [5], sizes: { _ in nil })
        #expect(p.bestID == "clean", "placing it again by its mean still takes no best")
    }

    @Test func aHeldProgramIsNotTheFallbackWhenTheBestIsDisqualifiedNorAreItsCopiesBests() {
        var p = population()
        raced(&p, "low", [0.3, 0.3, 0.3], cell: 1)
        raced(&p, "clean", [0.5, 0.5, 0.5], cell: 3)
        raced(&p, "held", [0.9, 0.9, 0.9], cell: 5, flagged: true)
        #expect(p.bestID == "clean")
        _ = p.disqualify(["clean"])
        #expect(p.islandBests()[0]?.id == "low" && p.bestID == "low", "the held member scores higher but may not take the title")
        p.add("copy", hash: "hash-held", migratedFrom: "held")
        #expect(p.hold(of: "copy") == .awaitingRecheck, "a migrated copy carries its original's hold")
    }

    @Test func anUnflaggedEvaluationHoldsNothing() {
        var p = population()
        let (first, settled) = raced(&p, "a", [0.5, 0.5, 0.5], cell: 3)
        #expect(!first.needsRecheck && p.hold(of: "a") == nil && settled.isNewBest)
        #expect(!FollowUpRule(testElites: true, controlBests: true).afterFirstEvaluation(first).recheck)
    }
}
