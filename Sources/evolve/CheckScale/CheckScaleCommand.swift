import ArgumentParser
import EvolveCore
import Foundation
import Sandbox

/// `evolve check-scale RUN [--factor 4]`: retrain a stopped run's best and the seed it descends from at
/// `factor` × every training budget, with fresh training seeds, and say whether its gain survives.
struct CheckScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-scale",
        abstract: "Retrain the best and its seed at FACTOR × the training budgets: does the gain survive more compute?",
        discussion: "Costs 2 × fresh_seeds evaluations at FACTOR × the budget. The result is stored with the run and shown by `evolve inspect best` and the report.")

    @Argument(help: "The run's name (under runs/) or its directory.")
    var run: String

    @Option(help: "The multiple of every train_flops to retrain at.")
    var factor: Double = ScaleCheckMode.factor

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard factor > 1, factor <= 1000 else { throw ValidationError("--factor must be above 1 and at most 1000, got \(factor)") }
    }

    func run() async throws {
        try await HeldRun.with(run) { held in
            let manifest = try RunManifest.load(from: held.directory)
            let settings = try RunSetup.settings(manifest)
            let evaluator = try RunSetup.evaluator(manifest, settings: settings, workRoot: held.directory.work, say: held.say)
            let loop = try EvolutionLoop(
                run: held.directory, config: settings.run, database: settings.database, evaluator: evaluator, proposer: NoProposer(), brief: "",
                onEvent: { held.printer.handle($0) })
            guard let assessment = try await loop.checkScale(factor: factor) else {
                throw CommandError("run '\(held.directory.name)': no scale check was made (it has no evaluated best, or its evaluator has no budgets to scale; see the lines above)")
            }
            if output.json {
                try OutputOptions.printJSON(ScaleView(assessment))
            } else {
                print(ScaleView.line(assessment))
            }
        }
    }
}

/// The check proposes nothing; the loop only needs a proposer to exist.
private struct NoProposer: Proposer {
    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        .failed(reason: "evolve check-scale proposes nothing", proposal: Proposal(model: "none"))
    }
}

/// A scale assessment for `check-scale`, `inspect best` (text and `--json`) and the report.
struct ScaleView: Encodable {
    let factor: Double, seed: String
    let program: BestView.StatsView, seed_at_factor: BestView.StatsView
    let gain_at_one: TransferView.Gain, gain_at_factor: TransferView.Gain
    let flag: String?

    init(_ s: ScaleAssessment) {
        factor = s.factor; seed = s.seedID
        program = .init(s.program); seed_at_factor = .init(s.seed)
        gain_at_one = .init(s.gainAtOne); gain_at_factor = .init(s.gainAtFactor)
        flag = s.flag
    }

    static func line(_ s: ScaleAssessment?) -> String {
        guard let s else { return "scale check: none (scale_check at the run's end, or `evolve check-scale RUN`)" }
        return "scale check \(s.summary)"
    }
}
