import Testing
@testable import Population

@Suite struct SamplerTests {
    func filled(seed: UInt64) -> PopulationState {
        var config = DatabaseConfig()
        config.islands = 1
        config.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 10, bins: 10)])
        var p = PopulationState(config: config, racing: RacingRule(repeats: 1), seed: seed)
        for i in 0..<8 {
            p.add("p\(i)", hash: "h\(i)")
            _ = p.complete("p\(i)", island: 0, stats: ScoreStats(mean: Double(i) / 10), cell: [i], sizes: { _ in nil })
        }
        return p
    }

    @Test func anEmptyIslandHasNoParent() {
        var p = PopulationState(config: DatabaseConfig(), seed: 1)
        #expect(p.sample(island: 0) == nil)
    }

    @Test func inspirationsNeverRepeatOrIncludeTheParentAndTheStreamIsDeterministic() {
        var a = filled(seed: 5), b = filled(seed: 5)
        for _ in 0..<50 {
            let sample = a.sample(island: 0)!
            #expect(!sample.inspirations.contains(sample.parent))
            #expect(Set(sample.inspirations).count == sample.inspirations.count)
            #expect(sample == b.sample(island: 0))
        }
        #expect(a.rng == b.rng)
    }

    @Test func theArchiveKeepsTheBestAndDropsTheWeakest() {
        var archive = Archive(capacity: 2)
        #expect(archive.offer("a", score: 0.1) == (true, nil))
        #expect(archive.offer("b", score: 0.5) == (true, nil))
        #expect(archive.offer("c", score: 0.05) == (false, nil))
        #expect(archive.offer("d", score: 0.9) == (true, "a"))
        #expect(Set(archive.scores.keys) == ["b", "d"])
    }
}
