import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where this machine lets evolve make a cgroup per run: beneath evolve's own memory and pids cgroups
/// (cgroup v1), or beneath its own cgroup with the memory and pids controllers enabled (cgroup v2).
/// Needs root (or a delegated v2 subtree); nil when neither works.
struct CgroupSupport: Sendable, Equatable {
    enum Version: Sendable, Equatable { case v1, v2 }
    var version: Version
    /// v1: the memory and pids hierarchies' directories of evolve's own cgroups. v2: both the same.
    var memoryParent: String
    var pidsParent: String

    /// Found once per process.
    static let detected: CgroupSupport? = detect()

    static func detect() -> CgroupSupport? {
        guard getuid() == 0 || FileManager.default.isWritableFile(atPath: "/sys/fs/cgroup") else { return nil }
        let membership = ProcFile.read("/proc/self/cgroup") ?? ""
        var v1: [String: String] = [:]
        var v2Path: String?
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0" && parts[1].isEmpty { v2Path = String(parts[2]) }
            for controller in parts[1].split(separator: ",") { v1[String(controller)] = String(parts[2]) }
        }
        func existing(_ root: String, _ path: String?) -> String? {
            guard let path else { return nil }
            // Inside a cgroup namespace the path may not exist below the mount: fall back to its root.
            for candidate in [root + path, root] where FileManager.default.fileExists(atPath: candidate + "/cgroup.procs") {
                return candidate
            }
            return nil
        }
        if let memory = existing("/sys/fs/cgroup/memory", v1["memory"]), let pids = existing("/sys/fs/cgroup/pids", v1["pids"]),
           FileManager.default.fileExists(atPath: memory + "/memory.limit_in_bytes") {
            let support = CgroupSupport(version: .v1, memoryParent: memory, pidsParent: pids)
            return support.works ? support : nil
        }
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers"),
           let own = existing("/sys/fs/cgroup", v2Path) {
            let controllers = (try? String(contentsOfFile: own + "/cgroup.controllers", encoding: .utf8)) ?? ""
            guard controllers.contains("memory") && controllers.contains("pids") else { return nil }
            // Children get the controllers only when the parent delegates them; a cgroup with processes
            // of its own (other than the root) refuses that, and then this layer is unavailable.
            let enabled = (try? String(contentsOfFile: own + "/cgroup.subtree_control", encoding: .utf8)) ?? ""
            if !(enabled.contains("memory") && enabled.contains("pids")) {
                guard RunCgroup.write("+memory +pids", to: own + "/cgroup.subtree_control") else { return nil }
            }
            let support = CgroupSupport(version: .v2, memoryParent: own, pidsParent: own)
            return support.works ? support : nil
        }
        return nil
    }

    /// Creates and removes a probe cgroup, and clears cgroups left by evolve processes that died.
    private var works: Bool {
        RunCgroup.removeStale(in: self)
        guard let probe = RunCgroup(support: self, memoryBytes: 64 << 20, processes: 8) else { return false }
        probe.remove()
        return true
    }
}

/// One run's cgroup(s): a memory limit that counts everything the run keeps in RAM (processes, tmpfs,
/// memfd, shared memory) and a process limit of its own, whatever its uid.
final class RunCgroup: @unchecked Sendable {
    let support: CgroupSupport
    /// v1: the memory and pids cgroup directories; v2: one directory twice.
    let memoryDirectory: String
    let pidsDirectory: String
    /// `cgroup.procs` of each directory, open for the child to join.
    private(set) var procsFDs: [Int32] = []

    private static let counter = Atomic<Int>(0)
    static let prefix = "evolve-run-"

    /// Makes the cgroup(s) and sets the limits; nil when the kernel refuses.
    init?(support: CgroupSupport, memoryBytes: Int?, processes: Int?) {
        self.support = support
        let name = "\(Self.prefix)\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue)"
        memoryDirectory = support.memoryParent + "/" + name
        pidsDirectory = support.pidsParent + "/" + name
        let directories = support.version == .v1 ? [memoryDirectory, pidsDirectory] : [memoryDirectory]
        for directory in directories where mkdir(directory, 0o755) != 0 {
            remove()
            return nil
        }
        var ok = true
        switch support.version {
        case .v1:
            if let memoryBytes {
                ok = ok && Self.write(String(memoryBytes), to: memoryDirectory + "/memory.limit_in_bytes")
                // Without swap accounting the file is absent; with it, swap must not be a way around the limit.
                if FileManager.default.fileExists(atPath: memoryDirectory + "/memory.memsw.limit_in_bytes") {
                    _ = Self.write(String(memoryBytes), to: memoryDirectory + "/memory.memsw.limit_in_bytes")
                }
            }
            if let processes { ok = ok && Self.write(String(processes), to: pidsDirectory + "/pids.max") }
        case .v2:
            if let memoryBytes {
                ok = ok && Self.write(String(memoryBytes), to: memoryDirectory + "/memory.max")
                _ = Self.write("0", to: memoryDirectory + "/memory.swap.max")
            }
            if let processes { ok = ok && Self.write(String(processes), to: memoryDirectory + "/pids.max") }
        }
        for directory in directories {
            let fd = open(directory + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            if fd < 0 { ok = false } else { procsFDs.append(fd) }
        }
        if !ok {
            remove()
            return nil
        }
    }

    /// The most memory the run had charged at once.
    var peakMemoryBytes: Int {
        let file = support.version == .v1 ? "/memory.max_usage_in_bytes" : "/memory.peak"
        return Self.read(memoryDirectory + file).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    /// Memory charged now.
    var currentMemoryBytes: Int {
        let file = support.version == .v1 ? "/memory.usage_in_bytes" : "/memory.current"
        return Self.read(memoryDirectory + file).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    /// The kernel's OOM killer killed a process of the run because of the memory limit.
    var oomKilled: Bool {
        let file = support.version == .v1 ? "/memory.oom_control" : "/memory.events"
        for line in (Self.read(memoryDirectory + file) ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == "oom_kill", let count = Int(fields[1]), count > 0 { return true }
        }
        return false
    }

    /// SIGKILL to every process still in the run's cgroup (a backstop: the namespace or group kill
    /// normally got them already).
    func killAll() {
        if support.version == .v2, Self.write("1", to: memoryDirectory + "/cgroup.kill") { return }
        for pid in (Self.read(pidsDirectory + "/cgroup.procs") ?? "").split(separator: "\n").compactMap({ pid_t($0) }) {
            kill(pid, SIGKILL)
        }
    }

    /// Closes the join descriptors and removes the directories, waiting up to a second for the last
    /// processes to be reaped.
    func remove() {
        for fd in procsFDs { close(fd) }
        procsFDs = []
        for directory in Set([memoryDirectory, pidsDirectory]) {
            for attempt in 0..<50 {
                if rmdir(directory) == 0 || errno == ENOENT { break }
                if attempt == 0 { killAll() }
                usleep(20_000)
            }
        }
    }

    /// Removes cgroups of evolve processes that no longer exist (killed before they could clean up).
    static func removeStale(in support: CgroupSupport) {
        for parent in Set([support.memoryParent, support.pidsParent]) {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where entry.hasPrefix(prefix) {
                let owner = entry.dropFirst(prefix.count).split(separator: "-").first.flatMap { pid_t($0) }
                if let owner, owner != getpid(), kill(owner, 0) != 0 && errno == ESRCH {
                    rmdir(parent + "/" + entry)
                }
            }
        }
    }

    @discardableResult
    static func write(_ text: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
}
