/// Whether an endpoint's API key is available, as `Endpoint.checkKey(environment:)` sees it: the one
/// rule the client (at call time) and `evolve doctor` (at a glance) share. Names variables, never values.
public enum KeyStatus: Sendable, Equatable, CustomStringConvertible {
    /// The endpoint is configured without authentication (`apiKeyEnv` nil or empty).
    case notRequired
    /// The variable is set; its value is sent as the key.
    case present(variable: String)
    /// The variable is unset, but the host is a loopback server (llama.cpp, Ollama, vLLM without auth),
    /// so requests go without a key.
    case absentAllowed(variable: String)
    /// The variable is unset and the host is remote: calls fail with `EndpointError.missingAPIKey`.
    case missing(variable: String)
    /// The configured variable name is not a variable name (probably the key itself).
    case invalidVariableName

    /// Whether a call may be made.
    public var isUsable: Bool {
        switch self {
        case .notRequired, .present, .absentAllowed: true
        case .missing, .invalidVariableName: false
        }
    }

    public var description: String {
        switch self {
        case .notRequired: "no key (endpoint without authentication)"
        case .present(let variable): "key from \(variable) (set)"
        case .absentAllowed(let variable): "no key sent (\(variable) is not set; a loopback server needs none)"
        case .missing(let variable): "\(variable) is not set"
        case .invalidVariableName: "the key variable setting is not a variable name (is the key itself there?)"
        }
    }
}
