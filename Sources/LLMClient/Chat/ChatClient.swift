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
/// with a budget, and record/replay of whole sessions.
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
    private var rng: UInt64
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
        rng = seed
    }

    /// Whether the breaker currently refuses calls.
    public var isEndpointDown: Bool {
        guard let opened = breakerOpenedAt else { return false }
        return Date().timeIntervalSince(opened) < policy.breakerCooldown
    }

    /// One chat completion, retried as the policy says.
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
        if case .replay(let file) = mode { return try replay(body: body, from: file) }

        let started = Date()
        var lastProblem = ""
        for attempt in 1...max(1, policy.maxAttempts) {
            try Task.checkCancellation()
            var wait: Double?
            do {
                let response = try await request(body: body).send()
                if (200..<300).contains(response.status) {
                    do {
                        var completion = try parse(response.body, promptCharacters: messages.map(\.content.count).reduce(0, +))
                        completion.latencySeconds = Date().timeIntervalSince(started)
                        completion.attempts = attempt
                        succeed(completion)
                        if case .record(let file) = mode { try append(body: body, response: response.body, to: file) }
                        return completion
                    } catch {
                        lastProblem = "malformed answer (\(error))"
                    }
                } else if [400, 401, 403, 404].contains(response.status) {
                    fail()
                    throw LLMError.rejected(host: endpoint.host, status: response.status, message: Self.errorMessage(response.body))
                } else {
                    lastProblem = "HTTP \(response.status)"
                    if let retryAfter = response.header("Retry-After").flatMap(Double.init) { wait = retryAfter }
                }
            } catch let error as HTTPTransportError {
                lastProblem = error.description
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
        if let variable = endpoint.apiKeyEnv {
            guard let key = environment[variable], !key.isEmpty else { throw LLMError.missingAPIKey(variable: variable) }
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
        return request
    }

    func parse(_ body: [UInt8], promptCharacters: Int) throws -> Completion {
        if endpoint.stream { return try parseStream(body, promptCharacters: promptCharacters) }
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw LLMError.unavailable(host: endpoint.host, attempts: 0, lastProblem: "answer is not a JSON object")
        }
        let text: String?
        var prompt: Int?, completion: Int?
        switch endpoint.api {
        case .openAI:
            let choice = (object["choices"] as? [[String: Any]])?.first
            text = (choice?["message"] as? [String: Any])?["content"] as? String
            let usage = object["usage"] as? [String: Any]
            prompt = usage?["prompt_tokens"] as? Int
            completion = usage?["completion_tokens"] as? Int
        case .anthropic:
            text = (object["content"] as? [[String: Any]])?.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
            let usage = object["usage"] as? [String: Any]
            prompt = usage?["input_tokens"] as? Int
            completion = usage?["output_tokens"] as? Int
        }
        guard let text else { throw LLMError.unavailable(host: endpoint.host, attempts: 0, lastProblem: "answer has no message text") }
        return self.completion(text, promptTokens: prompt, completionTokens: completion, promptCharacters: promptCharacters)
    }

    /// A completion priced from the endpoint's table; token counts the endpoint did not report are
    /// estimated (4 characters ≈ 1 token) and marked so.
    private func completion(_ text: String, promptTokens: Int?, completionTokens: Int?, promptCharacters: Int) -> Completion {
        let usage = Usage(
            promptTokens: promptTokens ?? (promptCharacters + 3) / 4, completionTokens: completionTokens ?? (text.count + 3) / 4,
            estimated: promptTokens == nil || completionTokens == nil)
        let cost = (Double(usage.promptTokens) * endpoint.promptPricePerMillion
            + Double(usage.completionTokens) * endpoint.completionPricePerMillion) / 1e6
        return Completion(text: text, model: endpoint.model, usage: usage, costUSD: cost, latencySeconds: 0, attempts: 1)
    }

    /// Reassembles a server-sent-event stream: OpenAI's `choices[0].delta.content` chunks (usage in the
    /// last chunk), or Anthropic's `content_block_delta` events (usage in `message_start`/`message_delta`).
    func parseStream(_ body: [UInt8], promptCharacters: Int) throws -> Completion {
        var text = ""
        var prompt: Int?, completion: Int?
        var done = false
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
            guard line.hasPrefix("data:") else { continue }
            let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            if payload == "[DONE]" { done = true; continue }
            guard let event = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
                throw LLMError.unavailable(host: endpoint.host, attempts: 0, lastProblem: "malformed stream event")
            }
            switch endpoint.api {
            case .openAI:
                if let delta = ((event["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String {
                    text += delta
                }
                if let usage = event["usage"] as? [String: Any] {
                    prompt = usage["prompt_tokens"] as? Int
                    completion = usage["completion_tokens"] as? Int
                }
            case .anthropic:
                switch event["type"] as? String {
                case "content_block_delta": text += ((event["delta"] as? [String: Any])?["text"] as? String) ?? ""
                case "message_start": prompt = ((event["message"] as? [String: Any])?["usage"] as? [String: Any])?["input_tokens"] as? Int
                case "message_delta": completion = (event["usage"] as? [String: Any])?["output_tokens"] as? Int
                case "message_stop": done = true
                default: break
                }
            }
        }
        guard done else { throw LLMError.unavailable(host: endpoint.host, attempts: 0, lastProblem: "stream ended before its end marker") }
        return self.completion(text, promptTokens: prompt, completionTokens: completion, promptCharacters: promptCharacters)
    }

    static func errorMessage(_ body: [UInt8]) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
           let error = object["error"] as? [String: Any], let message = error["message"] as? String { return message }
        return String(decoding: body.prefix(300), as: UTF8.self)
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

    private func unit() -> Double {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }

    // MARK: - Record / replay (request bodies never contain the key; headers are not recorded)

    private func append(body: [UInt8], response: [UInt8], to file: URL) throws {
        let entry: [String: Any] = [
            "model": endpoint.model, "request": String(decoding: body, as: UTF8.self),
            "response": String(decoding: response, as: UTF8.self),
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

    private func replay(body: [UInt8], from file: URL) throws -> Completion {
        if replayed.isEmpty {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                      let request = entry["request"], let response = entry["response"] else { continue }
                replayed[request, default: []].append(response)
            }
        }
        let key = String(decoding: body, as: UTF8.self)
        guard var queue = replayed[key], !queue.isEmpty else { throw LLMError.noRecording(model: endpoint.model) }
        let response = queue.removeFirst()
        replayed[key] = queue
        var completion = try parse(Array(response.utf8), promptCharacters: 0)
        completion.attempts = 1
        succeed(completion)
        return completion
    }
}

extension String {
    func trimmingSuffix(_ suffix: Character) -> String {
        var s = self
        while s.last == suffix { s.removeLast() }
        return s
    }
}
