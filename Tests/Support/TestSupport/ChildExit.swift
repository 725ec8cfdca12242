import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child `Process` ended, read with `waitid(WNOWAIT)`: the child stays a zombie for Foundation to
/// reap, so `terminationStatus` still works afterwards.
///
/// Foundation learns of every child's exit on one manager thread, and that thread was seen blocked in
/// `waitpid` on a long-lived `evolve worker` that had not exited; a test waiting for its coordinator through
/// `waitUntilExit` then hung, because the workers it would stop next were the ones being waited for.
/// Waiting here does not depend on that thread.
public struct ChildExit: Sendable, Equatable, CustomStringConvertible {
    /// True for a normal exit, false for a signal.
    public let exited: Bool
    /// The exit code, or the signal's number.
    public let status: Int32

    public init(exited: Bool, status: Int32) {
        self.exited = exited
        self.status = status
    }

    public static let success = ChildExit(exited: true, status: 0)

    public var description: String { exited ? "exit \(status)" : "signal \(status)" }

    /// Blocks (on a thread of its own) until `process` has ended.
    public static func of(_ process: Process) async throws -> ChildExit {
        try await onOwnThread { wait(for: process) }
    }

    /// Blocks the calling thread until `process` has ended: use it instead of `waitUntilExit()`, which was
    /// seen never to return for a child killed with SIGKILL (a zombie for 23 minutes, the whole suite waiting
    /// on it), and read the exit from the result, not from `terminationStatus` (Foundation may not have
    /// reaped the child yet).
    public static func wait(for process: Process) -> ChildExit {
        let pid = process.processIdentifier
        var info = siginfo_t()
        while true {
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == 0 {
                return ChildExit(exited: info.si_code == Int32(CLD_EXITED), status: info._sifields._sigchld.si_status)
            }
            if errno == EINTR { continue }
            // Foundation reaped it first: its own record is complete once waitUntilExit returns.
            process.waitUntilExit()
            return ChildExit(exited: process.terminationReason == .exit, status: process.terminationStatus)
        }
    }

    /// The exit code as a shell reports it: the code, or 128 + the signal's number.
    public var shellStatus: Int32 { exited ? status : 128 + status }
}
