import EvolveSupport
import Foundation
import Logging

/// Retry, breaker and budget policy of a `ChatClient`.
public struct RetryPolicy: Codable, Sendable, Equatable {
    public var maxAttempts = 5
    public var baseDelay = 1.0
    public var maxDelay = 60.0
    /// Consecutive failed calls after which the breaker opens.
    public var breakerThreshold = 5
    /// How long an open breaker refuses calls before letting one through.
    public var breakerCooldown = 300.0
    /// USD; nil = no limit.
    public var budgetUSD: Double?
    public init() {}
}

/// An OpenAI-compatible / Anthropic chat client on libcurl that makes flaky endpoints boring: retries
/// with exponential backoff and jitter on 429, 5xx, network errors and malformed answers (honouring
/// `Retry-After`), one clear error for 400/401/403/404, a circuit breaker, token and cost accounting
/// with a budget, and record/replay of whole sessions. Answers carry their finish reason (a truncated
/// answer says so); an empty answer is an error. The key never appears in what the client logs, throws
/// or records.
///
/// ```swift
/// let client = ChatClient(endpoint: Endpoint(baseURL: "http://127.0.0.1:8080/v1", model: "qwen"))
/// let answer = try await client.complete([ChatMessage(.user, "Improve this kernel: …")])
/// print(answer.text, answer.costUSD, await client.totals)
/// ```
public actor ChatClient {
    public enum Mode: Sendable {
        case live
        /// Live, and every request/response pair is appended to a JSONL file.
        case record(URL)
        /// No network: answers come from a recorded JSONL file, matched by request body.
        case replay(URL)
    }

    /// Running totals over this client's calls.
    public struct Totals: Sendable, Equatable {
        public var calls = 0
        public var failures = 0
        public var promptTokens = 0
        public var completionTokens = 0
        public var costUSD = 0.0
        public var seconds = 0.0
    }

    public let endpoint: Endpoint
    public let policy: RetryPolicy
    public private(set) var totals = Totals()
    private let mode: Mode
    private let environment: [String: String]
    private var consecutiveFailures = 0
    private var breakerOpenedAt: Date?
    private var rng: SplitMix64
    private var replayed: [String: [String]] = [:]
    private let logger: Logger

    public init(
        endpoint: Endpoint, policy: RetryPolicy = RetryPolicy(), mode: Mode = .live,
        environment: [String: String] = ProcessInfo.processInfo.environment, seed: UInt64 = 1,
        logger: Logger = Logger(label: "evolve.llm")
    ) {
        self.endpoint = endpoint
        self.policy = policy
        self.mode = mode
        self.environment = environment
        self.logger = logger
        rng = SplitMix64(seed: seed)
    }

    /// Whether the breaker currently refuses calls.
    public var isEndpointDown: Bool {
        guard let opened = breakerOpenedAt else { return false }
        return Date().timeIntervalSince(opened) < policy.breakerCooldown
    }

    /// One chat completion, retried as the policy says. Check `isTruncated` before using the text.
    public func complete(_ messages: [ChatMessage]) async throws -> Completion {
        if let budget = policy.budgetUSD, totals.costUSD >= budget {
            throw LLMError.budgetExhausted(spentUSD: totals.costUSD, budgetUSD: budget)
        }
        if let opened = breakerOpenedAt {
            let remaining = policy.breakerCooldown - Date().timeIntervalSince(opened)
            if remaining > 0 {
                throw LLMError.endpointDown(host: endpoint.host, consecutiveFailures: consecutiveFailures, retryAfterSeconds: remaining)
            }
        }
        let body = try requestBody(messages)
        let redact = redactor
        if case .replay(let file) = mode { return try replay(body: body, from: file, redact: redact) }

        let started = Date()
        var lastProblem = ""
        for attempt in 1...max(1, policy.maxAttempts) {
            try Task.checkCancellation()
            var wait: Double?
            do {
                let response = try await request(body: body).send()
                if (200..<300).contains(response.status) {
                    var completion: Completion
                    do {
                        completion = try parse(response.body, promptCharacters: messages.map(\.content.count).reduce(0, +))
                    } catch {
                        throw MalformedAnswer(problem: "\(error)")
                    }
                    completion.latencySeconds = Date().timeIntervalSince(started)
                    completion.attempts = attempt
                    try requireText(completion)
                    succeed(completion)
                    if case .record(let file) = mode { try append(body: body, response: response.body, to: file, redact: redact) }
                    return completion
                } else if [400, 401, 403, 404].contains(response.status) {
                    fail()
                    var message = Self.errorMessage(response.body, redact: redact)
                    if [401, 403].contains(response.status), case .absentAllowed(let variable) = endpoint.checkKey(environment: environment) {
                        message += " (no key was sent: \(variable) is not set)"
                    }
                    throw LLMError.rejected(host: endpoint.host, status: response.status, message: message)
                } else {
                    lastProblem = redact("HTTP \(response.status)\(Self.statusDetail(response.body, redact: redact))")
                    if let retryAfter = response.header("Retry-After").flatMap(Double.init) { wait = retryAfter }
                }
            } catch let error as HTTPTransportError {
                lastProblem = redact(error.description)
            } catch let error as MalformedAnswer {
                lastProblem = redact("malformed answer (\(error.problem))")
            }
            logger.warning("LLM call to \(endpoint.host) attempt \(attempt) failed: \(lastProblem)")
            guard attempt < policy.maxAttempts else { break }
            let backoff = min(policy.maxDelay, policy.baseDelay * pow(2, Double(attempt - 1)))
            let delay = wait ?? backoff * (0.5 + 0.5 * unit())  // jitter spreads retries of parallel workers
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
        fail()
        throw LLMError.unavailable(host: endpoint.host, attempts: policy.maxAttempts, lastProblem: lastProblem)
    }

    // MARK: - Requests

    func requestBody(_ messages: [ChatMessage]) throws -> [UInt8] {
        var object: [String: Any] = ["model": endpoint.model]
        switch endpoint.api {
        case .openAI:
            object["messages"] = messages.map { ["role": $0.role.rawValue, "content": $0.content] }
            object[endpoint.reasoning ? "max_completion_tokens" : "max_tokens"] = endpoint.maxTokens
        case .anthropic:
            object["system"] = messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
            object["messages"] = messages.filter { $0.role != .system }.map { ["role": $0.role.rawValue, "content": $0.content] }
            object["max_tokens"] = endpoint.maxTokens
        }
        if !endpoint.reasoning, let t = endpoint.temperature { object["temperature"] = t }
        if let p = endpoint.topP { object["top_p"] = p }
        if endpoint.stream {
            object["stream"] = true
            if endpoint.api == .openAI { object["stream_options"] = ["include_usage": true] }
        }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    private func request(body: [UInt8]) throws -> HTTPRequest {
        var headers = [HTTPHeader("Content-Type", "application/json")]
        do {
            try endpoint.requireKey(environment: environment)
        } catch {
            throw LLMError.misconfigured(error)
        }
        if let key = endpoint.key(environment: environment) {
            switch endpoint.api {
            case .openAI: headers.append(HTTPHeader("Authorization", "Bearer \(key)"))
            case .anthropic: headers.append(HTTPHeader("x-api-key", key))
            }
        }
        if endpoint.api == .anthropic { headers.append(HTTPHeader("anthropic-version", "2023-06-01")) }
        headers += endpoint.extraHeaders.sorted { $0.key < $1.key }.map { HTTPHeader($0.key, $0.value) }
        let path = endpoint.api == .anthropic ? "/messages" : "/chat/completions"
        var request = HTTPRequest(
            method: "POST", url: endpoint.baseURL.trimmingSuffix("/") + path, headers: headers, body: body,
            connectTimeout: endpoint.connectTimeout, totalTimeout: endpoint.totalTimeout)
        request.idleTimeout = endpoint.idleTimeout
        // Not streamed, the server sends nothing until the whole answer is generated.
        request.idleTimeoutStartsAtFirstBodyByte = !endpoint.stream
        return request
    }

    /// Removes the key in use, secret-looking extra header values and bearer/api-key shapes from text
    /// before it is logged, thrown or recorded.
    var redactor: Redactor {
        let secretHeader = /(?i)auth|key|token|secret/
        let headerSecrets = endpoint.extraHeaders.filter { $0.key.contains(secretHeader) }.map(\.value)
        return Redactor(secrets: [endpoint.key(environment: environment)].compactMap { $0 } + headerSecrets)
    }

    /// Reads a 2xx answer. A streamed request whose server answered with one JSON object (it ignored
    /// `stream`) is read as a plain answer.
    func parse(_ body: [UInt8], promptCharacters: Int) throws -> Completion {
        let opensAsJSON = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        if endpoint.stream, !opensAsJSON { return try parseStream(body, promptCharacters: promptCharacters) }
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw MalformedAnswer(problem: "answer is not a JSON object")
        }
        let text: String?
        var prompt: Int?, completion: Int?
        let reason: String?
        switch endpoint.api {
        case .openAI:
            let choice = (object["choices"] as? [[String: Any]])?.first
            text = (choice?["message"] as? [String: Any])?["content"] as? String
            reason = choice?["finish_reason"] as? String
            let usage = object["usage"] as? [String: Any]
            prompt = usage?["prompt_tokens"] as? Int
            completion = usage?["completion_tokens"] as? Int
        case .anthropic:
            text = (object["content"] as? [[String: Any]])?.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
            reason = object["stop_reason"] as? String
            let usage = object["usage"] as? [String: Any]
            prompt = usage?["input_tokens"] as? Int
            completion = usage?["output_tokens"] as? Int
        }
        guard let text else {
            if let problem = Self.errorText(object) { throw MalformedAnswer(problem: "answer is an error: \(problem)") }
            throw MalformedAnswer(problem: "answer has no message text")
        }
        return self.completion(
            text, promptTokens: prompt, completionTokens: completion, promptCharacters: promptCharacters,
            finishReason: reason.map(FinishReason.init(serverValue:)))
    }

    /// A completion priced from the endpoint's table; token counts the endpoint did not report are
    /// estimated (4 characters ≈ 1 token, never more completion tokens than `maxTokens` allowed) and
    /// marked so.
    private func completion(
        _ text: String, promptTokens: Int?, completionTokens: Int?, promptCharacters: Int, finishReason: FinishReason?
    ) -> Completion {
        let usage = Usage(
            promptTokens: promptTokens ?? (promptCharacters + 3) / 4, completionTokens: completionTokens ?? min((text.count + 3) / 4, endpoint.maxTokens),
            estimated: promptTokens == nil || completionTokens == nil)
        let cost = (Double(usage.promptTokens) * endpoint.promptPricePerMillion
            + Double(usage.completionTokens) * endpoint.completionPricePerMillion) / 1e6
        return Completion(
            text: text, model: endpoint.model, usage: usage, costUSD: cost, latencySeconds: 0, attempts: 1,
            finishReason: finishReason)
    }

    /// Reassembles a server-sent-event stream: OpenAI's `choices[0].delta.content` chunks (finish reason
    /// in the last content chunk, usage in a final chunk when the server honours `include_usage`), or
    /// Anthropic's `content_block_delta` events (usage in `message_start`/`message_delta`, stop reason in
    /// `message_delta`). The server's token counts win; only missing ones are estimated.
    func parseStream(_ body: [UInt8], promptCharacters: Int) throws -> Completion {
        var text = ""
        var prompt: Int?, completion: Int?
        var reason: String?
        var done = false
        for event in ServerSentEvents(body).events {
            for payload in Self.payloads(of: event) {
                if payload == "[DONE]" { done = true; continue }
                guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
                    throw MalformedAnswer(problem: "malformed stream event")
                }
                if let problem = Self.errorText(object) { throw MalformedAnswer(problem: "the stream reported an error: \(problem)") }
                switch endpoint.api {
                case .openAI:
                    let choice = (object["choices"] as? [[String: Any]])?.first
                    if let delta = (choice?["delta"] as? [String: Any])?["content"] as? String { text += delta }
                    if let finish = choice?["finish_reason"] as? String { reason = finish }
                    if let usage = object["usage"] as? [String: Any] {
                        prompt = usage["prompt_tokens"] as? Int ?? prompt
                        completion = usage["completion_tokens"] as? Int ?? completion
                    }
                case .anthropic:
                    switch object["type"] as? String {
                    case "content_block_delta": text += ((object["delta"] as? [String: Any])?["text"] as? String) ?? ""
                    case "message_start": prompt = ((object["message"] as? [String: Any])?["usage"] as? [String: Any])?["input_tokens"] as? Int
                    case "message_delta":
                        let usage = object["usage"] as? [String: Any]
                        completion = usage?["output_tokens"] as? Int ?? completion
                        prompt = usage?["input_tokens"] as? Int ?? prompt
                        if let stop = (object["delta"] as? [String: Any])?["stop_reason"] as? String { reason = stop }
                    case "message_stop": done = true
                    default: break
                    }
                }
            }
        }
        guard done else {
            throw MalformedAnswer(problem: "stream ended before its end marker (the server stopped mid-answer; if it happens on every call, check the server's log: a prompt longer than the model's context window ends streams this way; lower prompt.token_budget or raise the server's context size)")
        }
        return self.completion(
            text, promptTokens: prompt, completionTokens: completion, promptCharacters: promptCharacters,
            finishReason: reason.map(FinishReason.init(serverValue:)))
    }

    /// An event's JSON payloads. Normally its data is one payload; a server that omits the blank line
    /// between events runs several `data:` lines together, so when the joined data is not JSON each line
    /// is read on its own.
    static func payloads(of event: ServerSentEvents.Event) -> [String] {
        guard event.dataLines.count > 1 else { return [event.data.trimmingCharacters(in: .whitespaces)] }
        if (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) != nil { return [event.data] }
        return event.dataLines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// An empty answer is a failure with a likely cause, not a success: a local server with the wrong
    /// chat template answers `""` with finish reason `stop`, and a proposer would record a no-op. The
    /// tokens it cost are still counted.
    private func requireText(_ completion: Completion) throws {
        guard completion.text.allSatisfy(\.isWhitespace) else { return }
        totals.promptTokens += completion.usage.promptTokens
        totals.completionTokens += completion.usage.completionTokens
        totals.costUSD += completion.costUSD
        fail()
        let error = LLMError.emptyAnswer(host: endpoint.host, model: endpoint.model, finishReason: completion.finishReason)
        logger.warning("\(error)")
        throw error
    }

    /// The error message of an error body (OpenAI `error.message`, Anthropic `error.message`, FastAPI
    /// `detail`), redacted before it is cut to length so no part of a key survives the cut.
    static func errorMessage(_ body: [UInt8], redact: Redactor) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let message = errorText(object) {
            return String(redact(message).prefix(300))
        }
        return String(redact(String(decoding: body, as: UTF8.self)).prefix(300))
    }

    /// `: <message>` for a retried error status, so the log says what the server said.
    static func statusDetail(_ body: [UInt8], redact: Redactor) -> String {
        guard !body.isEmpty else { return "" }
        return ": " + errorMessage(body, redact: redact).prefix(160).replacingOccurrences(of: "\n", with: " ")
    }

    static func errorText(_ object: [String: Any]) -> String? {
        if let error = object["error"] as? [String: Any] { return error["message"] as? String ?? "\(error)" }
        if let error = object["error"] as? String { return error }
        if let detail = object["detail"] as? String { return detail }
        return nil
    }

    // MARK: - Accounting

    private func succeed(_ c: Completion) {
        consecutiveFailures = 0
        breakerOpenedAt = nil
        totals.calls += 1
        totals.promptTokens += c.usage.promptTokens
        totals.completionTokens += c.usage.completionTokens
        totals.costUSD += c.costUSD
        totals.seconds += c.latencySeconds
    }

    private func fail() {
        totals.calls += 1
        totals.failures += 1
        consecutiveFailures += 1
        if consecutiveFailures >= policy.breakerThreshold, breakerOpenedAt == nil || !isEndpointDown {
            breakerOpenedAt = Date()
            logger.error("\(LLMError.endpointDown(host: endpoint.host, consecutiveFailures: consecutiveFailures, retryAfterSeconds: policy.breakerCooldown))")
        }
    }

    private func unit() -> Double { rng.unit() }

    // MARK: - Record / replay (headers are not recorded; bodies pass the redactor, in case a prompt or
    // an answer holds something key-shaped, and replay looks requests up redacted the same way)

    private func append(body: [UInt8], response: [UInt8], to file: URL, redact: Redactor) throws {
        let entry: [String: Any] = [
            "model": endpoint.model, "request": redact(String(decoding: body, as: UTF8.self)),
            "response": redact(String(decoding: response, as: UTF8.self)),
        ]
        var line = try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys])
        line.append(UInt8(ascii: "\n"))
        if let handle = try? FileHandle(forWritingTo: file) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } else {
            try line.write(to: file)
        }
    }

    private func replay(body: [UInt8], from file: URL, redact: Redactor) throws -> Completion {
        if replayed.isEmpty {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                      let request = entry["request"], let response = entry["response"] else { continue }
                replayed[request, default: []].append(response)
            }
        }
        let key = redact(String(decoding: body, as: UTF8.self))
        guard var queue = replayed[key], !queue.isEmpty else { throw LLMError.noRecording(model: endpoint.model) }
        let response = queue.removeFirst()
        replayed[key] = queue
        var completion = try parse(Array(response.utf8), promptCharacters: 0)
        completion.attempts = 1
        try requireText(completion)
        succeed(completion)
        return completion
    }
}

/// A 2xx answer that could not be read (not JSON, no text, a stream without its end marker): retried.
struct MalformedAnswer: Error, CustomStringConvertible {
    let problem: String
    var description: String { problem }
}

extension String {
    func trimmingSuffix(_ suffix: Character) -> String {
        var s = self
        while s.last == suffix { s.removeLast() }
        return s
    }
}
