import Foundation
import TestSupport
import Sandbox
import Testing
@testable import evolve

#if canImport(Glibc)
import Glibc
#endif

/// `evolve eval` at start removes the `evolve-eval-<pid>` work roots of killed `evolve eval`s: their
/// sandbox mounts, then the directories; never a root whose process is alive.
@Suite struct EvalStaleWorkRootTests {
    static func mountTmpfs(at path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = ["-t", "tmpfs", "-o", "size=1m", "evolve-work", path]
        try process.run()
        return ChildExit.wait(for: process).shellStatus
    }

    /// The pid of a process that has exited (and been reaped).
    static func deadPid() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        _ = ChildExit.wait(for: process)
        return process.processIdentifier
    }

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func removesTheRootsOfDeadEvalsWithTheirMountsAndKeepsLiveOnes() throws {
        let fm = FileManager.default
        let parent = fm.temporaryDirectory.appendingPathComponent("evolve-eval-roots-\(UUID().uuidString)")
        defer {
            // Whatever happened, leave no mount behind.
            _ = StaleWorkRoots.remove(in: parent)
            let live = parent.appendingPathComponent("evolve-eval-\(getpid())/eval-B/build").path
            if ProcFile.read("/proc/mounts")?.contains(live) == true { umount2(live, Int32(MNT_DETACH)) }
            try? fm.removeItem(at: parent)
        }
        let dead = try Self.deadPid()
        guard kill(dead, 0) != 0 else { return }  // the pid was reused at once: nothing to test with it
        let killed = parent.appendingPathComponent("evolve-eval-\(dead)/eval-A")
        let alive = parent.appendingPathComponent("evolve-eval-\(getpid())/eval-B")
        let other = parent.appendingPathComponent("evolve-eval-notapid")
        for dir in [killed.appendingPathComponent("build"), killed.appendingPathComponent("run-1"), alive.appendingPathComponent("build"), other] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        // A killed eval's layout: eval-A, and its build and run dirs mounted inside it.
        try #require(try Self.mountTmpfs(at: killed.path) == 0)
        for name in ["build", "run-1"] {
            try fm.createDirectory(at: killed.appendingPathComponent(name), withIntermediateDirectories: true)
            try #require(try Self.mountTmpfs(at: killed.appendingPathComponent(name).path) == 0)
        }
        try Data("x".utf8).write(to: killed.appendingPathComponent("build/file"))
        try #require(try Self.mountTmpfs(at: alive.appendingPathComponent("build").path) == 0)

        let removed = StaleWorkRoots.remove(in: parent)
        #expect(removed.mounts == 3)
        #expect(removed.directories == [parent.appendingPathComponent("evolve-eval-\(dead)").path])
        #expect(!fm.fileExists(atPath: parent.appendingPathComponent("evolve-eval-\(dead)").path))
        // This process's root (alive) and a name that is not a pid are kept, the live mount too.
        #expect(fm.fileExists(atPath: other.path))
        #expect(fm.fileExists(atPath: alive.path))
        let mounts = ProcFile.read("/proc/mounts") ?? ""
        #expect(mounts.contains(alive.appendingPathComponent("build").path))
        #expect(!mounts.contains(killed.path))
        #expect(umount2(alive.appendingPathComponent("build").path, Int32(MNT_DETACH)) == 0)
    }
}
