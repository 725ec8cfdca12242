import TestSupport
import Foundation
import Logging
import Testing
@testable import LLMClient

/// Scripted answers, one per request, the last repeated.
final class Script: @unchecked Sendable {
    private let lock = NSLock()
    private var responses: [LoopbackHTTPServer.Response]
    init(_ responses: [LoopbackHTTPServer.Response]) { self.responses = responses }
    func next() -> LoopbackHTTPServer.Response {
        lock.withLock { responses.count > 1 ? responses.removeFirst() : responses[0] }
    }
}

/// Collects every log line, so a test can grep them for the key.
final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
    func append(_ line: String) { lock.withLock { lines.append(line) } }

    struct Handler: LogHandler {
        let sink: LogSink
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            sink.append("\(event.level) \(event.message)")
        }
    }
    var logger: Logger { Logger(label: "test") { _ in Handler(sink: self) } }
}

@Suite struct ChatClientTests {
    static let key = "sk-test-SECRET-9f8e7d"
    let environment = ["TEST_LLM_KEY": ChatClientTests.key]
    let messages = [ChatMessage(.system, "You evolve kernels."), ChatMessage(.user, "Make it faster.")]

    static func openAIAnswer(_ text: String, prompt: Int? = 12, completion: Int? = 5) -> LoopbackHTTPServer.Response {
        let usage = prompt.map { #","usage":{"prompt_tokens":\#($0),"completion_tokens":\#(completion ?? 0)}"# } ?? ""
        return .json(200, #"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"\#(text)"}}]\#(usage)}"#)
    }

    func client(_ server: LoopbackHTTPServer, api: Endpoint.API = .openAI, mode: ChatClient.Mode = .live,
                _ change: (inout Endpoint, inout RetryPolicy) -> Void = { _, _ in }) -> (ChatClient, LogSink) {
        var endpoint = Endpoint(api: api, baseURL: server.baseURL + "/v1", model: "tiny-model", apiKeyEnv: "TEST_LLM_KEY")
        endpoint.promptPricePerMillion = 1000
        endpoint.completionPricePerMillion = 2000
        var policy = RetryPolicy()
        policy.baseDelay = 0.05
        policy.maxAttempts = 4
        change(&endpoint, &policy)
        let sink = LogSink()
        return (ChatClient(endpoint: endpoint, policy: policy, mode: mode, environment: environment, logger: sink.logger), sink)
    }

    @Test func successCarriesTextUsageCostAndTheRequestIsWellFormed() async throws {
        let server = try LoopbackHTTPServer { _ in Self.openAIAnswer("faster kernel") }
        defer { server.stop() }
        let (chat, _) = client(server)
        let answer = try await chat.complete(messages)
        #expect(answer.text == "faster kernel")
        #expect(answer.usage == Usage(promptTokens: 12, completionTokens: 5, estimated: false))
        #expect(abs(answer.costUSD - (12 * 1000 + 5 * 2000) / 1e6) < 1e-12)
        let request = try #require(server.requests.first)
        #expect(request.path == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer \(Self.key)")
        let body = try JSONSerialization.jsonObject(with: Data(request.body)) as! [String: Any]
        #expect(body["model"] as? String == "tiny-model" && body["max_tokens"] as? Int == 4096 && body["temperature"] != nil)
        #expect(await chat.totals.calls == 1)
    }

    @Test func reasoningModelsTakeMaxCompletionTokensAndNoTemperature() async throws {
        let server = try LoopbackHTTPServer { _ in Self.openAIAnswer("ok") }
        defer { server.stop() }
        let (chat, _) = client(server) { e, _ in e.reasoning = true }
        _ = try await chat.complete(messages)
        let body = try JSONSerialization.jsonObject(with: Data(server.requests[0].body)) as! [String: Any]
        #expect(body["max_completion_tokens"] as? Int == 4096 && body["max_tokens"] == nil && body["temperature"] == nil)
    }

    @Test func rateLimitedThenSuccessWaitsAsTold() async throws {
        let script = Script([.json(429, #"{"error":{"message":"slow down"}}"#, headers: [("Retry-After", "1")]), Self.openAIAnswer("ok")])
        let server = try LoopbackHTTPServer { _ in script.next() }
        defer { server.stop() }
        let (chat, _) = client(server)
        let start = Date()
        let answer = try await chat.complete(messages)
        #expect(answer.text == "ok" && answer.attempts == 2)
        #expect(Date().timeIntervalSince(start) >= 1.0)
    }

    @Test func serverErrorsAreRetriedAndMalformedJSONToo() async throws {
        let script = Script([.json(500, "{}"), .json(500, "{}"), Self.openAIAnswer("third time")])
        let server = try LoopbackHTTPServer { _ in script.next() }
        defer { server.stop() }
        let (chat, _) = client(server)
        let answer = try await chat.complete(messages)
        #expect(answer.text == "third time" && answer.attempts == 3)

        let broken = try LoopbackHTTPServer { _ in .json(200, #"{"choices":[{"message":{"content":"trunc"#) }
        defer { broken.stop() }
        let (chat2, _) = client(broken) { _, p in p.maxAttempts = 2 }
        await #expect(throws: LLMError.self) { try await chat2.complete(messages) }
        #expect(broken.requests.count == 2)
    }

    @Test func aResponseThatNeverFinishesHitsTheTotalTimeout() async throws {
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Response(status: 200, delay: 20) }
        defer { server.stop() }
        let (chat, _) = client(server) { e, p in e.totalTimeout = 0.5; p.maxAttempts = 1 }
        do {
            _ = try await chat.complete(messages)
            Issue.record("a 20 s answer arrived inside a 0.5 s timeout")
        } catch let error as LLMError {
            #expect(error.description.contains("timed out") || error.description.contains("Timeout"), "\(error)")
        }
        #expect(try #require(await server.firstHangUp()) < 10)
    }

    @Test func connectionRefusedOpensTheBreakerAfterKFailures() async throws {
        let closed = try LoopbackHTTPServer { _ in .json(200, "{}") }
        closed.stop()
        var endpoint = Endpoint(baseURL: closed.baseURL + "/v1", model: "m")
        endpoint.connectTimeout = 1
        var policy = RetryPolicy()
        policy.maxAttempts = 1
        policy.breakerThreshold = 3
        let chat = ChatClient(endpoint: endpoint, policy: policy)
        for _ in 0..<3 {
            await #expect(throws: LLMError.self) { try await chat.complete(messages) }
        }
        #expect(await chat.isEndpointDown)
        do {
            _ = try await chat.complete(messages)
            Issue.record("the breaker let a call through")
        } catch let error as LLMError {
            guard case .endpointDown(_, let failures, _) = error else { Issue.record("expected endpointDown, got \(error)"); return }
            #expect(failures == 3)
            #expect(error.description.hasPrefix("endpoint down:"))
        }
    }

    @Test func unauthorizedIsOneClearErrorWithoutRetry() async throws {
        let server = try LoopbackHTTPServer { _ in .json(401, #"{"error":{"message":"invalid api key"}}"#) }
        defer { server.stop() }
        let (chat, sink) = client(server)
        do {
            _ = try await chat.complete(messages)
            Issue.record("401 succeeded")
        } catch let error as LLMError {
            #expect(error == .rejected(host: server.baseURL, status: 401, message: "invalid api key"))
            #expect(!error.description.contains(Self.key))
        }
        #expect(server.requests.count == 1)
        #expect(!sink.text.contains(Self.key))
    }

    @Test func anthropicFormatSuccess() async throws {
        let server = try LoopbackHTTPServer { _ in
            .json(200, #"{"id":"m","type":"message","content":[{"type":"text","text":"hello "},{"type":"text","text":"there"}],"usage":{"input_tokens":7,"output_tokens":3}}"#)
        }
        defer { server.stop() }
        let (chat, _) = client(server, api: .anthropic)
        let answer = try await chat.complete(messages)
        #expect(answer.text == "hello there")
        #expect(answer.usage == Usage(promptTokens: 7, completionTokens: 3, estimated: false))
        let request = server.requests[0]
        #expect(request.path == "/v1/messages")
        #expect(request.headers["x-api-key"] == Self.key && request.headers["anthropic-version"] != nil)
        let body = try JSONSerialization.jsonObject(with: Data(request.body)) as! [String: Any]
        #expect(body["system"] as? String == "You evolve kernels.")
        #expect((body["messages"] as? [[String: String]])?.count == 1)
    }

    @Test func missingUsageIsEstimatedAndMarked() async throws {
        let server = try LoopbackHTTPServer { _ in Self.openAIAnswer("twelve chars", prompt: nil) }
        defer { server.stop() }
        let (chat, _) = client(server)
        let answer = try await chat.complete(messages)
        #expect(answer.usage.estimated && answer.usage.completionTokens == 3)
    }

    @Test func theBudgetRefusesFurtherCallsOnceSpent() async throws {
        let server = try LoopbackHTTPServer { _ in Self.openAIAnswer("ok", prompt: 1000, completion: 0) }
        defer { server.stop() }
        let (chat, _) = client(server) { _, p in p.budgetUSD = 1.5 }  // each call costs $1
        _ = try await chat.complete(messages)
        _ = try await chat.complete(messages)
        await #expect(throws: LLMError.budgetExhausted(spentUSD: 2, budgetUSD: 1.5)) { try await chat.complete(messages) }
        #expect(server.requests.count == 2)
    }

    @Test func replayOfARecordedSessionIsByteIdenticalWithoutAServerAndHoldsNoKey() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-record-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let answers = Script([Self.openAIAnswer("first \\u00e9"), Self.openAIAnswer("second")])
        let server = try LoopbackHTTPServer { _ in answers.next() }
        let (recorder, sink) = client(server, mode: .record(file))
        let first = try await recorder.complete(messages)
        let second = try await recorder.complete(messages + [ChatMessage(.user, "again")])
        server.stop()
        let recorded = try String(contentsOf: file, encoding: .utf8)
        #expect(!recorded.contains(Self.key) && !sink.text.contains(Self.key))

        let (player, _) = client(server, mode: .replay(file))
        let again = try await player.complete(messages)
        let againSecond = try await player.complete(messages + [ChatMessage(.user, "again")])
        #expect(again.text == first.text && Array(again.text.utf8) == Array(first.text.utf8))
        #expect(againSecond.text == second.text)
        await #expect(throws: LLMError.noRecording(model: "tiny-model")) { try await player.complete([ChatMessage(.user, "new")]) }
    }

    /// A remote host without its key fails before anything is sent (the host does not resolve, so a
    /// request would show up as a transport error instead).
    @Test func aMissingKeyVariableForARemoteHostIsNamedWithoutCallingTheServer() async throws {
        let chat = ChatClient(endpoint: Endpoint(baseURL: "https://llm.example.invalid/v1", model: "m", apiKeyEnv: "NOT_SET_ANYWHERE"), environment: [:])
        let expected = LLMError.misconfigured(.missingAPIKey(variable: "NOT_SET_ANYWHERE", host: "https://llm.example.invalid"))
        await #expect(throws: expected) { try await chat.complete(messages) }
        #expect(expected.description.contains("NOT_SET_ANYWHERE") && expected.description.contains("EVOLVE_LLM_API_KEY_ENV=\"\""))
    }

    @Test func endpointFromEnvironmentNeverHoldsTheKey() throws {
        let e = try #require(try Endpoint.fromEnvironment(["EVOLVE_LLM_BASE_URL": "https://api.openai.com/v1", "EVOLVE_LLM_MODEL": "q", "OPENAI_API_KEY": Self.key]))
        #expect(e.apiKeyEnv == "OPENAI_API_KEY" && e.model == "q")
        let encoded = String(decoding: try JSONEncoder().encode(e), as: UTF8.self)
        #expect(!encoded.contains(Self.key))
        #expect(try Endpoint.fromEnvironment([:]) == nil)
    }

    static let openAIStream = """
        data: {"choices":[{"delta":{"role":"assistant"}}]}

        data: {"choices":[{"delta":{"content":"stream"}}]}

        data: {"choices":[{"delta":{"content":"ed answer"}}]}

        data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2}}

        data: [DONE]

        """

    @Test func streamingSuccessReassemblesTheAnswer() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, headers: [("Content-Type", "text/event-stream")], body: Array(Self.openAIStream.utf8))
        }
        defer { server.stop() }
        let (chat, _) = client(server) { e, _ in e.stream = true }
        let answer = try await chat.complete(messages)
        #expect(answer.text == "streamed answer")
        #expect(answer.usage == Usage(promptTokens: 9, completionTokens: 2, estimated: false))
        let body = try JSONSerialization.jsonObject(with: Data(server.requests[0].body)) as! [String: Any]
        #expect(body["stream"] as? Bool == true)

        let anthropic = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, body: Array("""
                event: message_start
                data: {"type":"message_start","message":{"usage":{"input_tokens":4}}}
                data: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi "}}
                data: {"type":"content_block_delta","delta":{"type":"text_delta","text":"you"}}
                data: {"type":"message_delta","usage":{"output_tokens":2}}
                data: {"type":"message_stop"}

                """.utf8))
        }
        defer { anthropic.stop() }
        let (claude, _) = client(anthropic, api: .anthropic) { e, _ in e.stream = true }
        let reply = try await claude.complete(messages)
        #expect(reply.text == "Hi you" && reply.usage == Usage(promptTokens: 4, completionTokens: 2, estimated: false))
    }

    @Test func aStalledStreamIsAbandonedAtTheIdleTimeoutNotTheTotal() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, body: Array(Self.openAIStream.utf8), stallAfterBytes: 60, stallSeconds: 20)
        }
        defer { server.stop() }
        let (chat, _) = client(server) { e, p in e.stream = true; e.idleTimeout = 1; e.totalTimeout = 60; p.maxAttempts = 1 }
        await #expect(throws: LLMError.self) { try await chat.complete(messages) }
        #expect(try #require(await server.firstHangUp()) < 4)
    }

    @Test func aStreamCutBeforeItsEndMarkerIsRetried() async throws {
        let cut = String(Self.openAIStream.prefix(120))
        let script = Script([LoopbackHTTPServer.Response(status: 200, body: Array(cut.utf8)),
                             LoopbackHTTPServer.Response(status: 200, body: Array(Self.openAIStream.utf8))])
        let server = try LoopbackHTTPServer { _ in script.next() }
        defer { server.stop() }
        let (chat, _) = client(server) { e, _ in e.stream = true }
        let answer = try await chat.complete(messages)
        #expect(answer.text == "streamed answer" && answer.attempts == 2)
    }
}
