import Foundation

/// The run's log file: one timestamped line per event, appended and flushed as it happens, so a crash
/// keeps everything written before it. Never given secrets (the LLM client redacts keys itself).
public final class RunLog: @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()
    private let formatter: ISO8601DateFormatter

    public init(url: URL) {
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        handle = try? FileHandle(forWritingTo: url)
        _ = try? handle?.seekToEnd()
        formatter = ISO8601DateFormatter()
    }

    deinit { try? handle?.close() }

    public func write(_ line: String) {
        let text = "\(formatter.string(from: Date())) \(line.replacingOccurrences(of: "\n", with: " ⏎ "))\n"
        lock.lock()
        defer { lock.unlock() }
        try? handle?.write(contentsOf: Data(text.utf8))
    }
}
