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
    /// The environment variable holding the key; nil or "" for endpoints without authentication. A
    /// loopback host may leave the variable unset (see `checkKey(environment:)`).
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
    /// A response that sends no byte for this long is abandoned early. Streamed, the clock runs from the
    /// start; not streamed, it starts at the first body byte, because the server is silent while it
    /// generates the whole answer (only `totalTimeout` bounds that wait).
    public var idleTimeout: Double = 60
    /// Ask for a server-sent-event stream: long answers keep bytes flowing, so a stall is caught by
    /// `idleTimeout` long before `totalTimeout`. Token counts are estimated when the server leaves
    /// usage out of the stream (llama-cpp-python does).
    public var stream = false

    public init(api: API = .openAI, baseURL: String, model: String, apiKeyEnv: String? = nil) {
        self.api = api
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnv = apiKeyEnv
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
