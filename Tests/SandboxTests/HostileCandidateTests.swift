import Foundation
import TestSupport
import Testing
@testable import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// Each test runs a real hostile program through the sandbox and checks the verdict, the time to the
/// verdict, and that no process of the run remains. Serialized: the fork bomb uses the dedicated uid's
/// whole process allowance.
@Suite(.serialized) struct HostileCandidateTests {
    let sandbox = Sandbox()
    let scratch = ScratchDirectory("evolve-sandbox")
    var workDir: URL { scratch.url }
    let marker = "EVOLVE_SANDBOX_TEST_RUN=\(UUID().uuidString)"

    func limits(wall: Double = 10, _ change: (inout SandboxLimits) -> Void = { _ in }) -> SandboxLimits {
        var limits = SandboxLimits()
        limits.wallSeconds = wall
        limits.killGraceSeconds = 0.5
        limits.processes = 64
        limits.addressSpaceBytes = 1 << 30
        let parts = marker.split(separator: "=")
        limits.environment[String(parts[0])] = String(parts[1])
        change(&limits)
        return limits
    }

    func sh(_ script: String, _ limits: SandboxLimits) async throws -> SandboxResult {
        try await sandbox.run(["/bin/sh", "-c", script], in: workDir, limits: limits)
    }

    /// Processes whose environment carries this test's marker: every descendant of the run inherits it.
    func survivors() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environ.split(separator: 0).contains { $0.elementsEqual(marker.utf8) }
        }
    }

    func expectNoSurvivors(sourceLocation: SourceLocation = #_sourceLocation) {
        // Killed processes may take a moment to be reaped by their new parent.
        var remaining = survivors()
        for _ in 0..<20 where !remaining.isEmpty {
            usleep(50_000)
            remaining = survivors()
        }
        #expect(remaining.isEmpty, "processes survived the run: \(remaining)", sourceLocation: sourceLocation)
    }

    @Test func anOrdinaryProgramSucceedsWithAllowListedEnvironment() async throws {
        let result = try await sh("echo out; echo err >&2; echo \"home=$HOME\"; pwd", limits())
        #expect(result.succeeded)
        #expect(result.stdout.text.contains("out\nhome=\(workDir.standardizedFileURL.path)\n\(workDir.standardizedFileURL.path)"))
        #expect(result.stderr.text == "err\n")
        #expect(result.layers.contains(.processGroup) && result.layers.contains(.resourceLimits))
        expectNoSurvivors()
    }

    /// Compiles a C program into the work dir with the system compiler.
    func compileC(_ name: String, _ source: String) throws -> String {
        let sourceFile = workDir.appendingPathComponent("\(name).c")
        try Data(source.utf8).write(to: sourceFile)
        let binary = workDir.appendingPathComponent(name).path
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        cc.arguments = ["-O1", "-o", binary, sourceFile.path]
        try cc.run()
        try #require(ChildExit.wait(for: cc) == .success, "cc failed to build \(name).c")
        return binary
    }

    @Test func shellForkBombHitsTheProcessLimit() async throws {
        let start = Date()
        // The top shell stays for 1.5 s while the bomb spreads; its end (or the deadline) ends the rest.
        let result = try await sh("bomb() { bomb | bomb & }; bomb; sleep 1.5", limits(wall: 3))
        if sandbox.user != nil {
            #expect(result.stderr.text.contains("Cannot fork"), "\(result.termination): \(result.stderr.lastLines(3))")
        }
        #expect(Date().timeIntervalSince(start) < 20)  // far below the hostile program's own end (300 s or never)
        expectNoSurvivors()
    }

    @Test func persistentForkBombIsKilledAtTheDeadline() async throws {
        try #require(sandbox.user != nil, "process-count containment needs the dedicated uid")
        // Every process forks forever and never exits: only the process limit bounds it, only the
        // group/namespace kill ends it.
        let bomb = try compileC("bomb", "#include <unistd.h>\nint main(void) { for (;;) fork(); }\n")
        let start = Date()
        let result = try await sandbox.run([bomb], in: workDir, limits: limits(wall: 1.5) { $0.processes = 48 })
        #expect(result.termination == .timeout, "\(result.termination)")
        // Nothing of the run was left for the host's init to reap (checked at once: init reaps lazily).
        let orphans = Self.processes { $0.name == "bomb" && $0.parent == 1 }
        #expect(orphans.isEmpty, "bomb processes orphaned to init: \(orphans)")
        #expect(Date().timeIntervalSince(start) < 20)  // far below the hostile program's own end (300 s or never)
        expectNoSurvivors()
    }

    @Test func manyConcurrentRunsKeepTheirOutputsApartAndLeaveNoZombies() async throws {
        let sandbox = sandbox, limits = limits()
        // One work dir per run: a run owns its work dir (its uid, mode 0700) while it runs.
        let workDirs = try (0..<12).map { index in
            let dir = workDir.appendingPathComponent("run-\(index)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return dir
        }
        let outputs = try await withThrowingTaskGroup(of: (Int, SandboxResult).self) { group in
            for index in 0..<12 {
                group.addTask {
                    (index, try await sandbox.run(["/bin/sh", "-c", "sleep 0.2; echo run-\(index)"], in: workDirs[index], limits: limits))
                }
            }
            return try await group.reduce(into: [Int: SandboxResult]()) { $0[$1.0] = $1.1 }
        }
        for index in 0..<12 {
            #expect(outputs[index]?.succeeded == true)
            #expect(outputs[index]?.stdout.text == "run-\(index)\n")
        }
        // Every child these runs left has been reaped: none of them is a zombie. Only the runs' own
        // processes count: other tests of this process start git, swift and the evolve binary, whose
        // children Foundation reaps on its own schedule, which under a loaded whole suite is slow.
        let runNames: Set<String> = ["bwrap", "unshare", "sh", "sleep"]
        var zombies = Self.zombieChildren(named: runNames)
        for _ in 0..<100 where !zombies.isEmpty {
            usleep(50_000)
            zombies = Self.zombieChildren(named: runNames)
        }
        #expect(zombies.isEmpty, "zombie children: \(zombies)")
        expectNoSurvivors()
    }

    /// Pids of live or zombie processes whose name (comm) and parent pid match.
    static func processes(where matches: ((name: String, parent: Int32)) -> Bool) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = ProcFile.read("/proc/\(pid)/stat"),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return false }
            let name = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && matches((name, Int32(fields[1]) ?? 0))
        }
    }

    static func zombieChildren(named names: Set<String>) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let children = tasks.flatMap { task in
            ((ProcFile.read("/proc/self/task/\(task)/children")) ?? "")
                .split(separator: " ").compactMap { Int32($0) }
        }
        return children.filter { pid in
            guard let stat = ProcFile.read("/proc/\(pid)/stat"),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return false }
            let name = String(stat[stat.index(after: open)..<close])
            return names.contains(name) && stat[stat.index(after: close)...].split(separator: " ").first == "Z"
        }
    }

    @Test func eightGigabyteAllocationHitsTheMemoryLimit() async throws {
        let start = Date()
        let result = try await sandbox.run(
            ["/usr/bin/python3", "-c", "x = bytearray(8 * 1024**3); print(len(x))"], in: workDir, limits: limits())
        #expect(result.termination == .memoryLimit, "\(result.termination): \(result.stderr.text)")
        #expect(result.peakRSSBytes < 1 << 30)
        #expect(Date().timeIntervalSince(start) < 20)  // far below the hostile program's own end (300 s or never)
        expectNoSurvivors()
    }

    @Test func theDataLimitCapsMemoryWithoutAnAddressSpaceLimit() async throws {
        let result = try await sandbox.run(
            ["/usr/bin/python3", "-c", "x = bytearray(8 * 1024**3); print(len(x))"], in: workDir,
            limits: limits { $0.addressSpaceBytes = nil; $0.dataBytes = 1 << 30 })
        #expect(result.termination == .memoryLimit, "\(result.termination): \(result.stderr.text)")
        #expect(result.peakRSSBytes < 1 << 30)
        expectNoSurvivors()
    }

    @Test func aSwiftProgramAllocatingEightGigabytesHitsTheMemoryLimit() async throws {
        // Candidates are Swift binaries: their allocation failure is a runtime fatal error, not MemoryError.
        let swiftc = try #require(ExecutableLookup.find("swiftc"), "swiftc is not on PATH")
        let source = workDir.appendingPathComponent("hog.swift")
        try Data("let a = [UInt8](repeating: 1, count: 8 << 30)\nprint(a.count)\n".utf8).write(to: source)
        let compile = Process()
        compile.executableURL = URL(fileURLWithPath: swiftc)
        compile.arguments = ["-O", source.path, "-o", workDir.appendingPathComponent("hog").path]
        try compile.run()
        try #require(ChildExit.wait(for: compile) == .success)
        let start = Date()
        // Its runtime libraries live in the toolchain, which a run sees only when asked for.
        let toolchain = try #require(ExecutableLookup.installPrefix(of: swiftc))
        let result = try await sandbox.run(["./hog"], in: workDir, limits: limits { $0.readOnlyPaths = [toolchain] })
        #expect(result.termination == .memoryLimit, "\(result.termination): \(result.stderr.lastLines(5))")
        #expect(result.peakRSSBytes < 1 << 30)
        #expect(Date().timeIntervalSince(start) < 20)  // far below the hostile program's own end (300 s or never)
        expectNoSurvivors()
    }

    @Test func infiniteLoopHitsTheCPULimit() async throws {
        // The loop needs a second of CPU, which a machine loaded by other test processes may take many
        // seconds of wall time to give it (measured: over 10 s with two test suites on 2 cores), so the
        // wall-clock net stays out of the way; the loop never ends on its own, so a CPU-limit verdict is
        // the proof.
        let result = try await sh("while :; do :; done", limits(wall: 300) { $0.cpuSeconds = 1 })
        #expect(result.termination == .cpuLimit, "\(result.termination)")
        #expect(result.cpuSeconds >= 0.9)
        expectNoSurvivors()
    }

    @Test func gigabyteToStdoutHitsTheOutputLimitAndKeepsHeadAndTail() async throws {
        let start = Date()
        let result = try await sh("yes evolve | head -c 1000000000", limits { $0.outputLimitBytes = 8 << 20 })
        #expect(result.termination == .outputLimit)
        #expect(result.stdout.head.count + result.stdout.tail.count <= 64 << 10)
        #expect(result.stdout.droppedBytes > 0)
        #expect(result.stdout.text.hasPrefix("evolve\nevolve\n"))
        #expect(result.stdout.text.contains("bytes dropped"))
        #expect(Date().timeIntervalSince(start) < 20)  // far below the hostile program's own end (300 s or never)
        expectNoSurvivors()
    }

    @Test func backgroundChildDoesNotOutliveTheRun() async throws {
        let start = Date()
        let result = try await sh("sleep 300 & echo started", limits())
        #expect(result.succeeded)
        #expect(Date().timeIntervalSince(start) < 20)  // far below the hostile program's own end (300 s or never)
        expectNoSurvivors()
    }

    @Test func setsidGrandchildDoesNotOutliveTheRun() async throws {
        let start = Date()
        let result = try await sh("setsid sleep 300 & sleep 0.2; echo started", limits())
        #expect(result.succeeded)
        #expect(Date().timeIntervalSince(start) < 20)  // far below the hostile program's own end (300 s or never)
        expectNoSurvivors()
    }

    @Test func processIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
        let start = Date()
        let result = try await sh("trap '' TERM; while :; do sleep 0.1; done", limits(wall: 1))
        #expect(result.termination == .timeout)
        let elapsed = Date().timeIntervalSince(start)
        // Wall limit 1 s, grace 0.5 s: SIGTERM was ignored, so only SIGKILL ended it.
        #expect(elapsed >= 1.45 && elapsed < 20, "\(elapsed)")
        expectNoSurvivors()
    }

    @Test func aProgramThatHandlesSIGTERMCanFlushWithinTheGrace() async throws {
        let flushed = workDir.appendingPathComponent("flushed")
        let result = try await sh("trap 'echo flushed > flushed; exit 3' TERM; while :; do sleep 0.05; done", limits(wall: 0.5) { $0.killGraceSeconds = 15 })
        #expect(result.termination == .timeout)
        #expect(FileManager.default.fileExists(atPath: flushed.path))
        // It exited on its own well before the 15 s grace ran out (SIGKILL would have come at 15.5 s).
        #expect(result.wallSeconds < 10)
        expectNoSurvivors()
    }

    @Test func cancellingTheCallerKillsTheRun() async throws {
        let sandbox = sandbox, workDir = workDir, limits = limits(wall: 60)
        let start = Date()
        let run = Task { try await sandbox.run(["/bin/sh", "-c", "sleep 300 & sleep 300"], in: workDir, limits: limits) }
        try await Task.sleep(for: .milliseconds(300))
        run.cancel()
        await #expect(throws: CancellationError.self) { _ = try await run.value }
        #expect(Date().timeIntervalSince(start) < 20)  // far below the hostile program's own end (300 s or never)
        expectNoSurvivors()
    }

    @Test func wallClockTimeoutStopsASleeper() async throws {
        let result = try await sh("sleep 300", limits(wall: 0.5))
        #expect(result.termination == .timeout)
        #expect(result.wallSeconds < 20)  // the sleeper alone would take 300 s
        expectNoSurvivors()
    }

    @Test func tcpToALoopbackListenerFailsUnderNetworkIsolation() async throws {
        let listener = try LoopbackListener()
        let port = listener.port
        let client = "import socket; socket.create_connection(('127.0.0.1', \(port)), timeout=2); print('connected')"

        let isolated = try await sandbox.run(["/usr/bin/python3", "-c", client], in: workDir, limits: limits())
        if isolated.layers.contains(.networkNamespace) {
            #expect(!isolated.succeeded)
            #expect(!isolated.stdout.text.contains("connected"))
        }
        // The same program with network allowed connects: the test can tell the difference.
        let open = try await sandbox.run(["/usr/bin/python3", "-c", client], in: workDir, limits: limits { $0.allowNetwork = true })
        #expect(open.stdout.text.contains("connected"), "\(open.stderr.text)")
        expectNoSurvivors()
    }

    @Test func evolvesOwnSecretsAreAbsent() async throws {
        // scripts/test.sh plants it before the test process starts: setenv while other tests' threads start
        // processes races Foundation's Process.run, which copies the environment (a crash seen here).
        let planted = ProcessInfo.processInfo.environment["EVOLVE_TEST_PLANTED_SECRET"] == "sk-planted-7731"
        if !planted { setenv("EVOLVE_TEST_PLANTED_SECRET", "sk-planted-7731", 1) }
        defer { if !planted { unsetenv("EVOLVE_TEST_PLANTED_SECRET") } }
        let result = try await sh("env; echo \"secret=${EVOLVE_TEST_PLANTED_SECRET:-absent}\"", limits())
        #expect(result.stdout.text.contains("secret=absent"))
        #expect(!result.stdout.text.contains("sk-planted-7731"))
        #expect(result.layers.contains(.cleanEnvironment))
    }

    @Test func writingOutsideTheWorkDirFails() async throws {
        let outside = "/var/tmp/evolve-escape-\(UUID().uuidString)"
        defer { unlink(outside) }
        let result = try await sh("echo escaped > \(outside) && echo wrote; echo inside > inside.txt && cat inside.txt", limits())
        // /var/tmp is world-writable: only write confinement (not the uid) can stop this.
        if result.layers.contains(.readOnlyFilesystem) || result.layers.contains(.landlockWrites) {
            #expect(!FileManager.default.fileExists(atPath: outside))
            #expect(!result.stdout.text.contains("wrote"))
        }
        #expect(result.stdout.text.contains("inside"))
        expectNoSurvivors()
    }

    @Test func aRootOnlyFileOutsideIsUnreadableAsTheDedicatedUser() async throws {
        try #require(getuid() == 0, "runs only as root (the dedicated uid exists for root-run evolve)")
        // Not under /tmp: bubblewrap gives the candidate a private /tmp.
        let secret = URL(fileURLWithPath: "/var/tmp/evolve-secret-\(UUID().uuidString)")
        try Data("label-data-4242".utf8).write(to: secret)
        chmod(secret.path, 0o600)
        defer { unlink(secret.path) }
        let result = try await sh("cat \(secret.path)", limits())
        #expect(result.layers.contains(.dedicatedUser))
        #expect(!result.succeeded)
        #expect(!result.stdout.text.contains("label-data-4242"))
        // Under bubblewrap /var is not even there; otherwise the uid is refused.
        #expect(result.stderr.text.contains(result.layers.contains(.readOnlyFilesystem) ? "No such file" : "Permission denied"))
    }

    @Test func aMissingCommandIsAClearError() async throws {
        do {
            _ = try await sandbox.run(["no-such-evolve-tool"], in: workDir, limits: limits())
            Issue.record("a missing command started")
        } catch let error as SandboxError {
            guard case .commandNotFound(let name, _) = error else { throw error }
            #expect(name == "no-such-evolve-tool")
            #expect(error.description.contains("no-such-evolve-tool"))
        }
    }

    @Test func aWorkDirUnderAPrivateParentIsReachedWithoutOpeningTheParent() async throws {
        try #require(sandbox.user != nil, "only the dedicated uid needs to traverse the parents")
        try await PrivateParent.check(sandbox, under: workDir, limits: limits())
    }
}
