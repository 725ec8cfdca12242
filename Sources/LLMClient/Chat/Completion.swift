/// Token counts of one call; `estimated` when the endpoint reported none for at least one of them
/// (then 4 characters ≈ 1 token stands in), so cost figures built on it are known to be approximate.
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var estimated: Bool
}

/// A model's answer with what it cost and why it ended.
public struct Completion: Codable, Sendable, Equatable {
    public var text: String
    public var model: String
    public var usage: Usage
    public var costUSD: Double
    public var latencySeconds: Double
    public var attempts: Int
    /// Why the model stopped (OpenAI `finish_reason`, Anthropic `stop_reason`, plain or streamed);
    /// nil when the server did not say.
    public var finishReason: FinishReason?

    /// The token limit cut this answer off: a SEARCH/REPLACE diff in it may be half written, so the
    /// caller must not use it as if it were whole (retry with a larger `maxTokens` or ask for less).
    public var isTruncated: Bool { finishReason == .length }
}
