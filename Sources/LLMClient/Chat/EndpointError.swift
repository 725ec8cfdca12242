/// Why an endpoint cannot be used as configured, in one line that names the setting, the cause and the
/// fix. Never holds a key or a full URL (either may carry a credential).
public enum EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting's value is unusable; `problem` says how, without repeating the value.
    case invalidSetting(variable: String, problem: String)
    /// `EVOLVE_LLM_BASE_URL` is set but `EVOLVE_LLM_MODEL` is not.
    case missingModel(host: String)
    /// The key variable's name is not an environment variable name — most often the key itself was
    /// put where its variable's name belongs.
    case keyVariableIsNotAName
    /// A remote endpoint's key variable is unset or empty.
    case missingAPIKey(variable: String, host: String)

    public var description: String {
        switch self {
        case .invalidSetting(let variable, let problem):
            "\(variable) \(problem)"
        case .missingModel(let host):
            "EVOLVE_LLM_MODEL is not set: export the name of the model \(host) serves (e.g. gpt-4o-mini, or the local server's model alias)"
        case .keyVariableIsNotAName:
            "the API key variable setting (EVOLVE_LLM_API_KEY_ENV or api_key_env) must be the NAME of the variable that holds the key, e.g. OPENAI_API_KEY, not the key (its value is not shown); set it to \"\" for a server without authentication"
        case .missingAPIKey(let variable, let host):
            "the API key variable \(variable) is not set and \(host) is not a loopback server: export \(variable), or set EVOLVE_LLM_API_KEY_ENV=\"\" if the server needs no key (the key is read at call time and never stored)"
        }
    }
}
