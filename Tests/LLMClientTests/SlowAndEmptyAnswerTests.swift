import TestSupport
import Foundation
import Testing
@testable import LLMClient

/// Issue 18, cases 5 and 6: a long non-streamed answer is not abandoned while the server generates it;
/// an empty answer is a failure naming the likely cause.
@Suite struct SlowAndEmptyAnswerTests {
    let messages = [ChatMessage(.user, "Write 1000 tokens.")]

    func client(_ server: LoopbackHTTPServer, stream: Bool = false, attempts: Int = 1) -> ChatClient {
        var endpoint = Endpoint(baseURL: server.baseURL + "/v1", model: "gemma3-270m")
        endpoint.stream = stream
        endpoint.idleTimeout = 1
        endpoint.totalTimeout = 30
        var policy = RetryPolicy()
        policy.maxAttempts = attempts
        policy.baseDelay = 0.01
        return ChatClient(endpoint: endpoint, policy: policy, environment: [:])
    }

    /// The server is silent for 2.5 s (generating) with an idle timeout of 1 s: one attempt succeeds.
    @Test func aNonStreamedAnswerSlowerThanTheIdleTimeoutArrives() async throws {
        let server = try LoopbackHTTPServer { _ in
            var answer = ChatClientTests.openAIAnswer("a long answer")
            answer.delay = 2.5
            return answer
        }
        defer { server.stop() }
        let answer = try await client(server, attempts: 3).complete(messages)
        #expect(answer.text == "a long answer" && answer.attempts == 1)
        #expect(server.requests.count == 1)
    }

    /// Streamed, the same silence is a stall: the idle clock runs from the start there, which is what
    /// catches a dead stream early.
    @Test func aStreamedAnswerSilentForLongerThanTheIdleTimeoutIsAbandoned() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, body: Array("data: [DONE]\n\n".utf8), delay: 2.5)
        }
        defer { server.stop() }
        do {
            _ = try await client(server, stream: true).complete(messages)
            Issue.record("a silent stream was waited out")
        } catch let error as LLMError {
            #expect(error.description.contains("idle timeout"), "\(error)")
        }
    }

    @Test(arguments: [#""""#, #""  \n ""#])
    func anEmptyAnswerIsAFailureThatNamesTheChatTemplate(_ content: String) async throws {
        let server = try LoopbackHTTPServer { _ in
            .json(200, #"{"choices":[{"message":{"role":"assistant","content":\#(content)},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":0}}"#)
        }
        defer { server.stop() }
        let chat = client(server, attempts: 3)
        do {
            let answer = try await chat.complete(messages)
            Issue.record("an empty answer succeeded: \(answer)")
        } catch let error as LLMError {
            #expect(error == .emptyAnswer(host: server.baseURL, model: "gemma3-270m", finishReason: .stop))
            #expect(error.description.contains("chat template") && error.description.contains("--chat_format"))
        }
        #expect(server.requests.count == 1)  // not retried: a wrong template answers the same way again
        let totals = await chat.totals
        #expect(totals.failures == 1 && totals.promptTokens == 20)
    }

    @Test func anEmptyAnswerCutByTheTokenLimitSaysToRaiseIt() async throws {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"\"},\"finish_reason\":\"length\"}]}\r\n\r\ndata: [DONE]\r\n\r\n"
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Response(status: 200, body: Array(stream.utf8)) }
        defer { server.stop() }
        do {
            _ = try await client(server, stream: true).complete(messages)
            Issue.record("an empty streamed answer succeeded")
        } catch let error as LLMError {
            #expect(error == .emptyAnswer(host: server.baseURL, model: "gemma3-270m", finishReason: .length))
            #expect(error.description.contains("raise max_tokens"))
        }
    }
}
