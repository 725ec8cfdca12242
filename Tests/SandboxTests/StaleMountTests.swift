import Foundation
import Testing
@testable import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// `SandboxWorkDir.removeStaleMounts`: the work-dir tmpfs mounts a SIGKILLed evolve left behind are
/// unmounted — only under the directory asked about, never one this process still uses.
@Suite(.serialized) struct StaleMountTests {
    /// The evolve-work mount points under `directory` in /proc/self/mountinfo.
    static func mountPoints(under directory: String) -> [String] {
        let info = ProcFile.read("/proc/self/mountinfo", limit: 64 << 20) ?? ""
        return SandboxWorkDir.staleMountPoints(mountInfo: info, under: directory, own: [])
    }

    static func realPath(_ url: URL) -> String {
        guard let real = realpath(url.path, nil) else { return url.path }
        defer { free(real) }
        return String(cString: real)
    }

    @Test func parsesMountInfoWithEscapesDeepestFirstAndSkipsOwnAndOthers() {
        let info = """
            36 25 0:32 / /tmp/a\\040b/work/eval-1 rw,nosuid,nodev,relatime shared:1 - tmpfs evolve-work rw,size=4k
            37 36 0:33 / /tmp/a\\040b/work/eval-1/build rw,nosuid,nodev,relatime - tmpfs evolve-work rw,size=4k
            38 36 0:34 / /tmp/a\\040b/work/eval-1/run-2 rw,nosuid,nodev,relatime master:3 shared:4 - tmpfs evolve-work rw
            39 25 0:35 / /tmp/a\\040b/work/eval-live rw - tmpfs evolve-work rw
            40 39 0:36 / /tmp/a\\040b/work/eval-live/build rw - tmpfs evolve-work rw
            41 25 0:37 / /tmp/a\\040b/work/other rw - tmpfs tmpfs rw
            42 25 0:38 / /tmp/a\\040b/work/ext rw - ext4 evolve-work rw
            43 25 0:39 / /tmp/a\\040b/workshop/eval-3 rw - tmpfs evolve-work rw
            44 25 0:40 / /tmp/elsewhere/eval-4 rw - tmpfs evolve-work rw
            45 25 0:41 / /tmp/a\\040b/work/back\\134slash rw - tmpfs evolve-work rw
            """
        let stale = SandboxWorkDir.staleMountPoints(mountInfo: info, under: "/tmp/a b/work", own: ["/tmp/a b/work/eval-live"])
        #expect(stale == ["/tmp/a b/work/eval-1/run-2", "/tmp/a b/work/eval-1/build", "/tmp/a b/work/back\\slash", "/tmp/a b/work/eval-1"])
        #expect(SandboxWorkDir.decodeMountInfoField("tab\\011new\\012x\\9") == "tab\tnew\nx\\9")
    }

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func unmountsLeftoversOnlyUnderTheDirectoryAndNeverALiveWorkDir() throws {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("evolve-stale-\(UUID().uuidString)")
        let killed = base.appendingPathComponent("killed run/work")  // a space: mountinfo writes it \040
        let neighbour = base.appendingPathComponent("neighbour/work")
        defer {
            // Whatever the test did, leave no mount behind.
            SandboxWorkDir.removeStaleMounts(under: base)
            try? fm.removeItem(at: base)
        }
        let sandbox = Sandbox()
        // A killed process's evaluation: eval-X with build and run dirs mounted inside it, no longer tracked.
        let eval = try sandbox.makeWorkDir(at: killed.appendingPathComponent("eval-1"))
        let build = try sandbox.makeWorkDir(at: eval.url.appendingPathComponent("build"))
        let run = try sandbox.makeWorkDir(at: eval.url.appendingPathComponent("run-2"))
        try Data("x".utf8).write(to: build.url.appendingPathComponent("file"))
        for dir in [eval, build, run] { dir.abandon() }
        // This process's own work dir in the same directory, and a leftover outside it.
        let live = try sandbox.makeWorkDir(at: killed.appendingPathComponent("eval-live"))
        let outside = try sandbox.makeWorkDir(at: neighbour.appendingPathComponent("eval-3"))
        outside.abandon()
        let allMounted = [eval, build, run, live, outside].allSatisfy { $0.isQuotaMount }
        try #require(allMounted)

        let removed = SandboxWorkDir.removeStaleMounts(under: killed)
        let real = Self.realPath(killed)
        #expect(removed == ["\(real)/eval-1/build", "\(real)/eval-1/run-2", "\(real)/eval-1"]
                || removed == ["\(real)/eval-1/run-2", "\(real)/eval-1/build", "\(real)/eval-1"])
        #expect(Self.mountPoints(under: real) == ["\(real)/eval-live"])
        #expect(Self.mountPoints(under: Self.realPath(neighbour)) == ["\(Self.realPath(neighbour))/eval-3"])
        // The live work dir still works as a quota mount, and a second call finds nothing.
        #expect(SandboxWorkDir.isQuotaMount(live.url.path))
        #expect(SandboxWorkDir.removeStaleMounts(under: killed).isEmpty)
        // The killed run's directory can be deleted now (a mount would make this fail with EBUSY).
        try fm.removeItem(at: killed.appendingPathComponent("eval-1"))
        live.remove()
        try fm.removeItem(at: killed)
        #expect(!fm.fileExists(atPath: killed.path))

        #expect(SandboxWorkDir.removeStaleMounts(under: neighbour) == ["\(Self.realPath(neighbour))/eval-3"])
        #expect(Self.mountPoints(under: Self.realPath(base)).isEmpty)
        // A directory that does not exist has no mounts to remove.
        #expect(SandboxWorkDir.removeStaleMounts(under: base.appendingPathComponent("missing")).isEmpty)
    }
}
