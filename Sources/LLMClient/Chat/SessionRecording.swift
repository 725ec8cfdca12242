import Foundation

/// A client's session as a JSONL file, one `{"model", "request", "response"}` object per call, so a run
/// can be replayed without a network. Headers are not recorded; bodies pass the redactor (a prompt or an
/// answer may hold something key-shaped), and replay looks requests up redacted the same way.
struct SessionRecording {
    /// Appends one request and its answer to `file`.
    static func append(model: String, body: [UInt8], response: [UInt8], to file: URL, redact: Redactor) throws {
        let entry: [String: Any] = [
            "model": model, "request": redact(String(decoding: body, as: UTF8.self)),
            "response": redact(String(decoding: response, as: UTF8.self)),
        ]
        var line = try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys])
        line.append(UInt8(ascii: "\n"))
        if let handle = try? FileHandle(forWritingTo: file) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } else {
            try line.write(to: file)
        }
    }

    let file: URL
    /// Recorded answers by redacted request body, in recording order; each replayed answer is used once.
    private var queues: [String: [String]]?

    init(file: URL) {
        self.file = file
    }

    /// The next recorded answer to the request `key` (its redacted body), or nil when none is left.
    mutating func nextResponse(to key: String) -> String? {
        if queues == nil {
            var loaded: [String: [String]] = [:]
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                      let request = entry["request"], let response = entry["response"] else { continue }
                loaded[request, default: []].append(response)
            }
            queues = loaded
        }
        guard var queue = queues?[key], !queue.isEmpty else { return nil }
        let response = queue.removeFirst()
        queues?[key] = queue
        return response
    }
}
