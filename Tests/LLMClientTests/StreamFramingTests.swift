import TestSupport
import Foundation
import Testing
@testable import LLMClient

/// Issue 18, case 2: server-sent events framed with `\n`, `\r\n` or `\r` parse the same, because lines
/// are split on bytes (`"\r\n"` is a single Swift `Character`).
@Suite struct StreamFramingTests {
    let messages = [ChatMessage(.user, "Stream it.")]

    static let openAIEvents = [
        #"data: {"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}"#,
        "",
        ": ping - 2025-01-01 00:00:00",  // sse-starlette's keep-alive comment
        "",
        #"data: {"choices":[{"index":0,"delta":{"content":"line one\nline two"},"finish_reason":null}]}"#,
        "",
        #"data: {"choices":[{"index":0,"delta":{"content":" — done"},"finish_reason":"stop"}]}"#,
        "",
        #"data: {"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7}}"#,
        "",
        "data: [DONE]",
        "",
        "",
    ]

    static let anthropicEvents = [
        "event: message_start",
        #"data: {"type":"message_start","message":{"usage":{"input_tokens":4,"output_tokens":1}}}"#,
        "",
        "event: content_block_delta",
        #"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hé "}}"#,
        "",
        "event: content_block_delta",
        #"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"there"}}"#,
        "",
        "event: message_delta",
        #"data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}"#,
        "",
        "event: message_stop",
        #"data: {"type":"message_stop"}"#,
        "",
        "",
    ]

    func complete(_ lines: [String], separator: String, api: Endpoint.API) async throws -> (Completion, LoopbackHTTPServer) {
        let body = Array(lines.joined(separator: separator).utf8)
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, headers: [("Content-Type", "text/event-stream")], body: body)
        }
        var endpoint = Endpoint(api: api, baseURL: server.baseURL + "/v1", model: "m")
        endpoint.stream = true
        var policy = RetryPolicy()
        policy.maxAttempts = 1
        let completion = try await ChatClient(endpoint: endpoint, policy: policy, environment: [:]).complete(messages)
        return (completion, server)
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func openAIStreamParsesInEveryFraming(_ separator: String) async throws {
        let (answer, server) = try await complete(Self.openAIEvents, separator: separator, api: .openAI)
        defer { server.stop() }
        #expect(answer.text == "line one\nline two — done")
        #expect(answer.finishReason == .stop)
        #expect(answer.usage == Usage(promptTokens: 11, completionTokens: 7, estimated: false))
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func anthropicStreamParsesInEveryFraming(_ separator: String) async throws {
        let (answer, server) = try await complete(Self.anthropicEvents, separator: separator, api: .anthropic)
        defer { server.stop() }
        #expect(answer.text == "Hé there" && answer.finishReason == .stop)
        #expect(answer.usage == Usage(promptTokens: 4, completionTokens: 2, estimated: false))
    }

    @Test func theParserFollowsTheSpecificationOnBytes() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("event: a\r\ndata: {\"x\":\r\ndata:1}\r\nid: 7\r\n\r\n: comment\n\ndata:tail".utf8)
        let events = ServerSentEvents(bytes).events
        #expect(events == [
            ServerSentEvents.Event(name: "a", dataLines: [#"{"x":"#, "1}"]),
            ServerSentEvents.Event(name: nil, dataLines: ["tail"]),
        ])
        #expect(events[0].data == "{\"x\":\n1}")
    }

    /// Some servers ignore `stream: true` and answer with one JSON object; that is still an answer.
    @Test func aStreamedRequestAnsweredWithPlainJSONIsRead() async throws {
        let server = try LoopbackHTTPServer { _ in
            .json(200, #"{"choices":[{"message":{"content":"plain"},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":1}}"#)
        }
        defer { server.stop() }
        var endpoint = Endpoint(baseURL: server.baseURL + "/v1", model: "m")
        endpoint.stream = true
        let answer = try await ChatClient(endpoint: endpoint, environment: [:]).complete(messages)
        #expect(answer.text == "plain" && answer.finishReason == .stop && !answer.usage.estimated)
    }

    /// An error event inside a 200 stream (OpenRouter, Anthropic's `overloaded_error`) is retried, and
    /// the last problem names it.
    @Test func anErrorEventInTheStreamIsAProblemNotAnAnswer() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, body: Array("data: {\"error\":{\"message\":\"upstream overloaded\"}}\r\n\r\n".utf8))
        }
        defer { server.stop() }
        var endpoint = Endpoint(baseURL: server.baseURL + "/v1", model: "m")
        endpoint.stream = true
        var policy = RetryPolicy()
        policy.maxAttempts = 2
        policy.baseDelay = 0.01
        do {
            _ = try await ChatClient(endpoint: endpoint, policy: policy, environment: [:]).complete(messages)
            Issue.record("an error event became an answer")
        } catch let error as LLMError {
            #expect(error.description.contains("upstream overloaded"), "\(error)")
        }
        #expect(server.requests.count == 2)
    }
}
