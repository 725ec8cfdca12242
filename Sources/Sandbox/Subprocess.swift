import CShims
import Foundation

/// A short, trusted command run to its end: `swiftc` building TRMKit, a probe of `bwrap` or `unshare`,
/// `doctor`'s look at the machine. Candidates never go through here (they go through `Sandbox`).
///
/// It spawns with the sandbox's own `evolve_spawn` (stdin from /dev/null, every other descriptor closed,
/// SIGKILL when evolve dies) and reaps with `waitpid` on the calling thread, instead of Foundation's
/// `Process`, whose one process-manager thread can sit in `waitpid` on some other, still running child
/// and leave every later `waitUntilExit` waiting with it, and which lists `/proc/self/fd` with a copy
/// that reads past its buffer once a process holds a thousand-odd descriptors.
///
/// ```swift
/// let result = try Subprocess.run("/usr/bin/env", ["swiftc", "--version"])
/// if result.status == 0 { print(result.output) }
/// ```
public enum Subprocess {
    public struct Result: Sendable, Equatable {
        /// The exit code, or 128 + the signal that ended the command (as a shell reports it).
        public let status: Int32
        /// What the command wrote to stdout (and stderr, when merged), decoded as UTF-8.
        public let output: String
    }

    public enum Errors: Sendable { case merged, discarded }

    /// Runs `executable` (an absolute path: there is no PATH lookup) with `arguments` and `environment`
    /// (nil: this process's), blocking the calling thread until the command has ended and been reaped.
    /// Throws only when it cannot be started.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, errors: Errors = .merged
    ) throws -> Result {
        var pipe: [Int32] = [0, 0]
        guard evolve_pipe_cloexec(&pipe) == 0 else { throw SandboxError.cannotCreatePipes(reason: String(cString: strerror(errno))) }
        let discard = errors == .discarded ? open("/dev/null", O_WRONLY | O_CLOEXEC) : pipe[1]
        var pid: pid_t = 0
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }.sorted()
        let spawnError = Supervisor.withCStrings([executable] + arguments) { argv in
            Supervisor.withCStrings(variables) { envp in
                evolve_spawn(executable, argv, envp, nil, nil, pipe[1], discard < 0 ? pipe[1] : discard, -1, -1, nil, &pid)
            }
        }
        close(pipe[1])
        if errors == .discarded, discard >= 0 { close(discard) }
        defer { close(pipe[0]) }
        guard spawnError == 0 else { throw SandboxError.spawnFailed(executable: executable, reason: String(cString: strerror(spawnError))) }
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
            if count > 0 {
                output.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        var status: Int32 = 0, user = 0.0, system = 0.0, rss = 0
        while evolve_wait(pid, 0, &status, &user, &system, &rss) == -EINTR {}
        let code = evolve_wifexited(status) != 0 ? evolve_wexitstatus(status) : 128 + evolve_wtermsig(status)
        return Result(status: code, output: String(decoding: output, as: UTF8.self))
    }

    /// `run` with $TMPDIR a fresh directory of its own, removed with whatever is in it when the command
    /// has ended. For the Swift toolchain: its driver leaves an empty `TemporaryDirectory.XXXXXX` in
    /// $TMPDIR after `swiftc --version`, `-typecheck`, `-c` and a build that fails (Swift 6.3; a successful
    /// static-library or executable build leaves none). Throws also when that directory cannot be made.
    public static func runWithPrivateTMPDIR(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, errors: Errors = .merged
    ) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var variables = environment ?? ProcessInfo.processInfo.environment
        variables["TMPDIR"] = scratch.path
        return try run(executable, arguments, environment: variables, errors: errors)
    }
}
