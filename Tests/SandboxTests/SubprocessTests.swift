import Foundation
import Testing
@testable import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// `Subprocess`: short trusted commands run to their end without Foundation's `Process`.
@Suite struct SubprocessTests {
    @Test func outputExitCodeAndMergedErrorsComeBack() throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.output == "out\nerr\n")
        let quiet = try Subprocess.run("/bin/sh", ["-c", "echo out; echo err >&2"], errors: .discarded)
        #expect(quiet == Subprocess.Result(status: 0, output: "out\n"))
    }

    @Test func aSignalIsReportedAsAShellWould() throws {
        #expect(try Subprocess.run("/bin/sh", ["-c", "kill -9 $$"]).status == 128 + SIGKILL)
    }

    @Test func theEnvironmentIsTheOneGivenAndStdinIsEmpty() throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "echo \"$ONLY\" \"${HOME:-none}\"; cat"], environment: ["ONLY": "this"])
        #expect(result.output == "this none\n")
    }

    /// A descriptor this process holds open (here a pipe's write end) is not inherited: the command's
    /// children cannot keep another reader of this process from seeing its end of file.
    @Test func theCommandInheritsNoDescriptorOfThisProcess() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let listing = try Subprocess.run("/bin/sh", ["-c", "ls /proc/self/fd"]).output
        let open = listing.split(separator: "\n").compactMap { Int32($0) }
        #expect(open.allSatisfy { $0 <= 3 }, "only stdin, stdout, stderr and ls's own directory: \(open)")
    }

    /// What a tool leaves in its $TMPDIR (swiftc's driver leaves an empty folder) goes when it ends.
    @Test func aPrivateTMPDIRIsRemovedWithWhatTheCommandLeftThere() throws {
        let result = try Subprocess.runWithPrivateTMPDIR(
            "/bin/sh", ["-c", "mkdir \"$TMPDIR/TemporaryDirectory.left\" && echo \"$TMPDIR\" && echo \"$ONLY\""], environment: ["ONLY": "this"])
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(result.status == 0 && lines.count == 2 && lines[1] == "this", "\(result.output)")
        let scratch = try #require(lines.first)
        #expect(scratch.hasPrefix(FileManager.default.temporaryDirectory.path) && scratch != FileManager.default.temporaryDirectory.path)
        #expect(!FileManager.default.fileExists(atPath: scratch))
    }

    /// The nice value is per thread, and libdispatch sets its workers' own: a command spawned from a thread
    /// whose value differs from the process's runs at the process's (what `nice evolve …` asked for).
    @Test func theCommandRunsAtTheProcesssNiceValueNotTheSpawningThreads() throws {
        let process = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var seen: (thread: Int32, command: String)?
        let thread = Thread {
            // Who 0 is the calling thread (Linux keeps nice per thread). Raising one's own nice is always
            // allowed; the thread ends with the test.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(process + 5, 19))
            let own = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            let output = (try? Subprocess.run("/bin/sh", ["-c", "cut -d' ' -f19 /proc/self/stat"]).output) ?? ""
            seen = (own, output.trimmingCharacters(in: .whitespacesAndNewlines))
            done.signal()
        }
        thread.start()
        done.wait()
        let result = try #require(seen)
        #expect(result.thread != process, "the spawning thread's nice differs from the process's")
        if getuid() == 0 {
            #expect(result.command == "\(process)", "spawned from a thread at \(result.thread): \(result.command)")
        } else {  // a user cannot lower a nice value, so the command keeps the thread's higher one
            #expect(Int32(result.command).map { $0 >= process } == true, "\(result.command)")
        }
    }

    @Test func aMissingExecutableIsAnErrorNamingIt() {
        #expect(throws: SandboxError.self) { try Subprocess.run("/nonexistent/tool", []) }
    }
}
