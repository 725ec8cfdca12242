import TestSupport
import Foundation
import Testing
@testable import LLMClient

/// Issue 18, case 7: streamed token counts come from the server where it gives them; estimates are marked.
@Suite struct StreamUsageTests {
    let messages = [ChatMessage(.user, String(repeating: "p", count: 40))]

    func answer(_ stream: String, maxTokens: Int = 4096) async throws -> Completion {
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Response(status: 200, body: Array(stream.utf8)) }
        defer { server.stop() }
        var endpoint = Endpoint(baseURL: server.baseURL + "/v1", model: "m")
        endpoint.stream = true
        endpoint.maxTokens = maxTokens
        endpoint.promptPricePerMillion = 1_000_000
        endpoint.completionPricePerMillion = 1_000_000
        let completion = try await ChatClient(endpoint: endpoint, environment: [:]).complete(messages)
        let body = try JSONSerialization.jsonObject(with: Data(server.requests[0].body)) as? [String: Any]
        #expect((body?["stream_options"] as? [String: Bool])?["include_usage"] == true)
        return completion
    }

    /// llama-cpp-python ignores `include_usage`: counts are estimated (4 characters ≈ 1 token) and say so.
    @Test func aStreamWithoutUsageIsEstimatedAndMarked() async throws {
        let completion = try await answer("data: {\"choices\":[{\"delta\":{\"content\":\"twelve chars\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
        #expect(completion.usage == Usage(promptTokens: 10, completionTokens: 3, estimated: true))
        #expect(completion.costUSD == 13)
    }

    /// A server that puts usage on its last content chunk (not a separate one) is believed.
    @Test func usageOnTheLastContentChunkIsTheServers() async throws {
        let completion = try await answer("""
            data: {"choices":[{"delta":{"content":"abc"},"finish_reason":null}],"usage":null}

            data: {"choices":[{"delta":{"content":"def"},"finish_reason":"stop"}],"usage":{"prompt_tokens":31,"completion_tokens":2,"total_tokens":33}}

            data: [DONE]


            """)
        #expect(completion.usage == Usage(promptTokens: 31, completionTokens: 2, estimated: false))
        #expect(completion.costUSD == 33)
    }

    /// Only the missing half is estimated, and the whole is marked as an estimate.
    @Test func aPartialUsageIsCompletedByEstimateAndMarked() async throws {
        let completion = try await answer("""
            data: {"choices":[{"delta":{"content":"abcdefgh"},"finish_reason":"stop"}],"usage":{"prompt_tokens":31}}

            data: [DONE]


            """)
        #expect(completion.usage == Usage(promptTokens: 31, completionTokens: 2, estimated: true))
    }

    /// The estimate never exceeds what `maxTokens` allowed (the real server ran 600 tokens of a story
    /// that 4 characters per token counted as 696).
    @Test func anEstimateIsCappedByTheTokenLimit() async throws {
        let long = String(repeating: "abcd", count: 50)
        let completion = try await answer("data: {\"choices\":[{\"delta\":{\"content\":\"\(long)\"},\"finish_reason\":\"length\"}]}\n\ndata: [DONE]\n\n", maxTokens: 20)
        #expect(completion.usage.completionTokens == 20 && completion.usage.estimated && completion.isTruncated)
    }
}
