import EvolveCore
import Foundation
import TestSupport
import Testing

/// A program is a number in an EVOLVE-BLOCK of `file`, and a line saying whether its first score is lucky.
private func files(_ v: Double, lucky: Bool = false, file: String = "value.txt") -> [String: String] {
    [file: "# EVOLVE-BLOCK-START\n\(String(format: "%.3f", v))\n# EVOLVE-BLOCK-END\n" + (lucky ? "lucky\n" : "")]
}

private func value(_ program: Program) -> Double {
    program.files.values.first.flatMap { $0.split(separator: "\n").compactMap { Double($0) }.first } ?? 0
}

/// Scores the number; a `lucky` program's first evaluation scores 0.2 above it (a lucky training seed),
/// its later ones the number itself.
private final class LuckyFirstEvaluator: Evaluator, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<String> = []

    func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        let first = lock.withLock { seen.insert(program.id).inserted }
        let lucky = first && request.split == .validation && program.files.values.contains { $0.contains("lucky") }
        let score = value(program) + (lucky ? 0.2 : 0)
        return EvaluationReport(outcome: .evaluated, metrics: Metrics(values: ["combined_score": score], split: request.split.rawValue), descriptors: ["x": value(program)])
    }
}

/// Even iterations: a child 0.05 worse whose first score is lucky; odd: a child truly 0.05 better.
/// Records what the loop tells it.
private actor RecordingProposer: Proposer {
    var verdicts: [ConfirmedVerdict] = []
    var firstScoreChanges: [String: Double] = [:]
    /// The file of each crossover's parent and second parent.
    var crossovers: [(String, String)] = []

    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        if let second = context.secondParent { crossovers.append((context.parent.files.keys.first!, second.files.keys.first!)) }
        let worse = context.iteration % 2 == 0
        let v = value(context.parent) + (worse ? -0.05 : 0.05) + Double(context.iteration) * 1e-3
        let file = context.parent.files.keys.first!
        return .child(files: files(v, lucky: worse, file: file), parents: [context.parent.id],
                      proposal: Proposal(model: "rec", mode: "diff", summary: worse ? "worse" : "better"))
    }

    func observe(_ feedback: ProposalFeedback) async {
        if let change = feedback.scoreChange { firstScoreChanges[feedback.proposal.summary + "\(firstScoreChanges.count)"] = change }
    }

    func observeConfirmed(_ verdict: ConfirmedVerdict) async { verdicts.append(verdict) }
}

@Suite(.serialized) struct SelectionLoopTests {
    let scratch = ScratchDirectory("evolve-selection")
    var runs: URL { scratch.url }

    fileprivate func run(_ name: String, seeds: [Program], iterations: Int, crossover: Double = 0, islands: Int = 2, proposer: RecordingProposer) async throws {
        var database = DatabaseConfig()
        database.islands = islands
        database.features = FeatureSpace([FeatureDimension(name: "x", minimum: 0, maximum: 1, bins: 10)])
        var config = RunConfig()
        config.maxIterations = iterations
        config.parallel = 1
        config.crossoverRate = crossover
        config.racing.noiseFloor = 0.005
        let loop = try EvolutionLoop(
            run: try RunDirectory.create(name: name, runsRoot: runs), config: config, database: database,
            evaluator: LuckyFirstEvaluator(), proposer: proposer, brief: "numbers")
        _ = try await loop.run(seeds: seeds)
        // The verdicts are delivered on tasks of their own: let them land.
        for _ in 0..<50 where await proposer.verdicts.count < iterations { try await Task.sleep(nanoseconds: 20_000_000) }
    }

    @Test func theProposerIsCreditedByRacingMeansNotFirstScores() async throws {
        let proposer = RecordingProposer()
        try await run("credit", seeds: [Program(files: files(0.5))], iterations: 6, proposer: proposer)
        let verdicts = await proposer.verdicts
        // One verdict per evaluated child, each once (a raced incumbent is not credited again).
        #expect(verdicts.count == 6)
        #expect(Set(verdicts.map(\.child)).count == verdicts.count)
        // Every lucky child looked 0.15 better at first, and is credited with no gain.
        let worse = verdicts.filter { $0.proposal.summary == "worse" }, better = verdicts.filter { $0.proposal.summary == "better" }
        #expect(!worse.isEmpty && worse.allSatisfy { !$0.improved && $0.gain == 0 })
        #expect(await proposer.firstScoreChanges.filter { $0.key.hasPrefix("worse") }.values.contains { $0 > 0.1 })
        // A truly better child is credited with its gain (one whose parent was a lucky program may not
        // beat that parent's inflated mean, and is rightly not credited).
        #expect(better.contains { $0.improved && abs($0.gain - 0.05) < 0.01 })
        #expect(verdicts.allSatisfy { $0.improved == ($0.gain > 0) })
    }

    @Test func crossoverIsOnlyBetweenProgramsThatShareABlock() async throws {
        let apart = RecordingProposer()
        try await run("apart", seeds: [Program(files: files(0.5, file: "a.txt")), Program(files: files(0.4, file: "b.txt"))], iterations: 8, crossover: 1, islands: 1, proposer: apart)
        // One island: both seeds are each other's inspirations. Siblings share their seed's file and may
        // cross; an a.txt and a b.txt program never do.
        #expect(await apart.crossovers.allSatisfy { $0.0 == $0.1 })
        let together = RecordingProposer()
        try await run("together", seeds: [Program(files: files(0.5)), Program(files: files(0.4))], iterations: 8, crossover: 1, proposer: together)
        #expect(await !together.crossovers.isEmpty)
    }
}
