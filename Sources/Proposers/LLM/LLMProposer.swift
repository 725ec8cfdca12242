import EvolveCore
import EvolveSupport
import Foundation
import LLMClient
import Logging

/// Settings of the LLM proposer (the run config's `proposer:` section).
public struct LLMProposerConfiguration: Codable, Sendable, Equatable {
    public var prompt = PromptConfiguration()
    public var limits = PatchLimits()
    /// Share of proposals (those without a second parent) that ask for a whole-block rewrite instead of
    /// SEARCH/REPLACE edits: rewrites let a model restructure a block a diff would only nudge.
    public var rewriteRate = 0.1
    /// Prior preference per model name (the ensemble's weights); models not named weigh 1.
    public var weights: [String: Double] = [:]
    /// USD counted per proposal at least, so free local models are compared by gain per proposal.
    public var costFloorUSD = 0.0001

    public init() {}

    enum CodingKeys: String, CodingKey {
        case prompt, limits, weights
        case rewriteRate = "rewrite_rate", costFloorUSD = "cost_floor_usd"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = LLMProposerConfiguration()
        prompt = try c.decodeIfPresent(PromptConfiguration.self, forKey: .prompt) ?? defaults.prompt
        limits = try c.decodeIfPresent(PatchLimits.self, forKey: .limits) ?? defaults.limits
        rewriteRate = try c.decodeIfPresent(Double.self, forKey: .rewriteRate) ?? defaults.rewriteRate
        weights = try c.decodeIfPresent([String: Double].self, forKey: .weights) ?? defaults.weights
        costFloorUSD = try c.decodeIfPresent(Double.self, forKey: .costFloorUSD) ?? defaults.costFloorUSD
    }
}

/// Asks a model of the ensemble for a child: builds the prompt, applies the answer as a patch confined to
/// the EVOLVE-BLOCKs, and gives a failed answer one repair round that quotes its failures. Which model is
/// asked is learned from results (a Thompson bandit on improvement per dollar), and that record is what
/// `snapshot()` saves, so a resumed run picks the same models.
///
/// ```swift
/// let clients = endpoints.map { ChatClient(endpoint: $0, policy: policy) }
/// let proposer = await LLMProposer(clients: clients, configuration: configuration)
/// if let saved = storedState { try await proposer.restore(saved) }
/// let result = try await proposer.propose(context)      // a child, or .failed with the reason
/// await proposer.observe(ProposalFeedback(proposal: result.proposal, outcome: .evaluated, scoreChange: 0.02))
/// ```
///
/// Every call of a proposal (the first answer, a retry after a truncated answer, the repair round) adds
/// its tokens, cost and latency to the child's `Proposal`. `propose` throws only the client's errors
/// (endpoint down, budget spent, a refused request); a bad or empty answer is a `.failed` result.
public actor LLMProposer: Proposer {
    private let clients: [String: ChatClient]
    private let maxTokens: [String: Int]
    private let configuration: LLMProposerConfiguration
    private let builder: PromptBuilder
    private var bandit: ModelBandit
    private let logger: Logger
    /// The conversations that made the latest children, keyed by the child's files, so a child whose build
    /// fails is repaired by the model that wrote it with its own answer in view. Memory only and bounded
    /// (`rememberedConversations`, oldest dropped first): a child re-queued by a resumed run gets no repair.
    private var conversations: [[String: String]: (model: String, messages: [ChatMessage])] = [:]
    private var conversationOrder: [[String: String]] = []
    static let rememberedConversations = 32

    /// `clients`: one per model of the ensemble (their endpoints' model names must differ). Async only
    /// to read the clients' endpoints.
    public init(clients: [ChatClient], configuration: LLMProposerConfiguration = LLMProposerConfiguration(), logger: Logger = Logger(label: "evolve.proposer")) async {
        precondition(!clients.isEmpty, "an LLM proposer needs at least one client")
        var byModel: [String: ChatClient] = [:]
        var maxTokens: [String: Int] = [:]
        for client in clients {
            let endpoint = await client.endpoint
            byModel[endpoint.model] = client
            maxTokens[endpoint.model] = endpoint.maxTokens
        }
        self.clients = byModel
        self.maxTokens = maxTokens
        self.configuration = configuration
        builder = PromptBuilder(configuration: configuration.prompt, limits: configuration.limits)
        bandit = ModelBandit(weights: configuration.weights, costFloorUSD: configuration.costFloorUSD)
        self.logger = logger
    }

    public func propose(_ context: ProposalContext) async throws -> ProposalResult {
        var rng = SplitMix64(seed: context.seed)
        let parent = context.parent
        let mode: PromptMode
        var parents = [parent.id]
        if let second = context.secondParent {
            mode = .crossover
            parents.append(second.id)
        } else if rng.unit() < configuration.rewriteRate, let blocks = try? EvolveBlocks.parse(parent.files), !blocks.isEmpty {
            mode = .rewrite(block: blocks[rng.below(blocks.count)].label)
        } else {
            mode = .diff
        }
        let model = bandit.choose(among: Array(clients.keys), seed: rng.next())
        let client = clients[model]!
        var proposal = Proposal(model: model, mode: Self.name(mode))

        let prompt = builder.build(context, mode: mode)
        if !prompt.cuts.isEmpty { logger.debug("prompt for \(parent.id.prefix(8)) cut: \(prompt.cuts.joined(separator: "; "))") }
        var messages = [ChatMessage(.system, prompt.system), ChatMessage(.user, prompt.user)]

        let first: String
        switch try await answer(&messages, client: client, proposal: &proposal) {
        case .success(let text): first = text
        case .failure(let failure): return .failed(reason: failure.description, proposal: proposal)
        }
        let problem: PatchError
        do {
            return child(try Patch.apply(answer: first, to: parent.files, limits: configuration.limits), parents: parents, proposal: proposal,
                         conversation: messages + [ChatMessage(.assistant, first)])
        } catch {
            problem = error
        }

        // One repair round: the model sees its answer and every reason it failed.
        logger.info("answer from \(model) for \(parent.id.prefix(8)) did not apply (\(problem)); asking once more")
        messages += [ChatMessage(.assistant, first), ChatMessage(.user, builder.repair(problem))]
        let second: String
        switch try await answer(&messages, client: client, proposal: &proposal) {
        case .success(let text): second = text
        case .failure(let failure):
            proposal.summary = Patch.summary(of: first) ?? ""
            return .failed(reason: "the first answer did not apply (\(problem)); the repair: \(failure)", proposal: proposal)
        }
        do {
            return child(try Patch.apply(answer: second, to: parent.files, limits: configuration.limits), parents: parents, proposal: proposal,
                         conversation: messages + [ChatMessage(.assistant, second)])
        } catch {
            // Named by what it tried, so the next prompt's attempts say what not to repeat.
            proposal.summary = Patch.summary(of: second) ?? Patch.summary(of: first) ?? ""
            return .failed(reason: "no usable edit after one repair round: \(error)", proposal: proposal)
        }
    }

    /// The compile-repair round: the conversation that made the child, then the build's errors; the answer's
    /// edits apply to the child as it stands. One call (plus a retry if it is cut off), no further round.
    public func repairBuild(_ request: BuildRepairRequest) async throws -> ProposalResult? {
        guard let (model, conversation) = conversations.removeValue(forKey: request.files), let client = clients[model] else {
            logger.info("no conversation kept for a child of \(request.context.parent.id.prefix(8)) that did not build; no repair round")
            return nil
        }
        conversationOrder.removeAll { $0 == request.files }
        var proposal = Proposal(model: model, mode: "build-repair", summary: request.proposal.summary)
        var messages = conversation + [ChatMessage(.user, builder.buildRepair(headline: request.headline, errors: request.errors))]
        logger.info("child of \(request.context.parent.id.prefix(8)) from \(model) did not build; asking \(model) to repair it")
        let text: String
        switch try await answer(&messages, client: client, proposal: &proposal) {
        case .success(let answer): text = answer
        case .failure(let failure): return .failed(reason: "the compile-repair round: \(failure)", proposal: proposal)
        }
        do {
            let patched = try Patch.apply(answer: text, to: request.files, limits: configuration.limits)
            proposal.summary = patched.summary.isEmpty ? request.proposal.summary : patched.summary
            return .child(files: patched.files, parents: request.parents, proposal: proposal)
        } catch {
            proposal.summary = Patch.summary(of: text) ?? request.proposal.summary
            return .failed(reason: "no usable edit in the compile-repair round: \(error)", proposal: proposal)
        }
    }

    public func observe(_ feedback: ProposalFeedback) async {
        guard clients[feedback.proposal.model] != nil else { return }
        bandit.observe(model: feedback.proposal.model, costUSD: feedback.proposal.costUSD, scoreChange: feedback.scoreChange)
    }

    public func snapshot() async -> Data? {
        try? JSONEncoder().encode(bandit.record)
    }

    public func restore(_ snapshot: Data) async throws {
        do {
            bandit.record = try JSONDecoder().decode(ModelBandit.Record.self, from: snapshot)
        } catch {
            throw ProposerStateError(description: "the stored LLM proposer state is not readable (\(error)); delete it to start the model choice afresh")
        }
    }

    /// The bandit's record per model, for reports.
    public var modelRecord: [String: (proposals: Int, improvements: Int, costUSD: Double)] {
        bandit.record.arms.mapValues { ($0.proposals, $0.improvements, $0.costUSD) }
    }

    // MARK: - Calls

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// One usable answer: a truncated answer gets one retry asking for a shorter one; an empty answer is
    /// a failure. Each call's usage is added to `proposal`.
    private func answer(_ messages: inout [ChatMessage], client: ChatClient, proposal: inout Proposal) async throws -> Result<String, Failure> {
        let model = proposal.model
        var completion: Completion
        do {
            completion = try await call(messages, client: client, proposal: &proposal)
            if completion.isTruncated {
                logger.info("answer from \(model) cut off at \(maxTokens[model] ?? 0) tokens; asking for a shorter one")
                messages += [ChatMessage(.assistant, completion.text), ChatMessage(.user, builder.shorter(maxTokens: maxTokens[model]))]
                completion = try await call(messages, client: client, proposal: &proposal)
                if completion.isTruncated {
                    return .failure(Failure(description: "the answer from \(model) was cut off at the output limit (\(maxTokens[model] ?? 0) tokens) twice, the second time after asking for a shorter answer; raise max_tokens for this model"))
                }
            }
        } catch let error as LLMError {
            guard case .emptyAnswer = error else { throw error }
            proposal.calls += 1
            return .failure(Failure(description: error.description))
        }
        return .success(completion.text)
    }

    private func call(_ messages: [ChatMessage], client: ChatClient, proposal: inout Proposal) async throws -> Completion {
        let completion = try await client.complete(messages)
        proposal.add(Proposal(
            model: proposal.model, promptTokens: completion.usage.promptTokens, completionTokens: completion.usage.completionTokens,
            costUSD: completion.costUSD, calls: 1, latencySeconds: completion.latencySeconds, estimatedTokens: completion.usage.estimated))
        return completion
    }

    private func child(_ result: PatchResult, parents: [String], proposal: Proposal, conversation: [ChatMessage]) -> ProposalResult {
        var proposal = proposal
        proposal.summary = result.summary
        if conversations.updateValue((proposal.model, conversation), forKey: result.files) == nil { conversationOrder.append(result.files) }
        while conversationOrder.count > Self.rememberedConversations { conversations[conversationOrder.removeFirst()] = nil }
        return .child(files: result.files, parents: parents, proposal: proposal)
    }

    static func name(_ mode: PromptMode) -> String {
        switch mode {
        case .diff: "diff"
        case .rewrite: "rewrite"
        case .crossover: "crossover"
        }
    }
}

/// A proposer's stored state could not be restored.
public struct ProposerStateError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
