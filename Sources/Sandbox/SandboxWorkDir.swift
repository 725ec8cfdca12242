import CShims
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A work directory on a filesystem of its own, so the kernel enforces a run's work-dir quota (bytes
/// and files) instead of evolve's sampling: a tmpfs mounted by root-run evolve. Each `Sandbox.run` in it
/// resizes the mount to what is there plus `SandboxLimits.workDirBytes`/`workDirFiles`, so the inputs
/// the evaluator wrote never count against the candidate. Without root it is a plain directory and the
/// quota is enforced by sampling.
///
/// ```swift
/// let work = try sandbox.makeWorkDir(at: root.appendingPathComponent("run-3f9c"))
/// defer { work.remove() }
/// try inputs.write(to: work.url)
/// let result = try await sandbox.run(["./candidate"], in: work.url, limits: limits)
/// ```
public final class SandboxWorkDir: Sendable {
    public let url: URL
    /// The directory is its own tmpfs (kernel-enforced quota).
    public let isQuotaMount: Bool
    private let removed = Atomic<Bool>(false)

    /// The bytes and files the evaluator may write before the first run (the mount grows for each run).
    static let inputBytes = 4 << 30
    static let inputFiles = 100_000

    /// Mount points this process created: `Sandbox.run` resizes only these.
    private static let mounts = Mutex<Set<String>>([])

    static func isQuotaMount(_ path: String) -> Bool { mounts.withLock { $0.contains(path) } }

    init(url: URL, mount: Bool) throws {
        let path = url.standardizedFileURL.path
        self.url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var mounted = false
        if mount {
            let options = "size=\(Self.inputBytes),nr_inodes=\(Self.inputFiles),mode=0755"
            if evolve_mount_tmpfs(path, options) == 0 {
                mounted = true
                _ = Self.mounts.withLock { $0.insert(path) }
            }
        }
        isQuotaMount = mounted
    }

    /// Unmounts (if mounted) and deletes the directory and everything in it. Safe to call twice.
    public func remove() {
        guard !removed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let path = url.path
        if isQuotaMount {
            // Detached: a process still holding a file there cannot keep the mount point busy.
            _ = evolve_unmount_detached(path)
            _ = Self.mounts.withLock { $0.remove(path) }
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { remove() }

    /// Sets the mount's limits to its current use plus `bytes` and `files`.
    /// Returns 0 or an errno.
    static func grant(_ path: String, bytes: Int?, files: Int?) -> Int32 {
        var info = evolve_fs_usage()
        let failure = evolve_fs_usage(path, &info)
        guard failure == 0 else { return failure }
        // tmpfs cannot shrink below what it holds; an unlimited quota keeps the input allowance.
        let size = Int(info.used_bytes) + (bytes ?? inputBytes)
        let inodes = Int(info.used_files) + (files ?? inputFiles)
        return evolve_remount_tmpfs(path, "size=\(size),nr_inodes=\(inodes)")
    }
}

/// What a work dir holds: allocated bytes and entries (files, directories, links…).
struct WorkDirUsage: Sendable, Equatable {
    var bytes = 0
    var files = 0
    /// A quota mount has no room left (bytes or inodes).
    var full = false

    init(bytes: Int = 0, files: Int = 0, full: Bool = false) {
        self.bytes = bytes
        self.files = files
        self.full = full
    }

    init(filesystem info: evolve_fs_usage) {
        bytes = Int(info.used_bytes)
        files = max(0, Int(info.used_files) - 1)  // the root directory is not the run's
        // tmpfs counts pages and inodes exactly: full means not one more page or file fits.
        full = info.free_bytes == 0 || info.free_files == 0
    }

    /// A quota mount's use from statfs; a plain directory's by walking it without following links,
    /// stopping once it counted `stopAfterFiles` entries.
    static func measure(_ path: String, quotaMount: Bool, stopAfterFiles: Int) -> WorkDirUsage {
        if quotaMount {
            var info = evolve_fs_usage()
            return evolve_fs_usage(path, &info) == 0 ? WorkDirUsage(filesystem: info) : WorkDirUsage()
        }
        var usage = WorkDirUsage()
        var seenInodes = Set<UInt64>()
        // Descends by descriptor (openat with O_NOFOLLOW from the directory above), so a directory the
        // live run swaps for a link during the walk is never followed out of the work dir.
        let top = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0, let first = fdopendir(top) else {
            if top >= 0 { close(top) }
            return usage
        }
        var stack = [first]
        defer { stack.forEach { closedir($0) } }
        while let stream = stack.last {
            guard let entry = readdir(stream) else {
                closedir(stream)
                stack.removeLast()
                continue
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            usage.files += 1
            var info = stat()
            let parent = dirfd(stream)
            let found = (name + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { fstatat(parent, $0.baseAddress!, &info, AT_SYMLINK_NOFOLLOW) == 0 }
            }
            if found {
                if info.st_nlink <= 1 || seenInodes.insert(UInt64(info.st_ino)).inserted {
                    usage.bytes += Int(info.st_blocks) * 512
                }
                if info.st_mode & S_IFMT == S_IFDIR {
                    // No real program nests this deep; a tree that does is over the quota rather than unmeasured.
                    guard stack.count < maxDepth else {
                        usage.files = max(usage.files, stopAfterFiles)
                        return usage
                    }
                    let child = (name + [0]).withUnsafeBufferPointer { buffer in
                        buffer.withMemoryRebound(to: CChar.self) { openat(parent, $0.baseAddress!, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                    }
                    if child >= 0 {
                        if let childStream = fdopendir(child) { stack.append(childStream) } else { close(child) }
                    }
                }
            }
            if usage.files >= stopAfterFiles { return usage }
        }
        return usage
    }

    /// Directory levels a sampled work dir may have.
    static let maxDepth = 256
}

extension Sandbox {
    /// Creates `url` for sandboxed runs, as its own tmpfs when evolve runs as root (the kernel then
    /// enforces each run's work-dir quota), else as a plain directory. Call `remove()` when done with it.
    public func makeWorkDir(at url: URL) throws -> SandboxWorkDir {
        try SandboxWorkDir(url: url, mount: getuid() == 0)
    }
}
