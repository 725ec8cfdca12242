import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a /proc file to its end. Foundation's `String(contentsOfFile:)` stops after the first
/// read, which procfs answers with at most one page: measured here, /proc/self/maps came back as
/// 4,050 of its 10,766 bytes, and a test missed a mount listed past the first 4 KB of /proc/mounts.
///
/// ```swift
/// let mounts = ProcFile.read("/proc/self/mountinfo") ?? ""
/// ```
public enum ProcFile {
    /// At most `limit` bytes of the file, read until end of file; nil when it cannot be opened.
    public static func read(_ path: String, limit: Int = 16 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while data.count < limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, limit - data.count)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }
}
