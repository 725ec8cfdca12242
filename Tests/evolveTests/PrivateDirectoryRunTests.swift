import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `evolve init` and `evolve run` from a directory only its owner may enter (a clone in /root, a cluster
/// job's private directory), as root: the candidates' dedicated uids reach their work dirs without anyone
/// opening the directory to others.
@Suite(.serialized) struct PrivateDirectoryRunTests {
    @Test func aRunUnderADirectoryOfMode700CompilesAndTrainsItsCandidates() async throws {
        try #require(getuid() == 0, "only root-run evolve gives candidates uids of their own")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-private-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let bin = base.appendingPathComponent("bin"), home = base.appendingPathComponent("home")
        let work = home.appendingPathComponent("clone"), temporary = base.appendingPathComponent("tmp")
        for folder in [bin, work, temporary] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        chmod(home.path, 0o700)
        try FileManager.default.copyItem(at: EvolveBinary.url, to: bin.appendingPathComponent("evolve"))
        let host = ProcessInfo.processInfo.environment
        let environment = ["PATH": bin.path + ":" + (host["PATH"] ?? "/usr/bin:/bin"), "HOME": home.path, "TMPDIR": temporary.path]
        let evolve = bin.appendingPathComponent("evolve")

        let made = try await Installed.run(evolve, ["init", "seeds"], in: work, environment: environment)
        #expect(made.status == 0, "\(made.stdout)\n\(made.stderr)")
        try Self.shrink(work.appendingPathComponent("seeds/evolve.yaml"))
        let run = try await Installed.run(
            evolve, ["run", "--seed", "seeds", "--name", "private", "--iterations", "0"], in: work, environment: environment)
        let output = run.stdout + run.stderr
        #expect(run.status == 0, "\(output)")
        #expect(!output.contains("cannot reach"), "\(output)")
        #expect(!output.contains("chmod"), "evolve asked to open a directory: \(output)")
        // The seed was compiled and trained in the sandbox, not refused before it started.
        let shown = try await Installed.run(evolve, ["inspect", "best", "private", "--json"], in: work, environment: environment)
        #expect(shown.status == 0, "\(shown.stdout)\n\(shown.stderr)")
        let best = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any], "\(shown.stdout)")
        let program = try #require(best["program"] as? [String: Any], "\(shown.stdout)")
        #expect(program["validation_score"] is Double, "\(shown.stdout)")
        // Nothing was opened up on the host, and no sandbox mount stayed behind.
        var info = stat()
        #expect(stat(home.path, &info) == 0 && info.st_mode & 0o777 == 0o700)
        let mounts = String(decoding: FileManager.default.contents(atPath: "/proc/self/mountinfo") ?? Data(), as: UTF8.self)
        #expect(!mounts.contains(home.path), "a mount under the private directory stayed behind")
        #expect(!mounts.contains(" /run/evolve-work "), "the work-dir alias leaked into the host's mounts")
        // Building TRMKit (a fresh HOME has no cached module), compiling and training the seeds left nothing
        // in $TMPDIR.
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == [])
    }

    /// Every benchmark of the seed's suite, made small: counts and budgets, whatever their values.
    static func shrink(_ config: URL) throws {
        var text = try String(contentsOf: config, encoding: .utf8)
        for (pattern, small) in [("(?m)^(\\s+)train: \\d+", "$1train: 40"), ("(?m)^(\\s+)validation: \\d+", "$1validation: 20"),
                                 ("(?m)^(\\s+)test: \\d+", "$1test: 20"), ("train_flops: [0-9.e]+", "train_flops: 2.0e9"),
                                 ("eval_flops: [0-9.e]+", "eval_flops: 1.0e10")] {
            let regex = try NSRegularExpression(pattern: pattern)
            text = regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: small)
        }
        try Data(text.utf8).write(to: config)
    }
}
