import TestSupport
import Foundation
import Testing
@testable import LLMClient

/// Issue 18, case 3: keyless local endpoints, one clear error for a remote one without its key, and the
/// one function (`fromEnvironment` + `checkKey`) the CLI calls instead of reading variables itself.
@Suite struct EndpointEnvironmentTests {
    static let key = "sk-env-SECRET-1a2b3c"
    let messages = [ChatMessage(.user, "hi")]

    @Test(arguments: ["http://127.0.0.1:8089/v1", "http://localhost:11434/v1", "http://[::1]:8000/v1", "http://127.1.2.3/v1"])
    func aLoopbackHostNeedsNoKeyWhenTheKeyVariableIsUnset(_ base: String) throws {
        let endpoint = try #require(try Endpoint.fromEnvironment(["EVOLVE_LLM_BASE_URL": base, "EVOLVE_LLM_MODEL": "gemma3-270m"]))
        #expect(endpoint.isLoopback)
        #expect(endpoint.apiKeyEnv == nil)
        #expect(endpoint.checkKey(environment: [:]) == .notRequired)
    }

    @Test func anEmptyKeyVariableMeansKeylessEvenForARemoteHost() throws {
        let environment = ["EVOLVE_LLM_BASE_URL": "http://gpu-box.lan:8000/v1", "EVOLVE_LLM_MODEL": "qwen", "EVOLVE_LLM_API_KEY_ENV": ""]
        let endpoint = try #require(try Endpoint.fromEnvironment(environment))
        #expect(!endpoint.isLoopback && endpoint.apiKeyEnv == nil)
        #expect(endpoint.checkKey(environment: environment) == .notRequired)
    }

    @Test func aRemoteHostWithoutItsKeyIsOneErrorNamingTheVariable() {
        let environment = ["EVOLVE_LLM_BASE_URL": "https://api.openai.com/v1", "EVOLVE_LLM_MODEL": "gpt-4o-mini"]
        #expect(throws: EndpointError.missingAPIKey(variable: "OPENAI_API_KEY", host: "https://api.openai.com")) {
            try Endpoint.fromEnvironment(environment)
        }
        let anthropic = ["EVOLVE_LLM_BASE_URL": "https://api.anthropic.com/v1", "EVOLVE_LLM_MODEL": "claude", "ANTHROPIC_API_KEY": " "]
        #expect(throws: EndpointError.missingAPIKey(variable: "ANTHROPIC_API_KEY", host: "https://api.anthropic.com")) {
            try Endpoint.fromEnvironment(anthropic)
        }
        let message = EndpointError.missingAPIKey(variable: "OPENAI_API_KEY", host: "https://api.openai.com").description
        #expect(!message.contains("\n") && message.contains("OPENAI_API_KEY") && message.contains("export"))
    }

    @Test func aRemoteHostWithItsKeyIsReadyAndDescribedWithoutTheKey() throws {
        let environment = [
            "EVOLVE_LLM_BASE_URL": "https://openrouter.ai/api/v1", "EVOLVE_LLM_MODEL": "qwen/qwen3-coder",
            "EVOLVE_LLM_API_KEY_ENV": "OPENROUTER_API_KEY", "OPENROUTER_API_KEY": Self.key, "EVOLVE_LLM_STREAM": "1",
        ]
        let endpoint = try #require(try Endpoint.fromEnvironment(environment))
        #expect(endpoint.api == .openAI && endpoint.stream && endpoint.model == "qwen/qwen3-coder")
        #expect(endpoint.checkKey(environment: environment) == .present(variable: "OPENROUTER_API_KEY"))
        let line = endpoint.describe(environment: environment)
        #expect(line == "openai endpoint https://openrouter.ai, model qwen/qwen3-coder, streamed; key from OPENROUTER_API_KEY (set)")
        #expect(!line.contains(Self.key))
    }

    /// The commonest slip: the key itself where its variable's name belongs. The error must not print it.
    @Test func aKeyInPlaceOfTheVariableNameIsRefusedWithoutEchoingIt() {
        let environment = ["EVOLVE_LLM_BASE_URL": "https://api.openai.com/v1", "EVOLVE_LLM_MODEL": "m", "EVOLVE_LLM_API_KEY_ENV": Self.key]
        #expect(throws: EndpointError.keyVariableIsNotAName) { try Endpoint.fromEnvironment(environment) }
        #expect(!EndpointError.keyVariableIsNotAName.description.contains(Self.key))
        #expect(Endpoint(baseURL: "http://127.0.0.1/v1", model: "m", apiKeyEnv: Self.key).checkKey(environment: [:]) == .invalidVariableName)
    }

    @Test func unusableSettingsAreOneLineErrors() throws {
        #expect(throws: EndpointError.self) { try Endpoint.fromEnvironment(["EVOLVE_LLM_BASE_URL": "127.0.0.1:8080", "EVOLVE_LLM_MODEL": "m"]) }
        #expect(throws: EndpointError.missingModel(host: "http://127.0.0.1:8080")) {
            try Endpoint.fromEnvironment(["EVOLVE_LLM_BASE_URL": "http://127.0.0.1:8080/v1"])
        }
        #expect(throws: EndpointError.invalidSetting(variable: "EVOLVE_LLM_STREAM", problem: "must be 1 or 0 (true or false)")) {
            try Endpoint.fromEnvironment(["EVOLVE_LLM_BASE_URL": "http://127.0.0.1:8080/v1", "EVOLVE_LLM_MODEL": "m", "EVOLVE_LLM_STREAM": "maybe"])
        }
        #expect(try Endpoint.fromEnvironment(["EVOLVE_LLM_BASE_URL": " "]) == nil)
    }

    /// Against a real loopback server: no Authorization header when the key is absent, the key when set.
    @Test func aKeylessLoopbackCallSendsNoAuthorizationHeader() async throws {
        let server = try LoopbackHTTPServer { _ in ChatClientTests.openAIAnswer("local answer") }
        defer { server.stop() }
        let environment = ["EVOLVE_LLM_BASE_URL": server.baseURL + "/v1", "EVOLVE_LLM_MODEL": "gemma3-270m"]
        let endpoint = try #require(try Endpoint.fromEnvironment(environment))
        let answer = try await ChatClient(endpoint: endpoint, environment: environment).complete(messages)
        #expect(answer.text == "local answer")
        #expect(server.requests[0].headers["authorization"] == nil)

        let named = environment.merging(["EVOLVE_LLM_API_KEY_ENV": "LOCAL_PROXY_KEY"]) { $1 }
        let proxied = try #require(try Endpoint.fromEnvironment(named))
        #expect(proxied.checkKey(environment: named) == .absentAllowed(variable: "LOCAL_PROXY_KEY"))
        _ = try await ChatClient(endpoint: proxied, environment: named).complete(messages)
        #expect(server.requests[1].headers["authorization"] == nil)
        let withKey = named.merging(["LOCAL_PROXY_KEY": Self.key + "\n"]) { $1 }
        _ = try await ChatClient(endpoint: proxied, environment: withKey).complete(messages)
        #expect(server.requests[2].headers["authorization"] == "Bearer \(Self.key)")
    }

    /// A loopback server that does want a key says 401; the error then says no key was sent and why.
    @Test func aLoopbackServerThatWantsAKeyIsToldWhyNoneWasSent() async throws {
        let server = try LoopbackHTTPServer { _ in .json(401, #"{"detail":"Invalid API Key"}"#) }
        defer { server.stop() }
        let endpoint = Endpoint(baseURL: server.baseURL + "/v1", model: "m", apiKeyEnv: "LOCAL_PROXY_KEY")
        do {
            _ = try await ChatClient(endpoint: endpoint, environment: [:]).complete(messages)
            Issue.record("a 401 became an answer")
        } catch let error as LLMError {
            #expect(error == .rejected(host: server.baseURL, status: 401, message: "Invalid API Key (no key was sent: LOCAL_PROXY_KEY is not set)"))
        }
    }
}
