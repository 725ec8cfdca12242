import TestSupport
import EvolveCore
import Foundation
import LLMClient
import Testing
@testable import Proposers

/// Scripted answers, one per request, the last repeated.
final class Script: @unchecked Sendable {
    private let lock = NSLock()
    private var responses: [LoopbackHTTPServer.Response]
    init(_ responses: [LoopbackHTTPServer.Response]) { self.responses = responses }
    func next() -> LoopbackHTTPServer.Response {
        lock.withLock { responses.count > 1 ? responses.removeFirst() : responses[0] }
    }
}

enum LLMFixture {
    static let kernel = """
        import TRMKit

        // EVOLVE-BLOCK-START hyperparameters
        enum Hyper {
            static let hidden = 64
            static let n = 2
        }
        // EVOLVE-BLOCK-END

        @main struct Program { static func main() {} }

        // EVOLVE-BLOCK-START recursion
        func recurse(_ x: Int) -> Int {
            return x * Hyper.n
        }
        // EVOLVE-BLOCK-END

        """
    static let brief = "# Brief\nMake the recursion learn more per FLOP.\n"
    static let parent = Program(id: "parent-1234", files: ["kernel.swift": kernel, "BRIEF.md": brief], status: .evaluated,
                                metrics: Metrics(values: ["combined_score": 0.5], split: "validation"))

    static let good = """
        Summary: wider state
        kernel.swift
        <<<<<<< SEARCH
            static let hidden = 64
        =======
            static let hidden = 96
        >>>>>>> REPLACE
        """
    static let outside = """
        Summary: rename the entry point
        kernel.swift
        <<<<<<< SEARCH
        @main struct Program { static func main() {} }
        =======
        @main struct Main { static func main() {} }
        >>>>>>> REPLACE
        """
    static let unmatched = """
        Summary: deeper
        kernel.swift
        <<<<<<< SEARCH
            static let n = 3
        =======
            static let n = 4
        >>>>>>> REPLACE
        """

    /// An OpenAI chat completion carrying `text`.
    static func answer(_ text: String, prompt: Int? = 1000, completion: Int? = 200, finish: String = "stop") -> LoopbackHTTPServer.Response {
        var object: [String: Any] = [
            "id": "x", "object": "chat.completion",
            "choices": [["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": finish]],
        ]
        if let prompt, let completion { object["usage"] = ["prompt_tokens": prompt, "completion_tokens": completion] }
        return .json(200, String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    /// $2 per million prompt tokens, $8 per million completion tokens: 1000 + 200 tokens cost $0.0036.
    static func client(_ server: LoopbackHTTPServer, model: String = "tiny-a", promptPrice: Double = 2, completionPrice: Double = 8) -> ChatClient {
        var endpoint = Endpoint(baseURL: server.baseURL + "/v1", model: model)
        endpoint.promptPricePerMillion = promptPrice
        endpoint.completionPricePerMillion = completionPrice
        endpoint.maxTokens = 512
        var policy = RetryPolicy()
        policy.maxAttempts = 2
        policy.baseDelay = 0.01
        return ChatClient(endpoint: endpoint, policy: policy, environment: [:])
    }

    static func context(seed: UInt64 = 1, second: Program? = nil) -> ProposalContext {
        ProposalContext(parent: parent, parentArtifacts: ["build": "ok"], secondParent: second, brief: brief, iteration: 1, seed: seed)
    }

    static func configuration(rewriteRate: Double = 0) -> LLMProposerConfiguration {
        var configuration = LLMProposerConfiguration()
        configuration.rewriteRate = rewriteRate
        return configuration
    }

    /// The chat messages of a recorded request, as (role, content).
    static func messages(_ request: LoopbackHTTPServer.Request) throws -> [(role: String, content: String)] {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let messages = try #require(body["messages"] as? [[String: Any]])
        return messages.map { ($0["role"] as? String ?? "", $0["content"] as? String ?? "") }
    }

    static func model(_ request: LoopbackHTTPServer.Request) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["model"] as? String
    }
}

@Suite struct LLMProposerTests {
    @Test func aGoodDiffBecomesAChildWithItsCost() async throws {
        let server = try LoopbackHTTPServer { _ in LLMFixture.answer(LLMFixture.good) }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        let child = try Seeds.child(try await proposer.propose(LLMFixture.context()))
        #expect(child.files["kernel.swift"] == LLMFixture.kernel.replacingOccurrences(of: "hidden = 64", with: "hidden = 96"))
        #expect(child.files["BRIEF.md"] == LLMFixture.brief)
        #expect(child.parents == ["parent-1234"])
        let p = child.proposal
        #expect(p.model == "tiny-a" && p.mode == "diff" && p.calls == 1 && p.summary == "wider state")
        #expect(p.promptTokens == 1000 && p.completionTokens == 200 && !p.estimatedTokens)
        #expect(abs(p.costUSD - 0.0036) < 1e-12)
        #expect(p.latencySeconds > 0)

        let messages = try LLMFixture.messages(try #require(server.requests.first))
        #expect(messages.map(\.role) == ["system", "user"])
        #expect(messages[0].content.hasPrefix("# Brief\nMake the recursion learn more per FLOP.") && messages[0].content.contains("<<<<<<< SEARCH"))
        #expect(messages[1].content.contains("    static let hidden = 64") && messages[1].content.contains("<<<PROGRAM OUTPUT"))
    }

    @Test func anEditOutsideABlockIsRejectedAndItsReasonIsInTheRepairPrompt() async throws {
        let script = Script([LLMFixture.answer(LLMFixture.outside), LLMFixture.answer(LLMFixture.outside)])
        let server = try LoopbackHTTPServer { _ in script.next() }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        let result = try await proposer.propose(LLMFixture.context())
        guard case .failed(let reason, let proposal) = result else { Issue.record("an edit outside the blocks made a child"); return }
        #expect(reason.hasPrefix("no usable edit after one repair round: ") && reason.contains("outside every EVOLVE-BLOCK"))
        #expect(proposal.calls == 2 && proposal.promptTokens == 2000 && abs(proposal.costUSD - 0.0072) < 1e-12)
        #expect(proposal.summary == "rename the entry point", "a failed attempt is named by what it tried")

        #expect(server.requests.count == 2)
        let repair = try LLMFixture.messages(server.requests[1])
        #expect(repair.map(\.role) == ["system", "user", "assistant", "user"])
        #expect(repair[2].content == LLMFixture.outside)
        #expect(repair[3].content.contains("edit 1 (kernel.swift): changes lines 10–10"))
        #expect(repair[3].content.contains("outside every EVOLVE-BLOCK"))
    }

    @Test func anUnmatchedSearchIsRepairedInOneRound() async throws {
        let script = Script([LLMFixture.answer(LLMFixture.unmatched), LLMFixture.answer(LLMFixture.good, prompt: 1500, completion: 100)])
        let server = try LoopbackHTTPServer { _ in script.next() }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        let child = try Seeds.child(try await proposer.propose(LLMFixture.context()))
        #expect(child.files["kernel.swift"]!.contains("static let hidden = 96"))
        // Both calls are paid for by the child.
        #expect(child.proposal.calls == 2)
        #expect(child.proposal.promptTokens == 2500 && child.proposal.completionTokens == 300)
        #expect(abs(child.proposal.costUSD - (2500 * 2 + 300 * 8) / 1e6) < 1e-12)
        let repair = try LLMFixture.messages(server.requests[1])
        #expect(repair[3].content.contains("SEARCH line 1 `static let n = 3` appears nowhere"))
    }

    @Test func tokensAServerDidNotReportAreEstimatedAndMarked() async throws {
        let server = try LoopbackHTTPServer { _ in LLMFixture.answer(LLMFixture.good, prompt: nil, completion: nil) }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        let child = try Seeds.child(try await proposer.propose(LLMFixture.context()))
        #expect(child.proposal.estimatedTokens && child.proposal.promptTokens > 100 && child.proposal.completionTokens > 10)
        #expect(child.proposal.costUSD > 0)
    }

    @Test func aTruncatedAnswerIsRetriedOnceAskingForLess() async throws {
        let half = String(LLMFixture.good.prefix(60))
        let script = Script([LLMFixture.answer(half, finish: "length"), LLMFixture.answer(LLMFixture.good)])
        let server = try LoopbackHTTPServer { _ in script.next() }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        let child = try Seeds.child(try await proposer.propose(LLMFixture.context()))
        #expect(child.proposal.calls == 2 && child.files["kernel.swift"]!.contains("hidden = 96"))
        let retry = try LLMFixture.messages(server.requests[1])
        #expect(retry.map(\.role) == ["system", "user", "assistant", "user"])
        #expect(retry[3].content.contains("cut off at the output limit (512 tokens)") && retry[3].content.contains("shorter answer"))
    }

    @Test func anAnswerCutOffTwiceIsARecordedFailure() async throws {
        let server = try LoopbackHTTPServer { _ in LLMFixture.answer(String(LLMFixture.good.prefix(60)), finish: "length") }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        let result = try await proposer.propose(LLMFixture.context())
        guard case .failed(let reason, let proposal) = result else { Issue.record("a truncated answer made a child"); return }
        #expect(reason.contains("cut off at the output limit (512 tokens) twice") && reason.contains("raise max_tokens"))
        #expect(proposal.calls == 2 && proposal.completionTokens == 400)
    }

    @Test func anEmptyAnswerIsAFailureWithAReason() async throws {
        let server = try LoopbackHTTPServer { _ in LLMFixture.answer("  \n") }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        let result = try await proposer.propose(LLMFixture.context())
        guard case .failed(let reason, let proposal) = result else { Issue.record("an empty answer made a child"); return }
        #expect(reason.contains("empty answer") && reason.contains("tiny-a"))
        #expect(proposal.calls == 1)
        #expect(server.requests.count == 1, "an empty answer is not sent back for repair")
    }

    @Test func anEndpointThatCannotAnswerThrows() async throws {
        let server = try LoopbackHTTPServer { _ in .json(503, #"{"error":{"message":"overloaded"}}"#) }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        await #expect(throws: LLMError.self) { try await proposer.propose(LLMFixture.context()) }
    }

    @Test func crossoverShowsBothParentsAndTheChildRecordsBoth() async throws {
        let server = try LoopbackHTTPServer { _ in LLMFixture.answer(LLMFixture.good) }
        defer { server.stop() }
        var second = LLMFixture.parent
        second.id = "second-5678"
        second.files["kernel.swift"] = LLMFixture.kernel.replacingOccurrences(of: "return x * Hyper.n", with: "return x + Hyper.n")
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        let child = try Seeds.child(try await proposer.propose(LLMFixture.context(second: second)))
        #expect(child.parents == ["parent-1234", "second-5678"] && child.proposal.mode == "crossover")
        let user = try LLMFixture.messages(server.requests[0])[1].content
        #expect(user.contains("# Second parent (id second-5)") && user.contains("return x + Hyper.n"))
    }

    @Test func aRewriteReplacesTheNamedBlock() async throws {
        let rewrite = "Summary: recurse twice\n```swift\n// EVOLVE-BLOCK-START recursion\nfunc recurse(_ x: Int) -> Int {\n    return recurse2(x)\n}\nfunc recurse2(_ x: Int) -> Int { x * Hyper.n * Hyper.n }\n// EVOLVE-BLOCK-END\n```\n"
        let server = try LoopbackHTTPServer { _ in LLMFixture.answer(rewrite) }
        defer { server.stop() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration(rewriteRate: 1))
        let child = try Seeds.child(try await proposer.propose(LLMFixture.context()))
        #expect(child.proposal.mode == "rewrite" && child.proposal.summary == "recurse twice")
        #expect(child.files["kernel.swift"]!.contains("func recurse2(_ x: Int) -> Int { x * Hyper.n * Hyper.n }\n// EVOLVE-BLOCK-END"))
        let user = try LLMFixture.messages(server.requests[0])[1].content
        #expect(user.contains("Rewrite the block `"))
    }

    @Test func theModelChoiceLearnsImprovementPerDollarAndSurvivesAResume() async throws {
        let server = try LoopbackHTTPServer { _ in LLMFixture.answer(LLMFixture.good) }
        defer { server.stop() }
        let clients = [LLMFixture.client(server, model: "cheap", promptPrice: 0.5, completionPrice: 1),
                       LLMFixture.client(server, model: "dear", promptPrice: 20, completionPrice: 60)]
        let proposer = await LLMProposer(clients: clients, configuration: LLMFixture.configuration())

        // Untrained, both models are tried.
        var first: [String] = []
        for seed in UInt64(1)...16 { first.append(try await proposer.propose(LLMFixture.context(seed: seed)).proposal.model) }
        #expect(Set(first) == ["cheap", "dear"], "\(first)")

        for _ in 0..<15 {
            await proposer.observe(ProposalFeedback(proposal: Proposal(model: "cheap", costUSD: 0.001), outcome: .evaluated, scoreChange: 0.02))
            await proposer.observe(ProposalFeedback(proposal: Proposal(model: "dear", costUSD: 0.03), outcome: .evaluated, scoreChange: -0.01))
        }
        await proposer.observe(ProposalFeedback(proposal: Proposal(model: "dear", costUSD: 0.03), outcome: .buildFailed, scoreChange: nil))
        var trained: [String] = []
        for seed in UInt64(100)...119 { trained.append(try await proposer.propose(LLMFixture.context(seed: seed)).proposal.model) }
        #expect(trained.filter { $0 == "cheap" }.count >= 18, "\(trained)")

        // A resumed run restores the record and picks the same models for the same seeds.
        let saved = try #require(await proposer.snapshot())
        let resumed = await LLMProposer(clients: clients, configuration: LLMFixture.configuration())
        try await resumed.restore(saved)
        var again: [String] = []
        for seed in UInt64(100)...119 { again.append(try await resumed.propose(LLMFixture.context(seed: seed)).proposal.model) }
        #expect(again == trained)
        let record = await resumed.modelRecord
        #expect(record["dear"]?.proposals == 16 && record["cheap"]?.improvements == 15)
        await #expect(throws: ProposerStateError.self) { try await resumed.restore(Data("not json".utf8)) }
    }
}

@Suite struct ModelBanditTests {
    @Test func aBetterModelPerDollarWinsMostDrawsAndAnUntriedModelIsStillExplored() {
        var bandit = ModelBandit()
        for _ in 0..<30 {
            bandit.observe(model: "a", costUSD: 0.01, scoreChange: 0.01)
            bandit.observe(model: "b", costUSD: 0.01, scoreChange: 0)
        }
        let picks = (UInt64(1)...200).map { bandit.choose(among: ["a", "b", "new"], seed: $0) }
        #expect(picks.filter { $0 == "a" }.count > 100)
        #expect(picks.contains("new"))
        #expect(picks.filter { $0 == "b" }.count < picks.filter { $0 == "new" }.count)
        #expect(picks == (UInt64(1)...200).map { bandit.choose(among: ["new", "b", "a"], seed: $0) }, "order of the model list must not matter")
    }

    @Test func aCheaperModelWithTheSameGainIsPreferred() {
        var bandit = ModelBandit()
        for _ in 0..<20 {
            bandit.observe(model: "cheap", costUSD: 0.001, scoreChange: 0.01)
            bandit.observe(model: "dear", costUSD: 0.01, scoreChange: 0.01)
        }
        let picks = (UInt64(1)...100).map { bandit.choose(among: ["cheap", "dear"], seed: $0) }
        #expect(picks.filter { $0 == "cheap" }.count > 90)
        bandit.weights = ["dear": 100]
        let weighted = (UInt64(1)...100).map { bandit.choose(among: ["cheap", "dear"], seed: $0) }
        #expect(weighted.filter { $0 == "dear" }.count > 50, "a configured weight is a prior preference")
    }
}
