/// Hard limits for one sandboxed run. `nil` leaves a limit unset.
public struct SandboxLimits: Sendable {
    /// Wall-clock deadline: SIGTERM to every process of the run, SIGKILL `killGraceSeconds` later. Under
    /// a PID namespace the command is the namespace's init, so it sees SIGTERM only if it handles it.
    public var wallSeconds: Double = 120
    public var killGraceSeconds: Double = 1
    /// CPU seconds per process: SIGXCPU at the limit, SIGKILL a second later (under a PID namespace the
    /// command is the namespace's init, which ignores SIGXCPU, so it runs until the SIGKILL).
    public var cpuSeconds: Int? = 120
    public var addressSpaceBytes: Int? = 8 << 30
    /// Heap and other private writable memory (RLIMIT_DATA): a memory cap for programs, such as the
    /// Swift compiler, that reserve more address space than they use and so cannot run under
    /// `addressSpaceBytes`.
    public var dataBytes: Int?
    public var fileSizeBytes: Int? = 1 << 30
    public var openFiles: Int? = 256
    /// Processes (and threads) the run may add to those its uid already has when it starts; effective
    /// only under a non-root uid (see `Sandbox.user`).
    public var processes: Int? = 256
    /// Bytes kept per stream (half from the head, half from the tail).
    public var outputCapBytes: Int = 64 << 10
    /// Bytes a stream may produce before the run is killed with `.outputLimit`.
    public var outputLimitBytes: Int = 32 << 20
    /// Variables added to the allow-listed environment (PATH, HOME = work dir, LANG, TMPDIR).
    public var environment: [String: String] = [:]
    public var allowNetwork = false

    public init() {}
}

/// A uid/gid a root-run evolve switches candidates to, so process-count limits and file permissions
/// apply to them.
public struct SandboxUser: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
    /// An id no Debian package or login uses (outside 0–59999 and 65534).
    public static let evolveDefault = SandboxUser(uid: 64_064, gid: 64_064)
}

/// An isolation mechanism that was in force for a run.
public enum IsolationLayer: String, Sendable, CaseIterable, Codable {
    case processGroup = "process-group"
    case resourceLimits = "rlimits"
    case cleanEnvironment = "clean-environment"
    case dedicatedUser = "dedicated-uid"
    case networkNamespace = "network-namespace"
    case pidNamespace = "pid-namespace"
    case readOnlyFilesystem = "read-only-filesystem"
    /// Fallback without a network namespace: seccomp refuses IPv4/IPv6 sockets.
    case seccompNetworkFilter = "seccomp-no-inet"
    /// Fallback without bubblewrap: Landlock allows writes only beneath the work dir.
    case landlockWrites = "landlock-writes"
    /// Fallback without a PID namespace: the command is a subreaper and every process seen in its tree
    /// is killed at the end (a descendant that forks and exits within one 100 ms sample can still escape).
    case orphanSweep = "orphan-sweep"
}

/// What a stream printed: the head and tail within the cap, and how much was dropped between them.
public struct CapturedOutput: Sendable, Equatable {
    public var head: [UInt8] = []
    public var tail: [UInt8] = []
    public var totalBytes = 0
    public var droppedBytes: Int { totalBytes - head.count - tail.count }

    /// Head, a marker saying how much was dropped, and tail.
    public var text: String {
        let h = String(decoding: head, as: UTF8.self)
        if droppedBytes == 0 && tail.isEmpty { return h }
        let marker = droppedBytes > 0 ? "\n[… \(droppedBytes) bytes dropped …]\n" : ""
        return h + marker + String(decoding: tail, as: UTF8.self)
    }

    /// The last `count` lines, for artifacts.
    public func lastLines(_ count: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer, cap: Int) {
        totalBytes += bytes.count
        let headRoom = cap / 2 - head.count
        var rest = bytes[...]
        if headRoom > 0 {
            head.append(contentsOf: rest.prefix(headRoom))
            rest = rest.dropFirst(headRoom)
        }
        guard !rest.isEmpty else { return }
        tail.append(contentsOf: rest)
        let tailCap = cap - cap / 2
        if tail.count > tailCap { tail.removeFirst(tail.count - tailCap) }
    }
}

/// How a sandboxed run ended, with what it used.
public struct SandboxResult: Sendable {
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        case timeout
        case cpuLimit
        case memoryLimit
        case outputLimit

        public var description: String {
            switch self {
            case .exited(0): "ok"
            case .exited(let code): "exit code \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            case .timeout: "wall-clock timeout"
            case .cpuLimit: "CPU-time limit"
            case .memoryLimit: "memory limit"
            case .outputLimit: "output limit"
            }
        }
    }

    public var termination: Termination
    public var wallSeconds: Double
    public var cpuSeconds: Double
    public var peakRSSBytes: Int
    public var stdout: CapturedOutput
    public var stderr: CapturedOutput
    public var layers: [IsolationLayer]

    public var succeeded: Bool { termination == .exited(0) }
}

/// Why a run could not start; a run that started and failed is a `SandboxResult`, not an error.
public enum SandboxError: Error, CustomStringConvertible, Sendable, Equatable {
    case emptyCommand
    case commandNotFound(name: String, searchPath: String)
    case workDirMissing(path: String)
    /// The dedicated uid cannot traverse `ancestor` on the way to the work dir.
    case workDirUnreachable(path: String, ancestor: String, uid: UInt32)
    case cannotChown(path: String, uid: UInt32, reason: String)
    case cannotCreatePipes(reason: String)
    case spawnFailed(executable: String, reason: String)

    public var description: String {
        switch self {
        case .emptyCommand:
            "sandbox: the command is empty; pass the executable and its arguments"
        case .commandNotFound(let name, let searchPath):
            "sandbox: '\(name)' not found on PATH (\(searchPath)); install it or give its full path"
        case .workDirMissing(let path):
            "sandbox: work directory '\(path)' does not exist; create it before the run"
        case .workDirUnreachable(let path, let ancestor, let uid):
            "sandbox: uid \(uid) cannot reach work directory '\(path)' because '\(ancestor)' is not searchable by others; chmod o+x '\(ancestor)' or put work dirs elsewhere"
        case .cannotChown(let path, let uid, let reason):
            "sandbox: cannot give '\(path)' to uid \(uid): \(reason); evolve must run as root to use a dedicated uid"
        case .cannotCreatePipes(let reason):
            "sandbox: cannot create output pipes: \(reason); check the open-file limit (ulimit -n)"
        case .spawnFailed(let executable, let reason):
            "sandbox: cannot start '\(executable)': \(reason); check that it exists and is executable by the sandbox user"
        }
    }
}
