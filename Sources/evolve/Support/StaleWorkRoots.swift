import Foundation
import Sandbox

/// Work roots left by `evolve eval` (`evolve-eval-<pid>`) and `evolve worker` (`evolve-worker-<pid>`)
/// processes that were killed before their cleanup ran (SIGKILL, OOM killer): both commands sweep their
/// own kind at start-up with this one rule.
enum StaleWorkRoots {
    /// Removes the roots named `<prefix><pid>` in `parent` whose process is gone: their sandbox mounts first
    /// (a tmpfs left mounted makes deleting the directory fail with EBUSY), then the directory. A root whose
    /// pid is alive (this process, another command, or a reused pid) is left alone.
    static func remove(in parent: URL, prefix: String = "evolve-eval-") -> (mounts: Int, directories: [String]) {
        var mounts = 0
        var directories: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let pid = pid_t(digits), pid > 0 else { continue }
            guard pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let root = parent.appendingPathComponent(name)
            mounts += SandboxWorkDir.removeStaleMounts(under: root).count
            if (try? FileManager.default.removeItem(at: root)) != nil { directories.append(root.path) }
        }
        return (mounts, directories)
    }
}
