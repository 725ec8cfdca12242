import EvolveCore
import Testing
@testable import evolve

/// The racing keys of `evolve.yaml`: read at the top level or under `evolution:`, checked, refused when
/// out of range, and misspellings named.
@Suite struct RacingSettingsTests {
    @Test func theRacingKeysAreRead() throws {
        let text = """
            repeats: 5
            margin: 2
            noise_floor: 0.05
            fresh_seeds: 6
            drift_threshold: 0.2
            gap_threshold: 0.15
            max_evaluations: 400
            """
        let settings = try RunSettings.parse(text, path: "evolve.yaml")
        #expect(settings.run.racing == RacingRule(repeats: 5, margin: 2, noiseFloor: 0.05))
        #expect(settings.run.freshSeeds == 6 && settings.run.maxEvaluations == 400)
        #expect(settings.run.driftThreshold == 0.2 && settings.run.gapThreshold == 0.15)
        let nested = try RunSettings.parse("evolution:\n  repeats: 1\n", path: "evolve.yaml")
        #expect(nested.run.racing.repeats == 1 && nested.run.racing.isSingle)
    }

    @Test func outOfRangeAndMisspelledKeysAreRefused() {
        #expect(throws: RunSettings.Failure.self) { try RunSettings.parse("repeats: 0\n", path: "evolve.yaml") }
        #expect(throws: RunSettings.Failure.self) { try RunSettings.parse("margin: -1\n", path: "evolve.yaml") }
        do {
            _ = try RunSettings.parse("evolution:\n  repeat: 3\n", path: "evolve.yaml")
            Issue.record("a misspelled key was accepted")
        } catch {
            #expect("\(error)".contains("did you mean evolution.repeats?"))
        }
    }
}
