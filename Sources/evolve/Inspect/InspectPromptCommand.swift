import ArgumentParser
import EvolveCore
import Foundation
import Proposers

/// `evolve inspect prompt ID`: the messages the LLM proposer would send for a child of a program, built
/// by the run's own prompt settings from what the run has stored. It is how a researcher sees what a
/// model is told — the brief, the worked example, the scores with their noise, the failures fed back —
/// and why a search wastes its proposals.
///
/// ```sh
/// evolve inspect prompt 3f2a91c0 --run overnight            # the diff prompt, as text
/// evolve inspect prompt 3f2a91c0 --rewrite "kernel.swift: recursion" --json
/// ```
///
/// A run draws a parent's inspirations at random and gives each prompt its own delimiter nonce; here the
/// inspirations are the island's best programs and the nonce comes from seed 0, so two calls agree.
struct InspectPromptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompt", abstract: "The messages the LLM proposer would send for a child of a program.")

    /// The parent program and its run.
    @OptionGroup var program: ProgramArguments

    @Option(help: "Ask for a rewrite of this block (`kernel.swift: recursion`) instead of SEARCH/REPLACE edits.")
    var rewrite: String?

    @OptionGroup var output: OutputOptions

    /// `--json`'s shape (snake_case keys).
    struct View: Encodable {
        let program: String, mode: String, estimated_tokens: Int, token_budget: Int, cuts: [String], system: String, user: String
    }

    func run() throws {
        try UserMistakes.reported {
            let (run, store, parent) = try program.open()
            let manifest = try RunManifest.load(from: run)
            let settings = try RunSetup.settings(manifest)
            if let rewrite, !((try? EvolveBlocks.parse(parent.files)) ?? []).contains(where: { $0.label == rewrite }) {
                let labels = ((try? EvolveBlocks.parse(parent.files)) ?? []).map(\.label)
                throw CommandError("program \(parent.id.prefix(8)) has no block '\(rewrite)'; its blocks are \(labels.map { "'\($0)'" }.joined(separator: ", "))")
            }
            let context = try Self.context(
                parent: parent, store: store, settings: settings.prompt, attempts: settings.run.attemptsShown,
                brief: RunSetup.brief(manifest, settings: settings))
            let mode: PromptMode = rewrite.map { .rewrite(block: $0) } ?? .diff
            let prompt = PromptBuilder(configuration: settings.prompt, limits: settings.limits).build(context, mode: mode)
            let modeName = rewrite.map { "rewrite of \($0)" } ?? "diff"
            if output.json {
                try OutputOptions.printJSON(View(
                    program: parent.id, mode: modeName, estimated_tokens: prompt.estimatedTokens, token_budget: settings.prompt.tokenBudget,
                    cuts: prompt.cuts, system: prompt.system, user: prompt.user))
                return
            }
            print("prompt for a child of program \(parent.id.prefix(8)) (\(modeName)): about \(prompt.estimatedTokens) tokens of the \(settings.prompt.tokenBudget)-token budget"
                + (prompt.cuts.isEmpty ? "" : "; left out: \(prompt.cuts.joined(separator: "; "))"))
            print("===== system =====")
            print(prompt.system)
            print("===== user =====")
            print(prompt.user)
        }
    }

    /// What the loop would hand the proposer for a child of `parent`, with the island's best programs in
    /// place of the random draw of inspirations.
    static func context(parent: Program, store: ProgramStore, settings: PromptConfiguration, attempts: Int, brief: String) throws -> ProposalContext {
        let island = try store.programs(status: .evaluated).filter { $0.island == parent.island && $0.id != parent.id }
            .sorted { ($0.score ?? 0, $1.id) > ($1.score ?? 0, $0.id) }
        let inspirations = Array(island.prefix(settings.topPrograms + settings.inspirations))
        return ProposalContext(
            parent: parent, parentArtifacts: try store.records.artifacts(of: parent.id), inspirations: inspirations,
            topPrograms: Array(island.prefix(3)), attempts: try store.records.attempts(from: [parent.id] + parent.parents, limit: attempts),
            brief: parent.files["BRIEF.md"] ?? brief, iteration: 0, seed: 0,
            runAttempts: try store.records.runAttempts(limit: ProposalContext.runAttemptsRead), parentAttempt: try store.records.attempt(making: parent.id))
    }
}
