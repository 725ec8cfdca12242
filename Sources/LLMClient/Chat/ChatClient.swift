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
    private var replayed: SessionRecording?
    private let wire: WireFormat
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
        wire = WireFormat(endpoint: endpoint)
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
        let body = try wire.requestBody(messages)
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
                        completion = try wire.parse(response.body, promptCharacters: messages.map(\.content.count).reduce(0, +))
                    } catch {
                        throw MalformedAnswer(problem: "\(error)")
                    }
                    completion.latencySeconds = Date().timeIntervalSince(started)
                    completion.attempts = attempt
                    try requireText(completion)
                    succeed(completion)
                    if case .record(let file) = mode {
                        try SessionRecording.append(model: endpoint.model, body: body, response: response.body, to: file, redact: redact)
                    }
                    return completion
                } else if [400, 401, 403, 404].contains(response.status) {
                    fail()
                    var message = WireFormat.errorMessage(response.body, redact: redact)
                    if [401, 403].contains(response.status), case .absentAllowed(let variable) = endpoint.checkKey(environment: environment) {
                        message += " (no key was sent: \(variable) is not set)"
                    }
                    throw LLMError.rejected(host: endpoint.host, status: response.status, message: message)
                } else {
                    lastProblem = redact("HTTP \(response.status)\(WireFormat.statusDetail(response.body, redact: redact))")
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

    /// The request to send, refused before any network traffic when the endpoint needs a key that is not set.
    private func request(body: [UInt8]) throws -> HTTPRequest {
        do {
            try endpoint.requireKey(environment: environment)
        } catch {
            throw LLMError.misconfigured(error)
        }
        return wire.request(body: body, key: endpoint.key(environment: environment))
    }

    /// Removes the key in use, secret-looking extra header values and bearer/api-key shapes from text
    /// before it is logged, thrown or recorded.
    var redactor: Redactor {
        let secretHeader = /(?i)auth|key|token|secret/
        let headerSecrets = endpoint.extraHeaders.filter { $0.key.contains(secretHeader) }.map(\.value)
        return Redactor(secrets: [endpoint.key(environment: environment)].compactMap { $0 } + headerSecrets)
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

    // MARK: - Replay

    private func replay(body: [UInt8], from file: URL, redact: Redactor) throws -> Completion {
        var recording = replayed ?? SessionRecording(file: file)
        defer { replayed = recording }
        guard let response = recording.nextResponse(to: redact(String(decoding: body, as: UTF8.self))) else {
            throw LLMError.noRecording(model: endpoint.model)
        }
        var completion = try wire.parse(Array(response.utf8), promptCharacters: 0)
        completion.attempts = 1
        try requireText(completion)
        succeed(completion)
        return completion
    }
}
