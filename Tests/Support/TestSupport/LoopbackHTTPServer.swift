import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP/1.1 server on 127.0.0.1 for the test targets (LLMClient, Proposers, the CLI): it records each request and answers with whatever the
/// test's handler returns. One connection at a time, `Connection: close` after each response.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let headers: [String: String]  // lower-cased names
        public let body: [UInt8]
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)] = []
        public var body: [UInt8] = []
        /// Seconds to wait before answering (to test timeouts).
        public var delay: Double = 0
        /// Send only this many body bytes, then go silent for `stallSeconds` (a stalled stream).
        public var stallAfterBytes: Int?
        public var stallSeconds: Double = 0

        public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], delay: Double = 0, stallAfterBytes: Int? = nil, stallSeconds: Double = 0) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
            self.stallAfterBytes = stallAfterBytes
            self.stallSeconds = stallSeconds
        }

        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
        }
    }

    public let port: UInt16
    private let socket: Int32
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var recorded: [Request] = []
    private var hangUps: [Double] = []

    public var requests: [Request] { lock.withLock { recorded } }

    /// For each `delay` or stall the client ended by closing the connection: seconds from the start of
    /// the silence to the hang-up, measured here on the server's own thread. Timing assertions use it
    /// because a test's own clock also counts the wait for a free thread of the concurrency pool, which
    /// other suites running in parallel can hold for many seconds.
    public var secondsUntilClientHungUp: [Double] { lock.withLock { hangUps } }

    /// The first recorded hang-up, waiting up to `seconds` for the server's thread to notice it (the
    /// client may return its error a moment before the server sees the connection close).
    public func firstHangUp(within seconds: Double = 10) async -> Double? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let first = secondsUntilClientHungUp.first { return first }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return secondsUntilClientHungUp.first
    }

    public init(handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting. The socket is closed by the accept loop itself, so its descriptor cannot be
    /// reused by another test while this loop might still call accept on it.
    public func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 {
                close(socket)
                return
            }
            // Headers and body go out in separate writes: without this, Nagle's algorithm holds the body
            // until the client's delayed ACK (~40 ms per request).
            var noDelay: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            serve(client)
            close(client)
        }
    }

    private func serve(_ client: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        while headerEnd == nil {
            let n = read(client, &chunk, chunk.count)
            if n <= 0 { return }
            buffer += chunk[0..<n]
            headerEnd = find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(buffer[(headerEnd! + 4)...])
        while body.count < length {
            let n = read(client, &chunk, chunk.count)
            if n <= 0 { break }
            body += chunk[0..<n]
        }
        let request = Request(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
        lock.withLock { recorded.append(request) }
        let response = handler(request)
        if response.delay > 0, !staySilent(response.delay, on: client) { return }
        var text = "HTTP/1.1 \(response.status) Scripted\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8) + response.body
        let first = response.stallAfterBytes.map { min(bytes.count, text.utf8.count + $0) } ?? bytes.count
        _ = bytes[..<first].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if first < bytes.count {
            guard staySilent(response.stallSeconds, on: client) else { return }
            _ = bytes[first...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// Sends nothing for `seconds`; false (and the hang-up recorded) if the client closed meanwhile.
    private func staySilent(_ seconds: Double, on client: Int32) -> Bool {
        let start = Date()
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = seconds - Date().timeIntervalSince(start)
            if left <= 0 { return true }
            var descriptor = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(min(left, 0.05) * 1000) + 1) > 0 else { continue }
            if read(client, &scratch, scratch.count) <= 0 {
                let after = Date().timeIntervalSince(start)
                lock.withLock { hangUps.append(after) }
                return false
            }
        }
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
