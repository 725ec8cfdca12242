import Foundation
import LLMClient
import Logging
import Testing

/// Every log line a client writes, kept for the key check and appended to `client.log` in the work
/// directory, which the script searches for the key as well.
final class ClientLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private let file: URL?
    init(file: URL?) { self.file = file }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }
    func append(_ line: String) {
        lock.withLock {
            lines.append(line)
            if let file { try? (line + "\n").append(to: file) }
        }
    }

    struct Handler: LogHandler {
        let log: ClientLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { log.append("\(event.level) \(event.message)") }
    }
    var logger: Logger { Logger(label: "evolve.llm.real") { _ in Handler(log: self) } }
}

/// LLMClient against a real llama-cpp-python server (gemma3-270m). Run by `scripts/test-real-llm.sh`;
/// without `EVOLVE_REAL_LLM` every test here is skipped.
///
/// The packaged model is the 270M *base* model (no instruction tuning, no chat template in the GGUF):
/// it echoes and rambles until the token limit instead of answering, so these tests check what the
/// client must get right — the text, the finish reason, the server's token counts, the errors — not
/// what the model says.
@Suite(.serialized, .enabled(if: RealServerSettings.isEnabled, "set EVOLVE_REAL_LLM (scripts/test-real-llm.sh starts the server and sets it)"))
struct RealServerTests {
    let settings = RealServerSettings.current!
    let question = [
        ChatMessage(.system, "You answer briefly."),
        ChatMessage(.user, "What is the capital of France? Answer in one sentence."),
    ]
    let story = [ChatMessage(.user, "Write a very long story about a dragon who learns to program. Use many chapters.")]

    /// The endpoint exactly as `evolve` would build it from the environment (no key variable: loopback).
    func endpoint(stream: Bool = false, maxTokens: Int = 128) throws -> Endpoint {
        let environment = ["EVOLVE_LLM_BASE_URL": settings.baseURL, "EVOLVE_LLM_MODEL": "gemma3-270m", "EVOLVE_LLM_STREAM": stream ? "1" : "0"]
        var endpoint = try #require(try Endpoint.fromEnvironment(environment))
        #expect(endpoint.checkKey(environment: environment) == .notRequired)
        endpoint.maxTokens = maxTokens
        endpoint.temperature = 0
        return endpoint
    }

    func client(_ endpoint: Endpoint, environment: [String: String] = [:], policy: RetryPolicy = RetryPolicy()) -> (ChatClient, ClientLog) {
        let log = ClientLog(file: settings.workDirectory.appendingPathComponent("client.log"))
        return (ChatClient(endpoint: endpoint, policy: policy, environment: environment, logger: log.logger), log)
    }

    func report(_ name: String, _ answer: Completion) {
        let text = answer.text.prefix(60).replacingOccurrences(of: "\n", with: " ")
        print("real-llm: \(name): finish=\(answer.finishReason?.name ?? "nil") tokens=\(answer.usage.promptTokens)+\(answer.usage.completionTokens)\(answer.usage.estimated ? " (estimated)" : "") attempts=\(answer.attempts) latency=\(String(format: "%.1f", answer.latencySeconds))s text=\"\(text)\"")
    }

    /// Not streamed: the server's usage is used, and it agrees with the finish reason.
    @Test func plainCompletion() async throws {
        let (chat, _) = client(try endpoint())
        let answer = try await chat.complete(question)
        report("plain", answer)
        let blank = answer.text.allSatisfy(\.isWhitespace)
        #expect(!blank)
        let reason = try #require(answer.finishReason)
        #expect(reason == .stop || reason == .length)
        #expect(!answer.usage.estimated && answer.usage.promptTokens > 0)
        #expect(reason == .length ? answer.usage.completionTokens == 128 : answer.usage.completionTokens < 128)
    }

    /// The server's line ends are printed (sse-starlette's default is `\r\n`; llama-cpp-python 0.3.36
    /// asks for `\n`), the reassembled answer and its finish reason checked.
    @Test func streamedCompletion() async throws {
        var raw = HTTPRequest(
            method: "POST", url: settings.baseURL + "/chat/completions", headers: [HTTPHeader("Content-Type", "application/json")],
            body: Array(#"{"model":"gemma3-270m","max_tokens":4,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#.utf8),
            totalTimeout: 60)
        raw.idleTimeout = 30
        let framing = try await raw.send().body
        let crlf = framing.indices.dropLast().contains { framing[$0] == 0x0D && framing[$0 + 1] == 0x0A }
        print("real-llm: the server frames its event stream with \(crlf ? "CRLF" : "LF") line ends")

        let (chat, _) = client(try endpoint(stream: true))
        let answer = try await chat.complete(question)
        report("streamed", answer)
        let blank = answer.text.allSatisfy(\.isWhitespace)
        #expect(!blank)
        let reason = try #require(answer.finishReason)
        #expect(reason == .stop || reason == .length)
        #expect(answer.usage.promptTokens > 0 && answer.usage.completionTokens > 0)
    }

    @Test(arguments: [false, true])
    func truncationIsSurfaced(_ stream: Bool) async throws {
        let (chat, _) = client(try endpoint(stream: stream, maxTokens: 8))
        let answer = try await chat.complete(story)
        report(stream ? "truncated streamed" : "truncated plain", answer)
        #expect(answer.finishReason == .length && answer.isTruncated)
        #expect(!answer.text.isEmpty)
    }

    /// A server started with `--api_key`: a wrong key is one clear 401 error, not retried, naming neither
    /// key; the right key works; no log line holds either.
    @Test func aBadKeyIsOneClearError() async throws {
        let server = LlamaServer(settings: settings, port: 8090, apiKey: settings.key)
        defer { server.stop() }
        try await server.start()
        var endpoint = Endpoint(baseURL: server.baseURL, model: "gemma3-270m", apiKeyEnv: "EVOLVE_REAL_LLM_TEST_KEY")
        endpoint.maxTokens = 32
        endpoint.temperature = 0
        let wrongKey = "sk-wrong-" + String(settings.key.reversed())
        let (wrong, wrongLog) = client(endpoint, environment: ["EVOLVE_REAL_LLM_TEST_KEY": wrongKey])
        do {
            let answer = try await wrong.complete(question)
            Issue.record("a wrong key was accepted: \(answer.text)")
        } catch let error as LLMError {
            print("real-llm: bad key: \(error)")
            guard case .rejected(_, 401, _) = error else { Issue.record("expected a 401 rejection, got \(error)"); return }
            #expect(!error.description.contains(wrongKey) && !error.description.contains(settings.key))
        }
        #expect(await wrong.totals.calls == 1 && !wrongLog.text.contains(wrongKey))

        let (right, rightLog) = client(endpoint, environment: ["EVOLVE_REAL_LLM_TEST_KEY": settings.key])
        let answer = try await right.complete(question)
        report("right key", answer)
        #expect(!answer.text.isEmpty && !rightLog.text.contains(settings.key))
    }

    /// The server is SIGKILLed a second into a long streamed answer and started again: the client's
    /// retries carry the call to a clean answer, and the logs say what happened.
    @Test func aServerKilledMidStreamIsRetriedCleanly() async throws {
        let server = LlamaServer(settings: settings, port: 8091)
        defer { server.stop() }
        try await server.start()
        var endpoint = Endpoint(baseURL: server.baseURL, model: "gemma3-270m")
        endpoint.stream = true
        endpoint.maxTokens = 600
        endpoint.temperature = 0
        endpoint.totalTimeout = 240
        var policy = RetryPolicy()
        policy.maxAttempts = 10
        policy.baseDelay = 1
        policy.maxDelay = 3
        let (chat, log) = client(endpoint, policy: policy)
        let call = Task { try await chat.complete(story) }
        try await Task.sleep(for: .milliseconds(1500))
        server.kill()
        print("real-llm: killed the server on port \(server.port) 1.5 s into the stream; restarting it")
        try await server.start()
        let answer = try await call.value
        report("after kill", answer)
        print("real-llm: client log: \(log.text.replacingOccurrences(of: "\n", with: " | "))")
        #expect(answer.attempts >= 2, "the stream finished before the kill; the test did not exercise a kill")
        #expect(!answer.text.isEmpty)
        #expect(log.text.contains("attempt 1 failed"))
    }
}
