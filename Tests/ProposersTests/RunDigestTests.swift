import EvolveCore
import Foundation
import Proposers
import Testing

/// The per-benchmark deltas and the digest of the whole run: what a model sees of the benchmarks a change
/// moved and of what other lineages tried, and that both give way when the prompt must shrink.
@Suite struct RunDigestTests {
    static let suite = ["maze-12": 0.0, "sudoku-4x4": 0.0, "sudoku-9x9": 0.0]

    static func metrics(_ exact: [String: Double]) -> Metrics {
        Metrics(benchmarks: exact.mapValues { BenchmarkMetrics(exactAccuracy: $0, tokenAccuracy: $0) }, split: "validation")
    }

    /// Attempts across the run, newest first: two gains, a build failure, a loss, a proposal that never applied.
    static func runAttempts() -> [Attempt] {
        [
            Attempt(programID: "r1", outcome: .evaluated, change: "EMA decay 0.999 -> 0.95", detail: "score 0.41", scoreChange: 0.031,
                    benchmarkChanges: ["sudoku-4x4": 0.02, "sudoku-9x9": 0.07, "maze-12": 0.003]),
            Attempt(programID: "r2", outcome: .buildFailed, change: "use log() in the halting prior",
                    detail: "compile failed (exit code 1) | kernel.swift:150:13: error: cannot find 'log' in scope"),
            Attempt(programID: "r3", outcome: .evaluated, change: "hidden 64 -> 96", detail: "score 0.30", scoreChange: -0.052,
                    benchmarkChanges: ["sudoku-4x4": -0.01, "sudoku-9x9": -0.12, "maze-12": -0.026]),
            Attempt(programID: nil, outcome: .proposalFailed, change: "rewrite everything", detail: "SEARCH appears nowhere"),
            Attempt(programID: "r5", outcome: .evaluated, change: "nSup 6 -> 3", detail: "score 0.45", scoreChange: 0.012,
                    benchmarkChanges: ["sudoku-4x4": 0.0, "sudoku-9x9": 0.036, "maze-12": 0.0]),
        ]
    }

    static func context() throws -> ProposalContext {
        var context = try PromptFixture.context(attempts: 3, others: 2)
        context.parent.metrics = metrics(["sudoku-4x4": 0.9, "sudoku-9x9": 0.2, "maze-12": 0.3])
        // On the suite's three benchmarks: top-0 (mean 0.4667) is the best shown, above top-1 and the inspirations.
        context.topPrograms[0].metrics = metrics(["sudoku-4x4": 0.95, "sudoku-9x9": 0.25, "maze-12": 0.2])
        context.topPrograms[1].metrics = metrics(["sudoku-4x4": 0.9, "sudoku-9x9": 0.1, "maze-12": 0.1])
        for i in context.inspirations.indices { context.inspirations[i].metrics = metrics(["sudoku-4x4": 0.1, "sudoku-9x9": 0.1, "maze-12": 0.1]) }
        context.parentAttempt = Attempt(programID: context.parent.id, outcome: .evaluated, change: "nSup 6 -> 4", detail: "score 0.47",
                                        scoreChange: 0.01, benchmarkChanges: ["sudoku-4x4": 0.0, "sudoku-9x9": 0.04, "maze-12": -0.01])
        context.attempts[0].benchmarkChanges = ["sudoku-4x4": 0.01, "sudoku-9x9": -0.02, "maze-12": 0.0]
        // The run's record holds the lineage's attempts too: the digest must not repeat them.
        context.runAttempts = runAttempts() + context.attempts
        return context
    }

    @Test func theCurrentProgramShowsEachBenchmarkAgainstItsParentAndTheBestShown() throws {
        let user = PromptBuilder().build(try Self.context(), mode: .diff).user
        let lines = user.split(separator: "\n")
        let nineByNine = try #require(lines.first { $0.hasPrefix("- sudoku-9x9: exact 0.200") })
        #expect(nineByNine.contains("; +0.040 against its parent, -0.050 against the best program shown (top-0-aa, exact 0.250)"), "\(nineByNine)")
        let maze = try #require(lines.first { $0.hasPrefix("- maze-12: exact 0.300") })
        #expect(maze.contains("; -0.010 against its parent, +0.100 against the best program shown (top-0-aa, exact 0.200)"), "\(maze)")
        // The attempt on the lineage carries its per-benchmark changes after the score's.
        #expect(user.contains("(maze-12 +0.000, sudoku-4x4 +0.010, sudoku-9x9 -0.020)"))
    }

    @Test func theDigestSummarisesOtherLineagesGainsFailuresAndLosses() throws {
        let context = try Self.context()
        let user = PromptBuilder().build(context, mode: .diff).user
        let start = try #require(user.range(of: "# What this run has tried"))
        let digest = try #require(Self.digest(user))
        #expect(digest.contains("the latest 5 proposals besides this lineage's above — 3 evaluated, 1 did not build, 0 rejected, 1 never applied"), "\(digest)")
        // Gains largest first, with their per-benchmark changes; the failure with its compiler line; the loss.
        let gain = try #require(digest.range(of: "- +0.0310 EMA decay 0.999 -> 0.95 (maze-12 +0.003, sudoku-4x4 +0.020, sudoku-9x9 +0.070)"))
        let smaller = try #require(digest.range(of: "- +0.0120 nSup 6 -> 3"))
        #expect(gain.lowerBound < smaller.lowerBound)
        #expect(digest.contains("- use log() in the halting prior — compile failed (exit code 1) | kernel.swift:150:13: error: cannot find 'log' in scope"))
        #expect(digest.contains("Largest losses:\n- -0.0520 hidden 64 -> 96"))
        #expect(!digest.contains("attempt number"), "the lineage's own attempts are shown above, not again")
        // It sits between the lineage's attempts and the island's best programs.
        let attempts = try #require(user.range(of: "# Earlier attempts on this lineage"))
        let best = try #require(user.range(of: "# Best programs on this island"))
        #expect(attempts.lowerBound < start.lowerBound && start.lowerBound < best.lowerBound)
    }

    @Test func theDigestStaysInsideItsShareOfTheBudgetAndIsCutFirst() throws {
        var context = try Self.context()
        // Many more evaluated changes: the digest lists them until its share is spent, at a line boundary.
        context.runAttempts += (0..<200).map { i in
            Attempt(programID: "f\(i)", outcome: .evaluated, change: "idea \(i) " + String(repeating: "x", count: 90), detail: "score 0.4",
                    scoreChange: 0)
        }
        var configuration = PromptConfiguration()
        configuration.tokenBudget = 100_000
        let roomy = PromptBuilder(configuration: configuration).build(context, mode: .diff)
        let digest = try #require(Self.digest(roomy.user))
        // 10% of 100,000 tokens is 40,000 characters: room for every line.
        #expect(digest.contains("idea 199") && digest.count <= 40_000)
        configuration.tokenBudget = 20_000
        let smaller = PromptBuilder(configuration: configuration).build(context, mode: .diff)
        let capped = try #require(Self.digest(smaller.user))
        #expect(capped.count <= 8_000 && capped.count > 6_000 && !capped.hasSuffix(":"), "\(capped.count)")
        #expect(capped.contains("Largest gains") && capped.contains("Did not build") && capped.contains("Largest losses"))
        #expect(capped.contains("- +0.0000 idea 0 ") && !capped.contains("idea 199"))

        // Just over the budget (the digest short enough to be under its share either way): the digest goes
        // first; every attempt and best program stays.
        let short = try Self.context()
        configuration.tokenBudget = PromptBuilder(configuration: configuration).build(short, mode: .diff).estimatedTokens - 50
        let cut = PromptBuilder(configuration: configuration).build(short, mode: .diff)
        #expect(cut.cuts == ["the digest of what the whole run has tried"], "\(cut.cuts)")
        #expect(!cut.user.contains("# What this run has tried") && cut.user.contains("attempt number 0"))
    }

    /// The digest's text: from its heading to the next section.
    static func digest(_ user: String) -> String? {
        guard let start = user.range(of: "# What this run has tried") else { return nil }
        let rest = user[start.lowerBound...]
        let end = rest.range(of: "\n\n# ")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    @Test func noDigestWhenTheRunHasTriedNothingBeyondTheLineage() throws {
        var context = try Self.context()
        context.runAttempts = context.attempts
        let prompt = PromptBuilder().build(context, mode: .diff)
        #expect(!prompt.user.contains("# What this run has tried") && prompt.cuts.isEmpty)
    }

    @Test func storedAttemptsCarryPerBenchmarkChangesFromTheStoredMetrics() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ProgramStore(path: path, config: DatabaseConfig(), seed: 1)
        let parent = try store.add(Program(files: ["k.swift": "parent"])).id
        _ = try store.complete(parent, status: .evaluated, metrics: Self.metrics(["a": 0.5, "b": 0.25]), descriptors: [:])
        let child = try store.add(Program(files: ["k.swift": "child"], parents: [parent])).id
        _ = try store.complete(child, status: .evaluated, metrics: Self.metrics(["a": 0.25, "b": 0.75]), descriptors: [:])
        let failed = try store.add(Program(files: ["k.swift": "broken"], parents: [parent])).id
        try store.records.recordAttempt(Attempt(programID: child, outcome: .evaluated, change: "c", detail: "d", scoreChange: 0.125),
                                        iteration: 1, parentID: parent, proposal: nil)
        try store.records.recordAttempt(Attempt(programID: failed, outcome: .buildFailed, change: "f", detail: "e"),
                                        iteration: 2, parentID: parent, proposal: nil)
        let made = try #require(try store.records.attempt(making: child))
        #expect(made.benchmarkChanges == ["a": -0.25, "b": 0.5])
        let run = try store.records.runAttempts(limit: 10)
        #expect(run.map(\.programID) == [failed, child])
        #expect(run[0].benchmarkChanges == nil)
        #expect(try store.records.attempts(from: [parent], limit: 10) == run)
        #expect(try store.records.attempt(making: "nothing") == nil)
    }
}
