import EvolveCore
import Foundation
import Proposers
import Testing

/// What the prompt tells a model about the answer format and about noise (issue 29).
@Suite struct PromptFormatTests {
    /// The SEARCH lines of every edit in a text.
    static func searchLines(_ text: String) -> [String] {
        var lines: [String] = []
        var inside = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("<<<<<<< SEARCH") { inside = true } else if line.hasPrefix("=======") { inside = false } else if inside { lines.append(line) }
        }
        return lines
    }

    @Test func theWorkedExamplesSearchLinesAreRealLinesOfEachSeed() throws {
        for seed in ["trm", "hrm"] {
            let files = try ProgramFiles.read(directory: PromptFixture.repo.appendingPathComponent("Programs/\(seed)"))
            var context = try PromptFixture.context()
            context.parent = PromptFixture.evaluated(files, exact: 0.5, id: "seed-\(seed)")
            let prompt = PromptBuilder().build(context, mode: .diff)
            let example = Self.searchLines(prompt.system)
            #expect(example.count == 2, "\(seed): \(example)")
            let real = Set(files["kernel.swift"]!.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            for line in example { #expect(real.contains(line), "\(seed): the example's SEARCH line `\(line)` is not a line of the seed") }
            // And the example applies to the seed as it stands.
            let answer = try #require(prompt.system.range(of: "\nSummary: ")).upperBound
            let end = try #require(prompt.system.range(of: "When asked to rewrite a block")).lowerBound
            #expect(throws: Never.self) { try Patch.apply(answer: String(prompt.system[answer..<end]), to: files) }
        }
    }

    @Test func thePromptSaysEditsApplyInSequenceAndAllowsAShortRationale() throws {
        let prompt = PromptBuilder().build(try PromptFixture.context(), mode: .diff)
        #expect(prompt.system.contains("Edits apply in sequence"))
        #expect(prompt.system.contains("trailing comments and spacing included"))
        #expect(prompt.system.contains("You may start with a short rationale"))
        #expect(!prompt.user.contains("Explain nothing"))
        #expect(prompt.user.contains("with several benchmarks, their mean"))
    }

    @Test func aProgramWithoutIntegerConstantsGetsAnExampleSaidToBeHypothetical() throws {
        var context = try PromptFixture.context()
        context.parent = PromptFixture.evaluated(["model.py": "# EVOLVE-BLOCK-START\nrate = 0.5\n# EVOLVE-BLOCK-END\n"], exact: 0.1, id: "python-1")
        let prompt = PromptBuilder().build(context, mode: .diff)
        #expect(prompt.system.contains("for a hypothetical file `model.py`"))
    }

    @Test func scoresCarryTheirSpreadAndTheNoiseFloorIsStated() throws {
        var context = try PromptFixture.context()
        let single = PromptBuilder().build(context, mode: .diff)
        #expect(single.user.contains("Score: 0.6000 (one evaluation, n = 1, validation split)"))
        #expect(single.user.contains("Noise: no program shown has been evaluated more than once yet"))

        context.parent.scoreStats = ScoreStats(mean: 0.58, sd: 0.05, n: 3)
        context.topPrograms[0].scoreStats = ScoreStats(mean: 0.7, sd: 0.03, n: 4)
        let raced = PromptBuilder().build(context, mode: .diff)
        #expect(raced.user.contains("Score: 0.5800 ± 0.0500 (mean ± SD over n = 3 training seeds, validation split)"))
        // Pooled over both: sqrt((0.05² · 2 + 0.03² · 3) / 5) = 0.0392.
        #expect(raced.user.contains("an SD of about 0.0392 (pooled over the 2 programs shown"), "\(raced.user.prefix(1500))")
        #expect(raced.user.contains("smaller than about 0.0785 (2 SD)"))
    }
}
