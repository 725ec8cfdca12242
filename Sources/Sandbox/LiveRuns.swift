import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The runs this process has started and not yet reaped, so a process that must exit before its runs end
/// (a stop whose grace period ran out) can take every one of them down, and their work-dir mounts, first.
enum LiveRuns {
    private static let pids = Mutex<Set<pid_t>>([])
    /// Set once by `Sandbox.abandonAllRuns`: from then on no run starts, and no run that ends reports back,
    /// so a run killed on the way out is never mistaken for the candidate's own failure and stored.
    private static let abandoning = Atomic<Bool>(false)

    static var isAbandoning: Bool { abandoning.load(ordering: .acquiring) }

    static func startAbandoning() { abandoning.store(true, ordering: .releasing) }

    /// Blocks this thread for good once the process is abandoning its runs (it is about to exit).
    static func parkIfAbandoning() {
        while isAbandoning { pause() }
    }

    /// Called right after a run's command was spawned.
    static func started(_ pid: pid_t) { _ = pids.withLock { $0.insert(pid) } }

    /// Called once the run's command has exited, before it is reaped: from then on its pid may be reused.
    static func ended(_ pid: pid_t) { _ = pids.withLock { $0.remove(pid) } }

    /// SIGKILLs every live run: its process group and every process seen in its tree (a namespace's
    /// processes, or a descendant that left the group). Under the lock, so no run is reaped meanwhile.
    static func killAll() -> Int {
        pids.withLock { pids in
            for pid in pids {
                for member in ProcessTree.members(of: pid) where member != pid { kill(member, SIGKILL) }
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
            }
            return pids.count
        }
    }
}

extension Sandbox {
    /// Kills every sandboxed run of this process and unmounts every work dir it made, without waiting for
    /// the runs to report: for a process about to exit with work still running (a stop signal whose
    /// grace period ended, a second Ctrl-C). What those runs would have returned is lost; nothing of them
    /// is left running or mounted. Returns how many runs were killed.
    ///
    /// Call it only on the way out: the `Sandbox.run` calls still waiting return errors afterwards.
    @discardableResult
    public static func abandonAllRuns() -> Int {
        LiveRuns.startAbandoning()
        let killed = LiveRuns.killAll()
        SandboxWorkDir.unmountAll()
        return killed
    }
}
