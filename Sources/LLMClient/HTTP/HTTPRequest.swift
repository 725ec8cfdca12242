import CCurl
import CShims
import Foundation

/// One HTTP header.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request performed with libcurl.
///
/// ```swift
/// let request = HTTPRequest(method: "POST", url: "http://127.0.0.1:8080/v1/chat/completions",
///                           headers: [HTTPHeader("Content-Type", "application/json")],
///                           body: Array(json.utf8), totalTimeout: 120)
/// let response = try await request.send()
/// ```
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]?
    /// Seconds allowed to establish the connection.
    public var connectTimeout: Double
    /// Seconds allowed for the whole transfer.
    public var totalTimeout: Double
    /// Seconds without a single byte moving, in either direction, after which a stalled transfer is
    /// abandoned (0 = off). Checked from libcurl's progress callback, so a stall is caught within about a
    /// second of the limit, long before `totalTimeout`.
    public var idleTimeout: Double = 0
    /// When true, the idle clock starts at the first body byte instead of the start of the transfer.
    /// A non-streamed chat answer is silent while the server generates all of it (a CPU server at
    /// 70 tokens/s is quiet for 15 s over 1000 tokens); that silence is work, not a stall, so only
    /// `totalTimeout` bounds it.
    public var idleTimeoutStartsAtFirstBodyByte = false

    public init(
        method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil,
        connectTimeout: Double = 10, totalTimeout: Double = 60
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }
}

/// A complete HTTP response.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [HTTPHeader]
    public let body: [UInt8]

    /// The first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that failed before a complete HTTP response arrived (refused, timed out, reset…).
/// It names the host, never the full URL, which may carry credentials in its query.
public struct HTTPTransportError: Error, CustomStringConvertible, Sendable {
    public let curlCode: Int
    public let message: String
    public let host: String

    public var isTimeout: Bool { curlCode == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }
    public var isConnectionFailure: Bool {
        curlCode == Int(CURLE_COULDNT_CONNECT.rawValue) || curlCode == Int(CURLE_COULDNT_RESOLVE_HOST.rawValue)
    }
    public var description: String { "HTTP transfer to \(host) failed: \(message) (curl code \(curlCode))" }
}

/// libcurl's global state must be initialised once, before any thread creates a handle.
private let curlReady: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// The version of the libcurl library this process loaded.
public var curlLibraryVersion: String {
    _ = curlReady
    return String(cString: evolve_curl_version())
}

extension HTTPRequest {
    /// Performs the request on a dedicated thread (libcurl blocks), so the Swift concurrency pool stays
    /// free; cancelling the task aborts the transfer.
    public func send() async throws -> HTTPResponse {
        let cancel = CancelFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try self.perform(cancel: cancel) })
                }
                thread.start()
            }
        } onCancel: {
            cancel.set()
        }
    }

    /// Performs the request on the calling thread.
    public func perform() throws -> HTTPResponse {
        try perform(cancel: CancelFlag())
    }

    private func perform(cancel: CancelFlag) throws -> HTTPResponse {
        _ = curlReady
        guard let easy = curl_easy_init() else {
            throw HTTPTransportError(curlCode: -1, message: "curl_easy_init failed", host: host)
        }
        defer { curl_easy_cleanup(easy) }

        let sink = TransferSink(
            cancel: cancel, idleTimeout: idleTimeout, idleStartsAtFirstBodyByte: idleTimeoutStartsAtFirstBodyByte)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        // curl otherwise adds "Expect: 100-continue" to large POSTs and waits a second for the answer.
        for header in headers + [HTTPHeader("Expect", "")] {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        defer { curl_slist_free_all(list) }

        evolve_curl_setopt_string(easy, CURLOPT_URL, url)
        evolve_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        evolve_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
        evolve_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(totalTimeout * 1000))
        evolve_curl_setopt_long(easy, CURLOPT_NOPROGRESS, 0)  // enables the progress callback (cancel, idle)
        evolve_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
        evolve_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, bodyCallback)
        evolve_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        evolve_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, headerCallback)
        evolve_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        evolve_curl_setopt_progress_callback(easy, progressCallback)
        evolve_curl_setopt_pointer(easy, CURLOPT_XFERINFODATA, context)

        switch method.uppercased() {
        case "GET" where body == nil: evolve_curl_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case "POST": break
        default: evolve_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method.uppercased())
        }
        if let body {
            evolve_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            // COPYPOSTFIELDS copies POSTFIELDSIZE bytes, so the buffer need not outlive this call.
            body.withUnsafeBytes { raw in
                if let base = raw.baseAddress {
                    _ = evolve_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                } else {
                    _ = evolve_curl_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
                }
            }
        }

        let rc = curl_easy_perform(easy)
        if rc == CURLE_ABORTED_BY_CALLBACK, cancel.isSet { throw CancellationError() }
        if rc == CURLE_ABORTED_BY_CALLBACK, sink.stalled {
            throw HTTPTransportError(
                curlCode: Int(CURLE_OPERATION_TIMEDOUT.rawValue),
                message: "no data moved for \(Self.seconds(idleTimeout)) s (idle timeout)", host: host)
        }
        guard rc == CURLE_OK else {
            throw HTTPTransportError(curlCode: Int(rc.rawValue), message: String(cString: curl_easy_strerror(rc)), host: host)
        }
        var status = 0
        evolve_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// Scheme, host and port only: safe to print.
    var host: String {
        guard let components = URLComponents(string: url), let name = components.host else { return "(invalid URL)" }
        return "\(components.scheme ?? "http")://\(name)\(components.port.map { ":\($0)" } ?? "")"
    }
}

/// Collects what libcurl delivers during one transfer and keeps its idle clock. Every callback runs on
/// the transfer's own thread, so only the cancel flag needs a lock.
private final class TransferSink {
    let cancel: CancelFlag
    var body: [UInt8] = []
    var headers: [HTTPHeader] = []
    let idleTimeoutNanoseconds: UInt64
    let idleStartsAtFirstBodyByte: Bool
    /// When a byte last moved (monotonic clock), or the transfer started.
    private var lastActivity = DispatchTime.now().uptimeNanoseconds
    private var uploaded: Int64 = 0
    /// Set when the progress callback abandoned the transfer as stalled.
    private(set) var stalled = false

    init(cancel: CancelFlag, idleTimeout: Double, idleStartsAtFirstBodyByte: Bool) {
        self.cancel = cancel
        idleTimeoutNanoseconds = idleTimeout > 0 ? UInt64(idleTimeout * 1e9) : 0
        self.idleStartsAtFirstBodyByte = idleStartsAtFirstBodyByte
    }

    func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) {
        body.append(contentsOf: bytes)
        lastActivity = DispatchTime.now().uptimeNanoseconds
    }

    /// Whether the transfer should go on: false once cancelled or idle for longer than the limit.
    func shouldContinue(uploadedBytes: Int64) -> Bool {
        if cancel.isSet { return false }
        guard idleTimeoutNanoseconds > 0 else { return true }
        let now = DispatchTime.now().uptimeNanoseconds
        if uploadedBytes != uploaded {
            uploaded = uploadedBytes
            lastActivity = now
        }
        if idleStartsAtFirstBodyByte, body.isEmpty { return true }
        if now - lastActivity > idleTimeoutNanoseconds {
            stalled = true
            return false
        }
        return true
    }

    func receiveHeaderLine(_ line: String) {
        lastActivity = DispatchTime.now().uptimeNanoseconds
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            headers.removeAll()  // a new response block (after 100 Continue or a redirect)
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = String(trimmed[..<colon])
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append(HTTPHeader(name, value))
        }
    }
}

/// Set from the cancellation handler, read from libcurl's progress callback on the transfer thread.
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

private let bodyCallback: evolve_curl_data_callback = { data, size, count, context in
    let sink = Unmanaged<TransferSink>.fromOpaque(context!).takeUnretainedValue()
    let bytes = size * count
    if let data, bytes > 0 {
        data.withMemoryRebound(to: UInt8.self, capacity: bytes) {
            sink.receiveBody(UnsafeBufferPointer(start: $0, count: bytes))
        }
    }
    return bytes
}

private let headerCallback: evolve_curl_data_callback = { data, size, count, context in
    let sink = Unmanaged<TransferSink>.fromOpaque(context!).takeUnretainedValue()
    let bytes = size * count
    if let data, bytes > 0 {
        let line = data.withMemoryRebound(to: UInt8.self, capacity: bytes) {
            String(decoding: UnsafeBufferPointer(start: $0, count: bytes), as: UTF8.self)
        }
        sink.receiveHeaderLine(line)
    }
    return bytes
}

/// libcurl calls this while data moves and about once a second while it does not; a non-zero return
/// aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
private let progressCallback: evolve_curl_progress_callback = { context, _, _, _, uploadedBytes in
    let sink = Unmanaged<TransferSink>.fromOpaque(context!).takeUnretainedValue()
    return sink.shouldContinue(uploadedBytes: Int64(uploadedBytes)) ? 0 : 1
}
