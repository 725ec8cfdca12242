import EvolveCore
import Foundation
import TestSupport
import Testing

/// `evolve inspect prompt` on a real run (the command-evaluator seed of ReportCommandTests, offline
/// mutator): the exact messages the LLM proposer would send for a child, within the run's budget.
@Suite(.serialized) struct InspectPromptTests {
    let scratch = ScratchDirectory("evolve-prompt")
    var root: URL { scratch.url }

    func environment() -> [String: String] { EvolveBinary.environment(runs: root.appendingPathComponent("runs")) }

    @Test func thePromptForAChildOfTheBestIsPrintedAsTextAndJSON() async throws {
        let seed = root.appendingPathComponent("seed")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(ReportCommandTests.program.utf8).write(to: seed.appendingPathComponent("params.py"))
        try Data(ReportCommandTests.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))
        try Data("# Brief\n\nRaise the score of params.py.\n".utf8).write(to: seed.appendingPathComponent("BRIEF.md"))
        let run = try await EvolveBinary.run(["run", "--seed", seed.path, "--name", "small", "--iterations", "3", "--json"], environment: environment())
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let best = try #require(summary["best_program"] as? String)

        let text = try await EvolveBinary.run(["inspect", "prompt", String(best.prefix(8)), "--run", "small"], environment: environment())
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("prompt for a child of program \(best.prefix(8)) (diff): about "))
        #expect(text.stdout.contains("===== system =====\n# Brief\n\nRaise the score of params.py."))
        #expect(text.stdout.contains("# How to answer") && text.stdout.contains("for a hypothetical file `params.py`"))
        #expect(text.stdout.contains("===== user =====\n# Task") && text.stdout.contains("# Current program (id \(best.prefix(8))"))

        let json = try await EvolveBinary.run(["inspect", "prompt", best, "--run", "small", "--rewrite", "params.py: constants", "--json"], environment: environment())
        #expect(json.status == 0, "\(json.stderr)")
        let view = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(view["program"] as? String == best && view["mode"] as? String == "rewrite of params.py: constants")
        let tokens = try #require(view["estimated_tokens"] as? Int), budget = try #require(view["token_budget"] as? Int)
        #expect(tokens > 0 && tokens <= budget)
        #expect((view["user"] as? String)?.contains("Rewrite the block `constants` of `params.py`") == true)

        let wrong = try await EvolveBinary.run(["inspect", "prompt", best, "--run", "small", "--rewrite", "params.py: nothing"], environment: environment())
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("has no block 'params.py: nothing'; its blocks are 'params.py: constants'"), "\(wrong.stderr)")
    }
}
