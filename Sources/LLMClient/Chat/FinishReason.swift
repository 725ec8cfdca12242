/// Why a model stopped writing. A proposer needs it to tell a whole answer from one the token limit cut
/// off, which would otherwise look complete and be applied as half a diff.
///
/// ```swift
/// let answer = try await client.complete(messages)
/// if answer.isTruncated { /* ask again with a larger budget, or for a shorter answer */ }
/// ```
public enum FinishReason: Sendable, Hashable {
    /// The model ended its answer: OpenAI `stop`, Anthropic `end_turn` or `stop_sequence`.
    case stop
    /// The token limit cut the answer off: OpenAI `length`, Anthropic `max_tokens`.
    case length
    /// The provider withheld (part of) the answer: OpenAI `content_filter`, Anthropic `refusal`.
    case contentFilter
    /// Anything else (`tool_calls`, `tool_use`, `pause_turn`, a server's own word), as the server spelled it.
    case other(String)

    /// Maps the OpenAI and Anthropic spellings onto one set of cases.
    public init(serverValue: String) {
        switch serverValue {
        case "stop", "end_turn", "stop_sequence": self = .stop
        case "length", "max_tokens": self = .length
        case "content_filter", "refusal": self = .contentFilter
        default: self = .other(serverValue)
        }
    }

    /// The OpenAI spelling (`.other` keeps the server's): how it is encoded and printed.
    public var name: String {
        switch self {
        case .stop: "stop"
        case .length: "length"
        case .contentFilter: "content_filter"
        case .other(let value): value
        }
    }
}

extension FinishReason: Codable {
    public init(from decoder: Decoder) throws {
        self.init(serverValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

extension FinishReason: CustomStringConvertible {
    public var description: String { name }
}
