import Foundation

/// How to reach one model: an OpenAI-compatible `/chat/completions` endpoint (OpenAI, OpenRouter,
/// Ollama, vLLM, llama.cpp's server) or Anthropic's Messages API. Codable, so a run config carries it.
///
/// The API key is never part of the configuration: only the *name* of the environment variable that
/// holds it, read at call time.
public struct Endpoint: Codable, Sendable, Equatable {
    public enum API: String, Codable, Sendable { case openAI = "openai", anthropic }

    public var api: API = .openAI
    /// e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`, `https://api.anthropic.com/v1`.
    public var baseURL: String
    public var model: String
    /// The environment variable holding the key; nil for endpoints without authentication.
    public var apiKeyEnv: String?
    public var temperature: Double? = 0.7
    public var topP: Double?
    public var maxTokens: Int = 4096
    /// Reasoning models take `max_completion_tokens` and no temperature.
    public var reasoning = false
    public var extraHeaders: [String: String] = [:]
    /// USD per million prompt / completion tokens (0 = free or unknown).
    public var promptPricePerMillion: Double = 0
    public var completionPricePerMillion: Double = 0
    public var connectTimeout: Double = 10
    public var totalTimeout: Double = 300
    /// A response that sends no byte for this long is abandoned early.
    public var idleTimeout: Double = 60
    /// Ask for a server-sent-event stream: long answers keep bytes flowing, so a stall is caught by
    /// `idleTimeout` long before `totalTimeout`.
    public var stream = false

    public init(api: API = .openAI, baseURL: String, model: String, apiKeyEnv: String? = nil) {
        self.api = api
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnv = apiKeyEnv
    }

    /// The endpoint named by `EVOLVE_LLM_BASE_URL`, `EVOLVE_LLM_MODEL` and `EVOLVE_LLM_API_KEY_ENV`
    /// (default `OPENAI_API_KEY`); nil when no base URL is set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Endpoint? {
        guard let base = environment["EVOLVE_LLM_BASE_URL"], !base.isEmpty else { return nil }
        let api: API = base.contains("anthropic.com") ? .anthropic : .openAI
        return Endpoint(
            api: api, baseURL: base, model: environment["EVOLVE_LLM_MODEL"] ?? "gpt-4o-mini",
            apiKeyEnv: environment["EVOLVE_LLM_API_KEY_ENV"] ?? (api == .anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"))
    }

    /// Scheme, host and port: what errors and logs may show.
    public var host: String {
        guard let c = URLComponents(string: baseURL), let name = c.host else { return "(invalid base URL)" }
        return "\(c.scheme ?? "http")://\(name)\(c.port.map { ":\($0)" } ?? "")"
    }

    enum CodingKeys: String, CodingKey {
        case api, model, temperature, reasoning
        case baseURL = "base_url", apiKeyEnv = "api_key_env", topP = "top_p", maxTokens = "max_tokens"
        case extraHeaders = "extra_headers", promptPricePerMillion = "prompt_price_per_million"
        case completionPricePerMillion = "completion_price_per_million", connectTimeout = "connect_timeout"
        case totalTimeout = "timeout", idleTimeout = "idle_timeout", stream
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        baseURL = try c.decode(String.self, forKey: .baseURL)
        model = try c.decode(String.self, forKey: .model)
        api = try c.decodeIfPresent(API.self, forKey: .api) ?? .openAI
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 0.7
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? 4096
        reasoning = try c.decodeIfPresent(Bool.self, forKey: .reasoning) ?? false
        extraHeaders = try c.decodeIfPresent([String: String].self, forKey: .extraHeaders) ?? [:]
        promptPricePerMillion = try c.decodeIfPresent(Double.self, forKey: .promptPricePerMillion) ?? 0
        completionPricePerMillion = try c.decodeIfPresent(Double.self, forKey: .completionPricePerMillion) ?? 0
        connectTimeout = try c.decodeIfPresent(Double.self, forKey: .connectTimeout) ?? 10
        totalTimeout = try c.decodeIfPresent(Double.self, forKey: .totalTimeout) ?? 300
        idleTimeout = try c.decodeIfPresent(Double.self, forKey: .idleTimeout) ?? 60
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream) ?? false
    }
}

/// One chat message.
public struct ChatMessage: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// Token counts of one call; `estimated` when the endpoint reported none (4 characters ≈ 1 token).
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var estimated: Bool
}

/// A model's answer with what it cost.
public struct Completion: Codable, Sendable, Equatable {
    public var text: String
    public var model: String
    public var usage: Usage
    public var costUSD: Double
    public var latencySeconds: Double
    public var attempts: Int
}

/// Why a call failed, in one line naming the endpoint (host only) and what to do.
public enum LLMError: Error, CustomStringConvertible, Sendable, Equatable {
    /// 400/401/403/404: retrying will not help.
    case rejected(host: String, status: Int, message: String)
    /// Retries exhausted on 429/5xx/network errors or malformed answers.
    case unavailable(host: String, attempts: Int, lastProblem: String)
    /// The circuit breaker is open after consecutive failures.
    case endpointDown(host: String, consecutiveFailures: Int, retryAfterSeconds: Double)
    case budgetExhausted(spentUSD: Double, budgetUSD: Double)
    case missingAPIKey(variable: String)
    case noRecording(model: String)

    public var description: String {
        switch self {
        case .rejected(let host, let status, let message):
            "\(host) refused the request with HTTP \(status): \(message.prefix(300)) (not retried; check the model name, the key variable and the request)"
        case .unavailable(let host, let attempts, let last):
            "\(host) failed \(attempts) attempts; last: \(last)"
        case .endpointDown(let host, let failures, let wait):
            "endpoint down: \(host) failed \(failures) times in a row; pausing calls for \(Int(wait)) s"
        case .budgetExhausted(let spent, let budget):
            String(format: "LLM budget spent: $%.4f of $%.4f; raise the budget to continue", spent, budget)
        case .missingAPIKey(let variable):
            "the API key variable \(variable) is not set; export it (the key is read at call time and never stored)"
        case .noRecording(let model):
            "replay: no recorded answer for this request to \(model); record a session first"
        }
    }
}
