import TestSupport
import Foundation
import Testing
@testable import LLMClient

/// Issue 18, case 1: a truncated answer must say so, plain and streamed, in both APIs.
@Suite struct FinishReasonTests {
    let messages = [ChatMessage(.user, "Write the patch.")]

    func answer(_ server: LoopbackHTTPServer, api: Endpoint.API = .openAI, stream: Bool = false) async throws -> Completion {
        var endpoint = Endpoint(api: api, baseURL: server.baseURL + "/v1", model: "m")
        endpoint.stream = stream
        var policy = RetryPolicy()
        policy.maxAttempts = 1
        return try await ChatClient(endpoint: endpoint, policy: policy, environment: [:]).complete(messages)
    }

    @Test(arguments: [("length", FinishReason.length), ("stop", .stop), ("content_filter", .contentFilter), ("tool_calls", .other("tool_calls"))])
    func openAIPlainFinishReason(_ value: String, _ expected: FinishReason) async throws {
        let server = try LoopbackHTTPServer { _ in
            .json(200, #"{"choices":[{"index":0,"message":{"role":"assistant","content":"<<<<<<< SEARCH\nx = 1"},"finish_reason":"\#(value)"}],"usage":{"prompt_tokens":3,"completion_tokens":8}}"#)
        }
        defer { server.stop() }
        let completion = try await answer(server)
        #expect(completion.finishReason == expected)
        #expect(completion.isTruncated == (expected == .length))
    }

    @Test func anthropicPlainMaxTokensIsLengthAndEndTurnIsStop() async throws {
        let script = Script([
            .json(200, #"{"content":[{"type":"text","text":"half a di"}],"stop_reason":"max_tokens","usage":{"input_tokens":5,"output_tokens":4}}"#),
            .json(200, #"{"content":[{"type":"text","text":"whole"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":1}}"#),
        ])
        let server = try LoopbackHTTPServer { _ in script.next() }
        defer { server.stop() }
        let cut = try await answer(server, api: .anthropic)
        #expect(cut.finishReason == .length && cut.isTruncated)
        let whole = try await answer(server, api: .anthropic)
        #expect(whole.finishReason == .stop && !whole.isTruncated)
    }

    @Test func openAIStreamedFinishReasonComesFromTheLastContentChunk() async throws {
        let stream = """
            data: {"choices":[{"index":0,"delta":{"content":"half "},"finish_reason":null}]}

            data: {"choices":[{"index":0,"delta":{"content":"a diff"},"finish_reason":"length"}]}

            data: [DONE]


            """
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Response(status: 200, body: Array(stream.utf8)) }
        defer { server.stop() }
        let completion = try await answer(server, stream: true)
        #expect(completion.text == "half a diff" && completion.finishReason == .length && completion.isTruncated)
    }

    @Test func anthropicStreamedStopReasonComesFromMessageDelta() async throws {
        let stream = """
            event: message_start
            data: {"type":"message_start","message":{"usage":{"input_tokens":6,"output_tokens":1}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"cut"}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":1}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Response(status: 200, body: Array(stream.utf8)) }
        defer { server.stop() }
        let completion = try await answer(server, api: .anthropic, stream: true)
        #expect(completion.text == "cut" && completion.finishReason == .length)
        #expect(completion.usage == Usage(promptTokens: 6, completionTokens: 1, estimated: false))
    }

    @Test func aServerThatGivesNoReasonLeavesItNil() async throws {
        let server = try LoopbackHTTPServer { _ in ChatClientTests.openAIAnswer("fine") }
        defer { server.stop() }
        let completion = try await answer(server)
        #expect(completion.finishReason == nil && !completion.isTruncated)
    }

    @Test func finishReasonsEncodeAsTheOpenAISpelling() throws {
        let reasons: [FinishReason] = [.stop, .length, .contentFilter, .other("pause_turn")]
        let encoded = String(decoding: try JSONEncoder().encode(reasons), as: UTF8.self)
        #expect(encoded == #"["stop","length","content_filter","pause_turn"]"#)
        #expect(try JSONDecoder().decode([FinishReason].self, from: Data(encoded.utf8)) == reasons)
        #expect(FinishReason(serverValue: "max_tokens") == .length && FinishReason(serverValue: "stop_sequence") == .stop)
    }
}
