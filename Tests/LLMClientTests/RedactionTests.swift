import TestSupport
import Foundation
import Testing
@testable import LLMClient

/// Issue 18, case 4: the key never leaves the client in what it prints, logs, throws or records, even
/// when a server echoes it.
@Suite struct RedactionTests {
    static let key = "sk-proj-ECHOED/key+9f8e7d6c5b4a"
    let environment = ["TEST_LLM_KEY": RedactionTests.key]
    let messages = [ChatMessage(.user, "hi")]

    func client(_ server: LoopbackHTTPServer, api: Endpoint.API = .openAI, attempts: Int = 1, mode: ChatClient.Mode = .live) -> (ChatClient, LogSink) {
        let endpoint = Endpoint(api: api, baseURL: server.baseURL + "/v1", model: "m", apiKeyEnv: "TEST_LLM_KEY")
        var policy = RetryPolicy()
        policy.maxAttempts = attempts
        policy.baseDelay = 0.01
        let sink = LogSink()
        return (ChatClient(endpoint: endpoint, policy: policy, mode: mode, environment: environment, logger: sink.logger), sink)
    }

    /// What a server that echoes credentials sends back: the key alone, in a header line, and JSON-escaped.
    static func echo(_ request: LoopbackHTTPServer.Request) -> String {
        let sent = request.headers["authorization"] ?? request.headers["x-api-key"] ?? "none"
        let escaped = key.replacingOccurrences(of: "/", with: "\\/")
        return #"Incorrect API key provided: \#(key). You sent 'Authorization: \#(sent)' (escaped: \#(escaped))"#
    }

    @Test(arguments: [Endpoint.API.openAI, .anthropic])
    func a401BodyThatEchoesTheKeyIsRedacted(_ api: Endpoint.API) async throws {
        let server = try LoopbackHTTPServer { request in
            .json(401, #"{"error":{"message":"\#(Self.echo(request).replacingOccurrences(of: "\\", with: "\\\\"))","type":"invalid_request_error"}}"#)
        }
        defer { server.stop() }
        let (chat, sink) = client(server, api: api)
        do {
            _ = try await chat.complete(messages)
            Issue.record("a 401 became an answer")
        } catch let error as LLMError {
            guard case .rejected(_, 401, let message) = error else { Issue.record("expected rejected 401, got \(error)"); return }
            #expect(message.contains("Incorrect API key provided: [redacted]"), "\(message)")
            #expect(!error.description.contains(Self.key) && !error.description.contains("ECHOED"), "\(error)")
            #expect(!"\(error)".contains("9f8e7d6c5b4a"))
        }
        #expect(!sink.text.contains("ECHOED"))
        // The server did get the key: redaction is about what comes back, not what is sent.
        let sent = server.requests[0].headers[api == .openAI ? "authorization" : "x-api-key"] ?? ""
        #expect(sent.contains(Self.key))
    }

    /// A plain-text body is cut at 300 characters after redaction, so the cut cannot leave half a key.
    @Test func aKeyAcrossTheLengthCutIsStillRedacted() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 403, body: Array((String(repeating: "x", count: 290) + Self.key).utf8))
        }
        defer { server.stop() }
        let (chat, _) = client(server)
        do {
            _ = try await chat.complete(messages)
        } catch let error as LLMError {
            #expect(!error.description.contains("sk-proj"), "\(error)")
        }
    }

    /// Retried failures are logged and end in `unavailable`: neither carries the echoed key.
    @Test func retriedErrorBodiesInLogsAndTheFinalErrorAreRedacted() async throws {
        let server = try LoopbackHTTPServer { request in .json(503, #"{"error":{"message":"busy; \#(Self.echo(request).replacingOccurrences(of: "\\", with: "\\\\"))"}}"#) }
        defer { server.stop() }
        let (chat, sink) = client(server, attempts: 3)
        do {
            _ = try await chat.complete(messages)
        } catch let error as LLMError {
            #expect(error.description.contains("busy") && !error.description.contains("ECHOED"), "\(error)")
        }
        #expect(server.requests.count == 3)
        #expect(sink.text.contains("HTTP 503: busy"), "\(sink.text)")
        #expect(!sink.text.contains("ECHOED"), "\(sink.text)")
    }

    /// A recorded session holds no key even when the answer echoes it; replay reads it back.
    @Test func aRecordingOfAnAnswerThatEchoesTheKeyHoldsNoKey() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-redact-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try LoopbackHTTPServer { _ in ChatClientTests.openAIAnswer("your key is \(Self.key), use Bearer \(Self.key)") }
        let (recorder, _) = client(server, mode: .record(file))
        _ = try await recorder.complete(messages)
        server.stop()
        let recorded = try String(contentsOf: file, encoding: .utf8)
        #expect(!recorded.contains("ECHOED"), "\(recorded)")
        let (player, _) = client(server, mode: .replay(file))
        let replayed = try await player.complete(messages)
        #expect(replayed.text == "your key is [redacted], use Bearer [redacted]")
    }

    @Test func theRedactorRemovesLiteralsAndKeyShapedValues() {
        let redact = Redactor(secrets: ["abc", "s3cr3t-value"])
        #expect(redact("got s3cr3t-value and abc") == "got [redacted] and abc")  // 3 characters: not a secret
        #expect(redact("Authorization: Bearer eyJhbGciOi.J9x_y") == "Authorization: Bearer [redacted]")
        #expect(redact(#"{"x-api-key": "anthropic-123456"}"#) == #"{"x-api-key": "[redacted]"}"#)
        #expect(redact("https://h/v1?api_key=abcdef12&x=1") == "https://h/v1?api_key=[redacted]&x=1")
        #expect(redact("a bearer of bad news") == "a bearer of bad news")
    }

    /// Secret-looking extra headers (Azure's `api-key`, a proxy token) are redacted like the key.
    @Test func secretExtraHeaderValuesAreRedactedToo() async throws {
        let server = try LoopbackHTTPServer { request in .json(401, #"{"error":{"message":"bad token \#(request.headers["x-proxy-token"] ?? "")"}}"#) }
        defer { server.stop() }
        var endpoint = Endpoint(baseURL: server.baseURL + "/v1", model: "m")
        endpoint.extraHeaders = ["X-Proxy-Token": "tok_live_77aa", "HTTP-Referer": "https://evolve.local"]
        do {
            _ = try await ChatClient(endpoint: endpoint, environment: [:]).complete(messages)
        } catch let error as LLMError {
            #expect(error.description.contains("bad token [redacted]"), "\(error)")
        }
    }
}
