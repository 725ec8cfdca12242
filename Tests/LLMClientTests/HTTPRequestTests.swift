import TestSupport
import Foundation
import Testing
@testable import LLMClient

@Suite struct HTTPRequestTests {
    @Test func getReturnsStatusHeadersAndBody() async throws {
        let server = try LoopbackHTTPServer { request in
            .json(200, #"{"path":"\#(request.path)"}"#, headers: [("X-Request-Id", "abc-123")])
        }
        defer { server.stop() }
        let response = try await HTTPRequest(
            url: server.baseURL + "/v1/models?x=1", headers: [HTTPHeader("Authorization", "Bearer test-token")]
        ).send()
        #expect(response.status == 200)
        #expect(response.header("x-request-id") == "abc-123")
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.text == #"{"path":"/v1/models?x=1"}"#)
        let seen = try #require(server.requests.first)
        #expect(seen.method == "GET")
        #expect(seen.headers["authorization"] == "Bearer test-token")
        #expect(seen.body.isEmpty)
    }

    @Test func postSendsTheJSONBodyAndReadsAnErrorStatus() async throws {
        let server = try LoopbackHTTPServer { request in
            let payload = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            let model = payload?["model"] as? String ?? "none"
            return .json(201, #"{"echo":"\#(model)","bytes":\#(request.body.count)}"#)
        }
        defer { server.stop() }
        let body = Array(#"{"model":"tiny","messages":[{"role":"user","content":"héllo"}]}"#.utf8)
        let response = try await HTTPRequest(
            method: "POST", url: server.baseURL + "/v1/chat/completions",
            headers: [HTTPHeader("Content-Type", "application/json")], body: body
        ).send()
        #expect(response.status == 201)
        #expect(response.text == #"{"echo":"tiny","bytes":\#(body.count)}"#)
        let seen = try #require(server.requests.first)
        #expect(seen.method == "POST")
        #expect(seen.path == "/v1/chat/completions")
        #expect(seen.headers["content-type"] == "application/json")
        #expect(seen.body == body)
        #expect(seen.headers["expect"] == nil)

        let notFound = try await HTTPRequest(method: "DELETE", url: server.baseURL + "/x").send()
        #expect(notFound.status == 201)
        #expect(server.requests.last?.method == "DELETE")
    }

    @Test func totalTimeoutAndRefusedConnectionAreTransportErrors() async throws {
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Response(status: 200, delay: 20) }
        defer { server.stop() }
        do {
            _ = try await HTTPRequest(url: server.baseURL + "/slow", totalTimeout: 0.5).send()
            Issue.record("a 20 s response finished inside a 0.5 s timeout")
        } catch let error as HTTPTransportError {
            #expect(error.isTimeout)
            // Well before the server's 20 s answer, with room for a loaded machine.
            #expect(try #require(await server.firstHangUp()) < 10)
        }

        let closed = try LoopbackHTTPServer { _ in .json(200, "{}") }
        let port = closed.port
        closed.stop()
        do {
            _ = try await HTTPRequest(url: "http://127.0.0.1:\(port)/?key=secret-value").send()
            Issue.record("connected to a closed port")
        } catch let error as HTTPTransportError {
            #expect(error.isConnectionFailure)
            #expect(error.description.contains("127.0.0.1:\(port)"))
            #expect(!error.description.contains("secret-value"))
        }
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Response(status: 200, delay: 20) }
        defer { server.stop() }
        let task = Task { try await HTTPRequest(url: server.baseURL + "/slow", totalTimeout: 30).send() }
        // Cancel once the server holds the request, so the cancel meets a transfer under way (on a
        // busy machine the task may not have started 200 ms later).
        for _ in 0..<500 where server.requests.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        // Aborted by the cancel, not by the 30 s timeout nor the 20 s answer.
        #expect(try #require(await server.firstHangUp()) < 15)
    }

    /// The idle check runs in libcurl's progress callback, so a 1 s stall is caught near 1 s, not at the
    /// next whole-second low-speed window (about 6 s before). The bound is generous for a loaded machine.
    @Test func aStalledBodyIsAbandonedSoonAfterTheIdleTimeout() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, body: Array(repeating: UInt8(ascii: "x"), count: 100), stallAfterBytes: 10, stallSeconds: 20)
        }
        defer { server.stop() }
        var request = HTTPRequest(url: server.baseURL + "/stream", totalTimeout: 60)
        request.idleTimeout = 1
        do {
            _ = try await request.send()
            Issue.record("a stalled body finished")
        } catch let error as HTTPTransportError {
            #expect(error.isTimeout, "\(error)")
            #expect(error.description.contains("idle timeout"), "\(error)")
        }
        let stall = try #require(await server.firstHangUp())
        #expect(stall >= 0.9 && stall < 4, "stall detected after \(stall) s")
    }

    /// A non-streamed answer arrives whole after the server generated it: silence before the first body
    /// byte is not a stall when the request says so, and is one when it does not.
    @Test func silenceBeforeTheFirstBodyByteIsNotAStallWhenTheRequestSaysSo() async throws {
        let server = try LoopbackHTTPServer { _ in
            var answer = LoopbackHTTPServer.Response.json(200, #"{"done":true}"#)
            answer.delay = 2.5
            return answer
        }
        defer { server.stop() }
        var patient = HTTPRequest(url: server.baseURL + "/slow", totalTimeout: 30)
        patient.idleTimeout = 1
        patient.idleTimeoutStartsAtFirstBodyByte = true
        let response = try await patient.send()
        #expect(response.status == 200 && response.text == #"{"done":true}"#)

        var impatient = patient
        impatient.idleTimeoutStartsAtFirstBodyByte = false
        await #expect(throws: HTTPTransportError.self) { try await impatient.send() }
    }

    /// Once the body has started, a stall counts again even for a non-streamed request.
    @Test func aBodyThatStartsAndStallsIsAbandonedEvenWhenWaitingForTheFirstByte() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, body: Array(repeating: UInt8(ascii: "y"), count: 50), stallAfterBytes: 5, stallSeconds: 20)
        }
        defer { server.stop() }
        var request = HTTPRequest(url: server.baseURL + "/half", totalTimeout: 60)
        request.idleTimeout = 1
        request.idleTimeoutStartsAtFirstBodyByte = true
        await #expect(throws: HTTPTransportError.self) { try await request.send() }
        #expect(try #require(await server.firstHangUp()) < 4)
    }

    @Test func reportsTheLoadedLibraryVersion() {
        #expect(curlLibraryVersion.split(separator: ".").count == 3)
    }
}
