import Foundation
import Testing
@testable import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// A work dir below a directory of mode 0700 (a clone in /root): the dedicated uid cannot traverse it on
/// the host, so the run works in `WorkDirAlias.path` instead.
enum PrivateParent {
    static func check(_ sandbox: Sandbox, under root: URL, limits: SandboxLimits, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let closed = root.appendingPathComponent("closed")
        let inner = closed.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        chmod(closed.path, 0o700)
        try Data("input-7".utf8).write(to: inner.appendingPathComponent("input.txt"))
        let user = try #require(sandbox.user, sourceLocation: sourceLocation)
        #expect(WorkDirAlias.unreachableAncestor(of: inner.path, user: user) == closed.path, sourceLocation: sourceLocation)

        // The argument naming the work dir by its host path reaches the run as the path it sees.
        let script = "cat \"$1/input.txt\"; echo; echo \"home=$HOME\"; pwd; echo made > \"$1/out.txt\"; echo escaped > /tmp/../\(closed.path)/x 2>/dev/null; true"
        let result = try await sandbox.run(["/bin/sh", "-c", script, "sh", inner.path], in: inner, limits: limits)
        #expect(result.succeeded, "\(result.verdict): \(result.stderr.text)", sourceLocation: sourceLocation)
        #expect(result.stdout.text == "input-7\nhome=\(WorkDirAlias.path)\n\(WorkDirAlias.path)\n", sourceLocation: sourceLocation)
        #expect(try String(contentsOf: inner.appendingPathComponent("out.txt"), encoding: .utf8) == "made\n", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: closed.appendingPathComponent("x").path), sourceLocation: sourceLocation)

        // Nothing was opened up on the host, and the alias is bound only inside the run's namespace.
        var info = stat()
        #expect(stat(closed.path, &info) == 0 && info.st_mode & 0o777 == 0o700, sourceLocation: sourceLocation)
        let mounts = String(decoding: FileManager.default.contents(atPath: "/proc/self/mountinfo") ?? Data(), as: UTF8.self)
        #expect(!mounts.contains(" \(WorkDirAlias.path) "), "the alias bind leaked into the host's mounts", sourceLocation: sourceLocation)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: WorkDirAlias.path)) == [], sourceLocation: sourceLocation)
    }
}
