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
            // Mounted and recorded under the lock: `removeStaleMounts` never sees this mount untracked.
            mounted = Self.mounts.withLock { mounts in
                // Not after `unmountAll`: nothing would unmount it before the process exits.
                guard !LiveRuns.isAbandoning, evolve_mount_tmpfs(path, options) == 0 else { return false }
                mounts.insert(path)
                return true
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

    /// Unmounts (detached, deepest first) every work dir this process mounted and still holds, and
    /// removes the emptied mount points: see `Sandbox.abandonAllRuns`.
    static func unmountAll() {
        let paths = mounts.withLock { mounts in
            defer { mounts.removeAll() }
            return mounts.sorted { $0.split(separator: "/").count > $1.split(separator: "/").count }
        }
        for path in paths where evolve_unmount_detached(path) == 0 {
            rmdir(path)
        }
    }

    /// Lets go of the work dir without unmounting or deleting it, as a killed process would: for tests
    /// of `removeStaleMounts`.
    func abandon() {
        guard !removed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = Self.mounts.withLock { $0.remove(url.path) }
    }

    /// Unmounts the work-dir tmpfs mounts (source `evolve-work`) at or under `directory` that no live
    /// work dir of this process owns: what an evolve killed with SIGKILL (OOM killer, power cut) left
    /// mounted, which would otherwise stay until reboot and make `rm -rf` fail with EBUSY. Deepest
    /// first (a build or run dir is mounted inside an evaluation's dir), detached. Returns the mount
    /// points it unmounted. Anything outside `directory`, of another filesystem or source, or created
    /// by this process and not yet removed is left alone; so is every mount when `directory` does not exist.
    ///
    /// Call it only where no other live evolve process may have work dirs (a run being resumed, an
    /// `evolve eval` dir whose process is gone).
    @discardableResult
    public static func removeStaleMounts(under directory: URL) -> [String] {
        guard let resolved = realpath(directory.path, nil) else { return [] }
        let base = String(cString: resolved)
        free(resolved)
        // Read under the lock that covers creating a mount and recording it, so every mount of this
        // process in the text is in the snapshot of `mounts`.
        let snapshot: (String?, Set<String>) = mounts.withLock { (ProcFile.read("/proc/self/mountinfo", limit: 64 << 20), $0) }
        guard let info = snapshot.0 else { return [] }
        // This process's mounts as the kernel names them (a tracked path may go through a symlink).
        let own = Set(snapshot.1.flatMap { path -> [String] in
            guard let real = realpath(path, nil) else { return [path] }
            defer { free(real) }
            return [path, String(cString: real)]
        })
        let stale = staleMountPoints(mountInfo: info, under: base, own: own)
        return stale.filter { evolve_unmount_detached($0) == 0 }
    }

    /// The `evolve-work` tmpfs mount points in `mountInfo` (the text of /proc/self/mountinfo) at or
    /// under `base`, deepest first (and, at one depth, the last mounted first), except those in `own`
    /// or under one of them.
    static func staleMountPoints(mountInfo: String, under base: String, own: Set<String>) -> [String] {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        func isWithin(_ path: String, _ root: String) -> Bool { path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/") }
        var found: [(path: String, order: Int)] = []
        for (order, line) in mountInfo.split(separator: "\n").enumerated() {
            // id parent major:minor root mount-point options [optional fields…] - fstype source super-options
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count >= 10, let dash = fields[6...].firstIndex(of: "-"), dash + 2 < fields.count else { continue }
            guard fields[dash + 1] == "tmpfs", decodeMountInfoField(fields[dash + 2]) == "evolve-work" else { continue }
            let point = decodeMountInfoField(fields[4])
            guard point == base || point.hasPrefix(prefix) else { continue }
            guard !own.contains(where: { isWithin(point, $0) }) else { continue }
            found.append((point, order))
        }
        func depth(_ path: String) -> Int { path.split(separator: "/").count }
        return found.sorted { depth($0.path) != depth($1.path) ? depth($0.path) > depth($1.path) : $0.order > $1.order }.map(\.path)
    }

    /// A mountinfo field with the kernel's octal escapes (`\040` space, `\011` tab, `\012` newline,
    /// `\134` backslash) decoded.
    static func decodeMountInfoField(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.count, let value = octal(raw[(index + 1)...(index + 3)]) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(raw[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }


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
