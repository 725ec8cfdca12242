import Foundation
import TestSupport
import Testing

/// Runs the built `evolve` executable, the way a user does.
struct EvolveBinary {
    static var url: URL {
        // Test bundles are built into the same products folder as the executable they depend on.
        let products = Bundle.main.bundleURL
        let candidates = [products, products.deletingLastPathComponent()].map { $0.appendingPathComponent("evolve") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// This process's environment with the runs under `runs` and no LLM endpoint (so `run` uses the
    /// offline mutator): what the command-line suites run the binary with.
    static func environment(runs: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["EVOLVE_RUNS"] = runs.path
        environment.removeValue(forKey: "EVOLVE_LLM_BASE_URL")
        return environment
    }

    /// Runs the binary to the end without holding a thread of Swift's concurrency pool: output is read
    /// on threads of its own and the exit is awaited, so a long `evolve eval` cannot stall other suites.
    static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdout = PipeDrain(out.fileHandleForReading), stderr = PipeDrain(err.fileHandleForReading)
        try process.run()
        let ended = try await ChildExit.of(process)
        return (ended.shellStatus, await stdout.text(), await stderr.text())
    }
}

@Suite struct CommandLineTests {
    let environment = ProcessInfo.processInfo.environment

    @Test func helpListsExactlyTheSubcommandsThatExist() async throws {
        let result = try await EvolveBinary.run(["--help"])
        #expect(result.status == 0)
        let section = result.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let names = section.split(separator: "\n")
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0 != "See" }
        #expect(names == ["init", "run", "resume", "inspect", "report", "eval", "doctor", "worker", "check-scale"])
    }

    @Test func doctorPrintsEveryCheckAndExitsZeroOnThisMachine() async throws {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-doctor-tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let result = try await EvolveBinary.run(["doctor"], environment: environment.merging(["TMPDIR": temporary.path]) { $1 })
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for name in ["swiftc", "sqlite3", "libgit2", "libcurl", "namespaces", "bubblewrap", "landlock", "seccomp", "sandbox", "cpu", "llm"] {
            #expect(result.stdout.contains("  \(name) "), "no line for \(name)")
        }
        #expect(!result.stdout.contains("MISSING"))
        // `swiftc --version` leaves an empty TemporaryDirectory.XXXXXX in its $TMPDIR; doctor gives it its own.
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == [])
    }

    @Test func doctorExitsOneWithTheInstallCommandWhenPkgConfigFindsNothing() async throws {
        var env = environment
        env["PKG_CONFIG_LIBDIR"] = "/nonexistent"
        env["PKG_CONFIG_PATH"] = ""
        let result = try await EvolveBinary.run(["doctor"], environment: env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("apt-get install -y libgit2-dev"))
        #expect(result.stderr.contains("apt-get install -y libsqlite3-dev"))
        #expect(result.stderr.contains("apt-get install -y libcurl4-openssl-dev"))
        #expect(result.stdout.contains("MISSING"))
    }

    @Test func doctorNamesSwiftcAndPkgConfigWhenPATHLacksThem() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-empty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: empty) }
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        var env = environment
        env["PATH"] = empty.path
        let result = try await EvolveBinary.run(["doctor"], environment: env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("swiftc is missing"))
        #expect(result.stderr.contains("apt-get install -y pkg-config libgit2-dev"))
    }

    @Test func doctorReportsTheKeyVariableButNeverTheKey() async throws {
        var env = environment
        env["EVOLVE_LLM_BASE_URL"] = "http://127.0.0.1:9/v1"
        env["EVOLVE_LLM_MODEL"] = "tiny-model"
        env["EVOLVE_LLM_API_KEY_ENV"] = "MY_TEST_KEY"
        env["MY_TEST_KEY"] = "sk-do-not-print-4242"
        let text = try await EvolveBinary.run(["doctor"], environment: env)
        let json = try await EvolveBinary.run(["doctor", "--json"], environment: env)
        #expect(text.stdout.contains("key from MY_TEST_KEY (set)"))
        #expect(text.stdout.contains("tiny-model"))
        for output in [text.stdout, text.stderr, json.stdout, json.stderr] {
            #expect(!output.contains("sk-do-not-print-4242"))
        }
        #expect(json.stdout.contains(#""name" : "llm""#))
    }
}

/// `evolve <command> --help` for every command and subcommand, run with the built binary: exit 0, the
/// command's own usage line, and every option the command has (docs/cli.md lists the same).
@Suite struct CommandHelpTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let command: [String]
        let mentions: [String]
        var testDescription: String { command.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(command: ["run"], mentions: ["--seed", "--config", "--name", "--iterations", "--hours", "--budget-usd", "--parallel", "--strategy", "--json"]),
        Case(command: ["resume"], mentions: ["<run>", "--iterations", "--hours", "--json"]),
        Case(command: ["inspect"], mentions: ["population", "best", "program", "lineage"]),
        Case(command: ["inspect", "population"], mentions: ["<run-name>", "--island", "--json", "QD-score"]),
        Case(command: ["inspect", "best"], mentions: ["<run-name>", "--json", "held-out test"]),
        Case(command: ["inspect", "program"], mentions: ["<id>", "--run", "--json", "diff"]),
        Case(command: ["inspect", "lineage"], mentions: ["<id>", "--run", "--json", "seed"]),
        Case(command: ["report"], mentions: ["<run-name>", "--out", "--control", "--gap-threshold", "--top", "--json"]),
        Case(command: ["init"], mentions: ["<directory>", "--json"]),
        Case(command: ["eval"], mentions: ["<program-dir>", "--split", "--training-seed", "--json", "--work-dir", "--keep"]),
        Case(command: ["doctor"], mentions: ["--json"]),
        Case(command: ["check-scale"], mentions: ["<run>", "--factor", "--json"]),
    ]

    @Test(arguments: cases) func helpOfEveryCommandNamesItsOptions(_ c: Case) async throws {
        let result = try await EvolveBinary.run(c.command + ["--help"])
        #expect(result.status == 0, "\(c.command): exit \(result.status)\n\(result.stderr)")
        #expect(result.stdout.contains("USAGE: evolve \(c.command.joined(separator: " "))"), "\(c.command):\n\(result.stdout)")
        for word in c.mentions + ["-h, --help"] {
            #expect(result.stdout.contains(word), "\(c.command) --help does not mention \(word):\n\(result.stdout)")
        }
        #expect(result.stderr.isEmpty, "\(c.command): \(result.stderr)")
    }
}
