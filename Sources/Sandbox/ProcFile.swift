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
        // Most /proc files are a few hundred bytes and the supervisor reads several every 100 ms: read into
        // the result itself, growing it only when a read fills it (a 64 KiB scratch buffer, zeroed for every
        // call, was most of the sampling's cost).
        var data = [UInt8](repeating: 0, count: min(limit, 4096))
        var filled = 0
        while filled < limit {
            if filled == data.count { data += [UInt8](repeating: 0, count: min(data.count, limit - data.count)) }
            let count = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        data.removeSubrange(filled...)
        return String(decoding: data, as: UTF8.self)
    }
}
