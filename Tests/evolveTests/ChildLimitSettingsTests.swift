import EvolveCore
import Foundation
import Proposers
import Testing
import TestSupport
@testable import evolve

/// `max_file_bytes` and the `prompt:` section of `evolve.yaml`: read and checked, and carried by
/// `RunSetup.proposer` into the proposer the run uses (the LLM proposer's prompt builder and patch check,
/// the offline mutator's child check).
@Suite struct ChildLimitSettingsTests {
    static let kernel = """
        import TRMKit

        // EVOLVE-BLOCK-START hyperparameters
        enum Hyper {
            static let hidden = 64
        }
        // EVOLVE-BLOCK-END

        @main struct Program { static func main() {} }

        """
    static let parent = Program(id: "parent-1234", files: ["kernel.swift": kernel], status: .evaluated,
                                metrics: Metrics(values: ["combined_score": 0.5], split: "validation"))
    static let goodDiff = """
        Summary: wider state
        kernel.swift
        <<<<<<< SEARCH
            static let hidden = 64
        =======
            static let hidden = 96
        >>>>>>> REPLACE
        """

    /// An OpenAI chat completion carrying `text`.
    static func answer(_ text: String) -> LoopbackHTTPServer.Response {
        let object: [String: Any] = [
            "id": "x", "object": "chat.completion",
            "choices": [["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 100, "completion_tokens": 20],
        ]
        return .json(200, String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    /// The proposer `evolve run` would build from `config` (the offline mutator unless it names an endpoint).
    static func proposer(_ config: String) async throws -> any Proposer {
        let settings = try RunSettings.parse(config, path: "evolve.yaml")
        let manifest = RunManifest(
            name: "limits", seed: "/nonexistent", configFile: "evolve.yaml", configText: config, created: Date(),
            overrides: .init())
        return try await RunSetup.proposer(settings, manifest: manifest, seeds: [parent]) { _ in }
    }

    /// A context whose prompt is long: a build log of many lines beside the parent.
    static var context: ProposalContext {
        ProposalContext(
            parent: parent, parentArtifacts: ["build": String(repeating: "warning: something long happened here\n", count: 200)],
            brief: "# Brief\nWiden the state.\n", iteration: 1, seed: 7)
    }

    static func userMessage(_ request: LoopbackHTTPServer.Request) throws -> String {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let messages = try #require(body["messages"] as? [[String: Any]])
        return try #require(messages.last?["content"] as? String)
    }

    @Test func theKeysAreReadAndCheckedAndOpenEvolvesPromptKeysAccepted() throws {
        let text = """
            max_file_bytes: 2048
            prompt:
              token_budget: 900
              num_top_programs: 1
              num_diverse_programs: 2
              system_message: "You are an expert coder."
            """
        let settings = try RunSettings.parse(text, path: "evolve.yaml")
        #expect(settings.limits.maxFileBytes == 2048)
        #expect(settings.prompt.tokenBudget == 900 && settings.prompt.topPrograms == 1)
        let nested = try RunSettings.parse("evolution:\n  max_file_bytes: 4096\n", path: "evolve.yaml")
        #expect(nested.limits.maxFileBytes == 4096)
        let defaults = try RunSettings.parse("max_iterations: 1\n", path: "evolve.yaml")
        #expect(defaults.limits == PatchLimits() && defaults.prompt == PromptConfiguration())

        #expect(throws: RunSettings.Failure.self) { try RunSettings.parse("max_file_bytes: 0\n", path: "evolve.yaml") }
        #expect(throws: RunSettings.Failure.self) { try RunSettings.parse("prompt:\n  token_budget: 0\n", path: "evolve.yaml") }
        do {
            _ = try RunSettings.parse("prompt:\n  token_budjet: 900\n", path: "evolve.yaml")
            Issue.record("a misspelled prompt key was accepted")
        } catch {
            #expect("\(error)".contains("did you mean prompt.token_budget?"), "\(error)")
        }
    }

    @Test func theConfiguredTokenBudgetCutsTheLLMPrompt() async throws {
        let server = try LoopbackHTTPServer { _ in Self.answer(Self.goodDiff) }
        defer { server.stop() }
        let llm = "llm:\n  api_base: \(server.baseURL)/v1\n  models:\n    - {name: tiny-a, weight: 1}\n"

        let roomy = try await Self.proposer(llm)
        _ = try await roomy.propose(Self.context)
        let full = try Self.userMessage(try #require(server.requests.last))
        #expect(!full.contains("Left out to fit the prompt budget"), "the default budget must not need cutting")

        let tight = try await Self.proposer(llm + "prompt:\n  token_budget: 400\n")
        _ = try await tight.propose(Self.context)
        let cut = try Self.userMessage(try #require(server.requests.last))
        #expect(server.requests.count == 2)
        #expect(cut.contains("Left out to fit the prompt budget"), "the configured budget did not reach the prompt builder")
        #expect(cut.count < full.count)
        #expect(cut.contains("static let hidden = 64"), "the parent's block must stay")
    }

    @Test func aConfiguredFileLimitRejectsAnLLMChildOverIt() async throws {
        let server = try LoopbackHTTPServer { _ in Self.answer(Self.goodDiff) }
        defer { server.stop() }
        let llm = "llm:\n  api_base: \(server.baseURL)/v1\n  models:\n    - {name: tiny-a, weight: 1}\n"
        let size = Self.kernel.utf8.count

        guard case .child = try await Self.proposer(llm + "max_file_bytes: \(size + 10)\n").propose(Self.context) else {
            Issue.record("a child under the limit was rejected")
            return
        }
        let result = try await Self.proposer(llm + "max_file_bytes: \(size - 10)\n").propose(Self.context)
        guard case .failed(let reason, _) = result else {
            Issue.record("a child over the configured limit was accepted: \(result)")
            return
        }
        #expect(reason.contains("over the \(size - 10)-byte limit per file"), "\(reason)")
    }

    @Test func aConfiguredFileLimitRejectsAnOfflineChildOverIt() async throws {
        let size = Self.kernel.utf8.count
        let offline = try await Self.proposer("max_file_bytes: \(size + 10)\n")
        guard case .child = try await offline.propose(Self.context) else {
            Issue.record("the offline mutator's child under the limit was rejected")
            return
        }
        let result = try await Self.proposer("max_file_bytes: \(size - 10)\n").propose(Self.context)
        guard case .failed(let reason, _) = result else {
            Issue.record("the offline mutator's child over the configured limit was accepted: \(result)")
            return
        }
        #expect(reason.contains("over the \(size - 10)-byte limit per file"), "\(reason)")
    }
}
