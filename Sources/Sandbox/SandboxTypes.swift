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
    /// Memory of the whole run, counted by its cgroup: resident memory plus what it keeps in RAM-backed
    /// files (/tmp, /dev/shm, memfd, System V shared memory). Effective where the `cgroup` layer is
    /// (root with cgroup v1 or v2 memory controllers); the run is killed with `.memoryLimit` beyond it.
    public var memoryBytes: Int? = 4 << 30
    public var fileSizeBytes: Int? = 1 << 30
    public var openFiles: Int? = 256
    /// Processes (and threads) the run may add to those its uid already has when it starts; effective
    /// under a non-root uid (each concurrent run leases its own uid, see `SandboxUserPool`) and, where the
    /// `cgroup` layer is, also the run's `pids.max`.
    public var processes: Int? = 256
    /// What the run may add to its work dir: bytes (allocated blocks) and files (directory entries of
    /// any kind). Enforced by the kernel on a work dir from `Sandbox.makeWorkDir` (its own tmpfs, resized
    /// at the start of each run to what is there plus these), else by sampling the tree and killing the
    /// run; either way the run ends with `.workDirQuota` when it reaches a limit.
    public var workDirBytes: Int? = 1 << 30
    public var workDirFiles: Int? = 20_000
    /// Size of each of the run's private RAM-backed scratch directories, /tmp and /dev/shm (bubblewrap only;
    /// without it TMPDIR is the work dir). A run that fills one gets ENOSPC; what it keeps there is
    /// counted in `SandboxResult.peakMemoryBytes`.
    public var scratchBytes: Int = 256 << 20
    /// Host paths the command may read (bubblewrap binds them read-only at the same path) besides the
    /// system directories (/usr and the /etc files programs need), the executable's install prefix and
    /// the work dir. Nothing else of the host — the project tree, other runs' work dirs, /home, /root —
    /// is visible.
    public var readOnlyPaths: [String] = []
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
public struct SandboxUser: Sendable, Equatable, Hashable {
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
    /// A cgroup per run: `memoryBytes` counts everything it keeps in RAM (tmpfs and memfd included) and
    /// `processes` is its own `pids.max`.
    case cgroup = "cgroup"
    /// The work dir is a tmpfs of its own (`Sandbox.makeWorkDir` as root): the kernel enforces the quota.
    case workDirQuota = "work-dir-quota"
    /// The work dir is a plain directory: the quota is enforced by sampling it and killing the run.
    case workDirSampling = "work-dir-sampling"
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
        /// The work dir reached `workDirBytes` or `workDirFiles`.
        case workDirQuota

        public var description: String {
            switch self {
            case .exited(0): "ok"
            case .exited(let code): "exit code \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            case .timeout: "wall-clock timeout"
            case .cpuLimit: "CPU-time limit"
            case .memoryLimit: "memory limit"
            case .outputLimit: "output limit"
            case .workDirQuota: "work-dir quota"
            }
        }
    }

    public var termination: Termination
    public var wallSeconds: Double
    public var cpuSeconds: Double
    /// The largest resident set of any one process of the run.
    public var peakRSSBytes: Int
    /// The run's memory as its cgroup counted it (all processes, plus RAM-backed files it wrote) where
    /// the `cgroup` layer is; otherwise the peak RSS plus the most seen in its /tmp and /dev/shm.
    public var peakMemoryBytes: Int = 0
    /// The most the work dir held during the run (allocated bytes, and entries), inputs included.
    public var workDirBytes: Int = 0
    public var workDirFiles: Int = 0
    public var stdout: CapturedOutput
    public var stderr: CapturedOutput
    public var layers: [IsolationLayer]
    /// The uid/gid the run had (leased from the pool for this run), nil when it ran as evolve's own user.
    public var user: SandboxUser?
    /// The limits the run had (with the process allowance as applied).
    public var limits: SandboxLimits = SandboxLimits()

    public var succeeded: Bool { termination == .exited(0) }

    /// How the run ended, naming the limit it hit and its value, in words for a person or a model, e.g.
    /// "work-dir quota: the run filled its work dir (1024 MiB or 20000 files); write less".
    public var verdict: String {
        func mib(_ bytes: Int?) -> String { bytes.map { "\($0 >> 20) MiB" } ?? "unlimited" }
        switch termination {
        case .timeout:
            return String(format: "wall-clock timeout: the run was stopped after its limit of %.0f s", limits.wallSeconds)
        case .cpuLimit:
            return "CPU-time limit: a process used its \(limits.cpuSeconds.map(String.init) ?? "?") CPU seconds"
        case .memoryLimit:
            let caps = [limits.memoryBytes.map { "\($0 >> 20) MiB for the run" }, limits.addressSpaceBytes.map { "\($0 >> 20) MiB address space" },
                        limits.dataBytes.map { "\($0 >> 20) MiB data per process" }].compactMap { $0 }
            return "memory limit: the run ran out of memory (\(caps.joined(separator: ", "))), counting what it kept in /tmp and /dev/shm"
        case .outputLimit:
            return "output limit: a stream passed \(mib(limits.outputLimitBytes))"
        case .workDirQuota:
            return "work-dir quota: the run filled its work dir (\(mib(limits.workDirBytes)) or \(limits.workDirFiles.map(String.init) ?? "unlimited") files; it held \(workDirBytes >> 20) MiB in \(workDirFiles) files); write less"
        default:
            return termination.description
        }
    }
}

/// Why a run could not start; a run that started and failed is a `SandboxResult`, not an error.
public enum SandboxError: Error, CustomStringConvertible, Sendable, Equatable {
    case emptyCommand
    case commandNotFound(name: String, searchPath: String)
    case workDirMissing(path: String)
    /// The directory a run sees an unreachable work dir at (`WorkDirAlias`) could not be made.
    case workAliasUnavailable(path: String, reason: String)
    case cannotChown(path: String, uid: UInt32, reason: String)
    case cannotSetQuota(path: String, reason: String)
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
        case .workAliasUnavailable(let path, let reason):
            "sandbox: cannot prepare '\(path)', where runs see a work dir under a private directory: \(reason); remove whatever is at '\(path)' so evolve can make it"
        case .cannotChown(let path, let uid, let reason):
            "sandbox: cannot give '\(path)' to uid \(uid): \(reason); evolve must run as root to use a dedicated uid"
        case .cannotSetQuota(let path, let reason):
            "sandbox: cannot set the work-dir quota on '\(path)': \(reason); make work dirs with Sandbox.makeWorkDir and run evolve as root"
        case .cannotCreatePipes(let reason):
            "sandbox: cannot create output pipes: \(reason); check the open-file limit (ulimit -n)"
        case .spawnFailed(let executable, let reason):
            "sandbox: cannot start '\(executable)': \(reason); check that it exists and is executable by the sandbox user"
        }
    }
}
