import CShims
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Samples a live process tree from /proc: CPU time (including reaped descendants) and peak RSS.
///
/// `wait4` alone undercounts when a wrapper such as bubblewrap exits without reaping its namespace's
/// processes, so the supervisor samples the tree while it runs and keeps the largest totals seen.
struct ProcessTree {
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// The direct children of `pid`.
    static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            (ProcFile.read("/proc/\(pid)/task/\(task)/children") ?? "")
                .split(separator: " ").compactMap { pid_t($0) }
        }
    }

    /// Every pid in the tree rooted at `root` (via /proc/<pid>/task/<tid>/children).
    static func members(of root: pid_t) -> [pid_t] {
        var result: [pid_t] = []
        var queue = [root]
        while let pid = queue.popLast() {
            result.append(pid)
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            for task in tasks {
                guard let text = ProcFile.read("/proc/\(pid)/task/\(task)/children") else { continue }
                queue += text.split(separator: " ").compactMap { pid_t($0) }
            }
            if result.count > 4096 { break }
        }
        return result
    }

    /// CPU seconds of the tree: each member's own time plus the time of the children it has reaped.
    static func cpuSeconds(of members: [pid_t]) -> Double {
        members.reduce(0) { total, pid in
            guard let stat = ProcFile.read("/proc/\(pid)/stat"),
                  let close = stat.lastIndex(of: ")") else { return total }
            // Fields after the command name: state is field 3; utime, stime, cutime, cstime are 14–17.
            let fields = stat[stat.index(after: close)...].split(separator: " ", maxSplits: 16)
            guard fields.count > 14 else { return total }
            let ticks = (11...14).compactMap { Double(fields[$0]) }.reduce(0, +)
            return total + ticks / ticksPerSecond
        }
    }

    /// The largest peak resident set (VmHWM) of any member, in bytes.
    static func peakRSSBytes(of members: [pid_t]) -> Int {
        members.reduce(0) { best, pid in
            guard let status = ProcFile.read("/proc/\(pid)/status"), let field = status.range(of: "\nVmHWM:"),
                  let kb = Int(status[field.upperBound...].prefix { $0 != "\n" }.split(whereSeparator: \.isWhitespace).first ?? "") else { return best }
            return max(best, kb * 1024)
        }
    }

    /// Bytes held in the run's private RAM-backed scratch mounts (bubblewrap's /tmp and /dev/shm), seen
    /// through a member's root: the namespace's mounts are not in the host's tree.
    static func scratchBytes(of root: pid_t, directories: [String]) -> Int {
        guard let inner = children(of: root).first else { return 0 }
        return directories.reduce(0) { total, directory in
            var info = evolve_fs_usage()
            guard evolve_fs_usage("/proc/\(inner)/root\(directory)", &info) == 0 else { return total }
            return total + Int(info.used_bytes)
        }
    }

    /// Tasks (processes and threads) that `uid` owns right now: what RLIMIT_NPROC counts against.
    static func taskCount(ofUID uid: UInt32) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var count = 0
        for entry in entries where entry.first?.isNumber == true {
            var info = stat()
            guard stat("/proc/\(entry)", &info) == 0, info.st_uid == uid else { continue }
            count += max(1, ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/task")) ?? []).count)
        }
        return count
    }

    /// Whether `pid` is a namespace wrapper (bubblewrap's monitor or init, or unshare).
    static func isWrapper(_ pid: pid_t) -> Bool {
        let name = (ProcFile.read("/proc/\(pid)/comm"))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return name == "bwrap" || name == "unshare"
    }

    /// The start time of `pid` (clock ticks since boot, /proc/<pid>/stat field 22), to tell a process
    /// from a later one that reuses its pid; nil once it is gone.
    static func startTime(of pid: pid_t) -> UInt64? {
        guard let stat = ProcFile.read("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
