import Foundation

/// Reading an endpoint from the environment and checking its key: the only place that knows the
/// `EVOLVE_LLM_*` variables, so the CLI (`evolve doctor`, `evolve run`) never reads them itself.
extension Endpoint {
    /// The endpoint named by the environment, or nil when `EVOLVE_LLM_BASE_URL` is unset or empty (the
    /// offline proposer is used then).
    ///
    /// - `EVOLVE_LLM_BASE_URL`: e.g. `http://127.0.0.1:8089/v1`; a host ending in `anthropic.com` selects
    ///   Anthropic's Messages API, anything else the OpenAI-compatible one.
    /// - `EVOLVE_LLM_MODEL`: required with a base URL.
    /// - `EVOLVE_LLM_API_KEY_ENV`: the *name* of the variable holding the key; `""` means no key. Unset:
    ///   `OPENAI_API_KEY` (`ANTHROPIC_API_KEY` for Anthropic) for a remote host, no key for a loopback one.
    /// - `EVOLVE_LLM_STREAM`: `1`/`true` to stream answers, `0`/`false` (default) not to.
    ///
    /// Throws when the settings cannot work, including a remote host whose key variable is unset.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(EndpointError) -> Endpoint? {
        let base = (environment["EVOLVE_LLM_BASE_URL"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !base.isEmpty else { return nil }
        guard let components = URLComponents(string: base), let scheme = components.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let hostName = components.host, !hostName.isEmpty
        else {
            throw .invalidSetting(
                variable: "EVOLVE_LLM_BASE_URL",
                problem: "is not an http(s) URL with a host: set it to the API's base, e.g. http://127.0.0.1:8080/v1 or https://api.openai.com/v1")
        }
        var endpoint = Endpoint(baseURL: base, model: "")
        endpoint.api = hostName.lowercased().hasSuffix("anthropic.com") ? .anthropic : .openAI
        guard let model = environment["EVOLVE_LLM_MODEL"]?.trimmingCharacters(in: .whitespaces), !model.isEmpty else {
            throw .missingModel(host: endpoint.host)
        }
        endpoint.model = model
        switch environment["EVOLVE_LLM_API_KEY_ENV"] {
        case let name?: endpoint.apiKeyEnv = name.isEmpty ? nil : name
        case nil where endpoint.isLoopback: endpoint.apiKeyEnv = nil
        case nil: endpoint.apiKeyEnv = endpoint.api == .anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"
        }
        switch environment["EVOLVE_LLM_STREAM"]?.lowercased() {
        case nil, "", "0", "false", "no", "off": endpoint.stream = false
        case "1", "true", "yes", "on": endpoint.stream = true
        default: throw .invalidSetting(variable: "EVOLVE_LLM_STREAM", problem: "must be 1 or 0 (true or false)")
        }
        try endpoint.requireKey(environment: environment)
        return endpoint
    }

    /// Whether the key is available for a call, by one rule: no variable configured → not required;
    /// set → present; unset → fine for a loopback host, missing for a remote one.
    public func checkKey(environment: [String: String] = ProcessInfo.processInfo.environment) -> KeyStatus {
        guard let variable = apiKeyEnv, !variable.isEmpty else { return .notRequired }
        guard Self.isVariableName(variable) else { return .invalidVariableName }
        if key(environment: environment) != nil { return .present(variable: variable) }
        return isLoopback ? .absentAllowed(variable: variable) : .missing(variable: variable)
    }

    /// One line for people: API, host, model, streaming and the key's status — never the key.
    public func describe(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        "\(api.rawValue) endpoint \(host), model \(model), \(stream ? "streamed" : "not streamed"); \(checkKey(environment: environment))"
    }

    /// Whether the host is this machine (127.0.0.0/8, ::1, localhost): such a server may need no key.
    public var isLoopback: Bool {
        guard var name = URLComponents(string: baseURL)?.host?.lowercased() else { return false }
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name.hasSuffix(".localhost") || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The key to send, or nil; surrounding whitespace is dropped (a pasted key's newline would break
    /// the header).
    package func key(environment: [String: String]) -> String? {
        guard let variable = apiKeyEnv, !variable.isEmpty,
              let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
        else { return nil }
        return value
    }

    /// Throws the `EndpointError` for a key status that forbids calls.
    package func requireKey(environment: [String: String]) throws(EndpointError) {
        switch checkKey(environment: environment) {
        case .missing(let variable): throw .missingAPIKey(variable: variable, host: host)
        case .invalidVariableName: throw .keyVariableIsNotAName
        case .notRequired, .present, .absentAllowed: return
        }
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
