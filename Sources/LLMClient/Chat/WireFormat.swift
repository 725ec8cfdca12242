import Foundation

/// The request and answer shapes of the two chat APIs a `ChatClient` speaks (OpenAI-compatible
/// `/chat/completions` and Anthropic `/messages`, plain or streamed): what goes on the wire and how a
/// 2xx answer or an error body is read. It holds no state; the client's retry loop decides what a
/// failure means.
struct WireFormat: Sendable {
    let endpoint: Endpoint

    /// The request body: the messages, the token limit under the name the API and model expect, sampling
    /// settings, and the streaming options.
    func requestBody(_ messages: [ChatMessage]) throws -> [UInt8] {
        var object: [String: Any] = ["model": endpoint.model]
        switch endpoint.api {
        case .openAI:
            object["messages"] = messages.map { ["role": $0.role.rawValue, "content": $0.content] }
            object[endpoint.reasoning ? "max_completion_tokens" : "max_tokens"] = endpoint.maxTokens
        case .anthropic:
            object["system"] = messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
            object["messages"] = messages.filter { $0.role != .system }.map { ["role": $0.role.rawValue, "content": $0.content] }
            object["max_tokens"] = endpoint.maxTokens
        }
        if !endpoint.reasoning, let t = endpoint.temperature { object["temperature"] = t }
        if let p = endpoint.topP { object["top_p"] = p }
        if endpoint.stream {
            object["stream"] = true
            if endpoint.api == .openAI { object["stream_options"] = ["include_usage": true] }
        }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// The POST of `body` to the API's chat path, authenticated with `key` the way the API wants it.
    func request(body: [UInt8], key: String?) -> HTTPRequest {
        var headers = [HTTPHeader("Content-Type", "application/json")]
        if let key {
            switch endpoint.api {
            case .openAI: headers.append(HTTPHeader("Authorization", "Bearer \(key)"))
            case .anthropic: headers.append(HTTPHeader("x-api-key", key))
            }
        }
        if endpoint.api == .anthropic { headers.append(HTTPHeader("anthropic-version", "2023-06-01")) }
        headers += endpoint.extraHeaders.sorted { $0.key < $1.key }.map { HTTPHeader($0.key, $0.value) }
        let path = endpoint.api == .anthropic ? "/messages" : "/chat/completions"
        var request = HTTPRequest(
            method: "POST", url: endpoint.baseURL.trimmingSuffix("/") + path, headers: headers, body: body,
            connectTimeout: endpoint.connectTimeout, totalTimeout: endpoint.totalTimeout)
        request.idleTimeout = endpoint.idleTimeout
        // Not streamed, the server sends nothing until the whole answer is generated.
        request.idleTimeoutStartsAtFirstBodyByte = !endpoint.stream
        return request
    }

    /// Reads a 2xx answer. A streamed request whose server answered with one JSON object (it ignored
    /// `stream`) is read as a plain answer.
    func parse(_ body: [UInt8], promptCharacters: Int) throws -> Completion {
        let opensAsJSON = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        if endpoint.stream, !opensAsJSON { return try parseStream(body, promptCharacters: promptCharacters) }
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw MalformedAnswer(problem: "answer is not a JSON object")
        }
        let text: String?
        var prompt: Int?, completion: Int?
        let reason: String?
        switch endpoint.api {
        case .openAI:
            let choice = (object["choices"] as? [[String: Any]])?.first
            text = (choice?["message"] as? [String: Any])?["content"] as? String
            reason = choice?["finish_reason"] as? String
            let usage = object["usage"] as? [String: Any]
            prompt = usage?["prompt_tokens"] as? Int
            completion = usage?["completion_tokens"] as? Int
        case .anthropic:
            text = (object["content"] as? [[String: Any]])?.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
            reason = object["stop_reason"] as? String
            let usage = object["usage"] as? [String: Any]
            prompt = usage?["input_tokens"] as? Int
            completion = usage?["output_tokens"] as? Int
        }
        guard let text else {
            if let problem = Self.errorText(object) { throw MalformedAnswer(problem: "answer is an error: \(problem)") }
            throw MalformedAnswer(problem: "answer has no message text")
        }
        return self.completion(
            text, promptTokens: prompt, completionTokens: completion, promptCharacters: promptCharacters,
            finishReason: reason.map(FinishReason.init(serverValue:)))
    }

    /// A completion priced from the endpoint's table; token counts the endpoint did not report are
    /// estimated (4 characters ≈ 1 token, never more completion tokens than `maxTokens` allowed) and
    /// marked so.
    private func completion(
        _ text: String, promptTokens: Int?, completionTokens: Int?, promptCharacters: Int, finishReason: FinishReason?
    ) -> Completion {
        let usage = Usage(
            promptTokens: promptTokens ?? (promptCharacters + 3) / 4, completionTokens: completionTokens ?? min((text.count + 3) / 4, endpoint.maxTokens),
            estimated: promptTokens == nil || completionTokens == nil)
        let cost = (Double(usage.promptTokens) * endpoint.promptPricePerMillion
            + Double(usage.completionTokens) * endpoint.completionPricePerMillion) / 1e6
        return Completion(
            text: text, model: endpoint.model, usage: usage, costUSD: cost, latencySeconds: 0, attempts: 1,
            finishReason: finishReason)
    }

    /// Reassembles a server-sent-event stream: OpenAI's `choices[0].delta.content` chunks (finish reason
    /// in the last content chunk, usage in a final chunk when the server honours `include_usage`), or
    /// Anthropic's `content_block_delta` events (usage in `message_start`/`message_delta`, stop reason in
    /// `message_delta`). The server's token counts win; only missing ones are estimated.
    func parseStream(_ body: [UInt8], promptCharacters: Int) throws -> Completion {
        var text = ""
        var prompt: Int?, completion: Int?
        var reason: String?
        var done = false
        for event in ServerSentEvents(body).events {
            for payload in Self.payloads(of: event) {
                if payload == "[DONE]" { done = true; continue }
                guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
                    throw MalformedAnswer(problem: "malformed stream event")
                }
                if let problem = Self.errorText(object) { throw MalformedAnswer(problem: "the stream reported an error: \(problem)") }
                switch endpoint.api {
                case .openAI:
                    let choice = (object["choices"] as? [[String: Any]])?.first
                    if let delta = (choice?["delta"] as? [String: Any])?["content"] as? String { text += delta }
                    if let finish = choice?["finish_reason"] as? String { reason = finish }
                    if let usage = object["usage"] as? [String: Any] {
                        prompt = usage["prompt_tokens"] as? Int ?? prompt
                        completion = usage["completion_tokens"] as? Int ?? completion
                    }
                case .anthropic:
                    switch object["type"] as? String {
                    case "content_block_delta": text += ((object["delta"] as? [String: Any])?["text"] as? String) ?? ""
                    case "message_start": prompt = ((object["message"] as? [String: Any])?["usage"] as? [String: Any])?["input_tokens"] as? Int
                    case "message_delta":
                        let usage = object["usage"] as? [String: Any]
                        completion = usage?["output_tokens"] as? Int ?? completion
                        prompt = usage?["input_tokens"] as? Int ?? prompt
                        if let stop = (object["delta"] as? [String: Any])?["stop_reason"] as? String { reason = stop }
                    case "message_stop": done = true
                    default: break
                    }
                }
            }
        }
        guard done else {
            throw MalformedAnswer(problem: "stream ended before its end marker (the server stopped mid-answer; if it happens on every call, check the server's log: a prompt longer than the model's context window ends streams this way; lower prompt.token_budget or raise the server's context size)")
        }
        return self.completion(
            text, promptTokens: prompt, completionTokens: completion, promptCharacters: promptCharacters,
            finishReason: reason.map(FinishReason.init(serverValue:)))
    }

    /// An event's JSON payloads. Normally its data is one payload; a server that omits the blank line
    /// between events runs several `data:` lines together, so when the joined data is not JSON each line
    /// is read on its own.
    static func payloads(of event: ServerSentEvents.Event) -> [String] {
        guard event.dataLines.count > 1 else { return [event.data.trimmingCharacters(in: .whitespaces)] }
        if (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) != nil { return [event.data] }
        return event.dataLines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The error message of an error body (OpenAI `error.message`, Anthropic `error.message`, FastAPI
    /// `detail`), redacted before it is cut to length so no part of a key survives the cut.
    static func errorMessage(_ body: [UInt8], redact: Redactor) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let message = errorText(object) {
            return String(redact(message).prefix(300))
        }
        return String(redact(String(decoding: body, as: UTF8.self)).prefix(300))
    }

    /// `: <message>` for a retried error status, so the log says what the server said.
    static func statusDetail(_ body: [UInt8], redact: Redactor) -> String {
        guard !body.isEmpty else { return "" }
        return ": " + errorMessage(body, redact: redact).prefix(160).replacingOccurrences(of: "\n", with: " ")
    }

    static func errorText(_ object: [String: Any]) -> String? {
        if let error = object["error"] as? [String: Any] { return error["message"] as? String ?? "\(error)" }
        if let error = object["error"] as? String { return error }
        if let detail = object["detail"] as? String { return detail }
        return nil
    }
}

/// A 2xx answer that could not be read (not JSON, no text, a stream without its end marker): retried.
struct MalformedAnswer: Error, CustomStringConvertible {
    let problem: String
    var description: String { problem }
}

extension String {
    func trimmingSuffix(_ suffix: Character) -> String {
        var s = self
        while s.last == suffix { s.removeLast() }
        return s
    }
}
