import CShims
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs untrusted commands (LLM-written candidates) with hard limits and every isolation layer the
/// machine offers: its own session and process group, rlimits, an allow-listed environment, a wall-clock
/// deadline that kills the whole tree, capped output, and — with bubblewrap (or `unshare` as a fallback) —
/// no network, a PID namespace that takes every descendant down with it, and a read-only filesystem
/// except the work directory. Without namespaces, seccomp refuses IPv4/IPv6 sockets and Landlock confines
/// writes to the work dir; each missing layer is warned about once per process, and every result lists
/// the layers that were in force (`SandboxResult.layers`).
///
/// ```swift
/// let sandbox = Sandbox()                       // probes the machine once, warns once per missing layer
/// var limits = SandboxLimits()
/// limits.wallSeconds = 60
/// let result = try await sandbox.run(["./candidate", workDir.path], in: workDir, limits: limits)
/// if !result.succeeded { print(result.termination, result.stderr.lastLines(20)) }
/// ```
/// Safe to use from many tasks at once: each run has its own thread, pipes and process tree, and is
/// reaped before `run` returns. Cancelling the calling task kills the run.
public final class Sandbox: Sendable {
    public let capabilities: IsolationCapabilities
    /// The uids candidates run as, one per concurrent run; nil runs them as evolve's own user.
    public let users: SandboxUserPool?
    /// The first uid of the pool (the one a lone run gets).
    public var user: SandboxUser? { users?.first }
    /// Per-run cgroups for memory and process limits; nil where the machine offers none.
    let cgroups: CgroupSupport?
    private let bubblewrap: String?
    private let unshare: String?
    private let logger: Logger

    /// - Parameters:
    ///   - users: the identities for candidates. The default, when evolve runs as root, is a pool of 64
    ///     uids from 64064: each concurrent run gets one of its own (RLIMIT_NPROC is per uid and ignored
    ///     for root, and root reads every file).
    ///   - cgroups: put each run in a cgroup of its own with `memoryBytes` and `processes` as its limits,
    ///     where the machine allows (root, cgroup v1 or a delegated v2).
    public init(
        capabilities: IsolationCapabilities = .probe(),
        users: SandboxUserPool? = getuid() == 0 ? .evolveDefault : nil,
        cgroups: Bool = true,
        logger: Logger = Logger(label: "evolve.sandbox")
    ) {
        self.capabilities = capabilities
        self.users = users
        self.cgroups = cgroups ? CgroupSupport.detected : nil
        self.logger = logger
        bubblewrap = capabilities.bubblewrap != nil ? ExecutableLookup.find("bwrap") : nil
        unshare = capabilities.networkNamespaces ? ExecutableLookup.find("unshare") : nil
        for warning in Self.missingLayerWarnings(
            capabilities: capabilities, bubblewrap: bubblewrap != nil, unshare: unshare != nil, user: users?.first,
            cgroups: self.cgroups != nil || !cgroups) {
            Self.warnOnce(warning, logger: logger)
        }
    }

    /// What this machine cannot isolate, one sentence each with the remedy.
    static func missingLayerWarnings(
        capabilities: IsolationCapabilities, bubblewrap: Bool, unshare: Bool, user: SandboxUser?, cgroups: Bool = true
    ) -> [String] {
        var warnings: [String] = []
        if !bubblewrap {
            let writes = capabilities.landlockABI != nil
                ? "writes are confined to the work dir by Landlock instead"
                : "candidates can write wherever their uid may (no Landlock either)"
            warnings.append("sandbox: bubblewrap is not usable, so \(writes), and candidates can read every file their uid may (the project tree included); install it with: apt-get install -y bubblewrap")
        }
        if !bubblewrap && !unshare {
            let network = capabilities.seccompFilters
                ? "a seccomp filter refuses IPv4/IPv6 sockets instead of a network namespace"
                : "candidates keep network access"
            warnings.append("sandbox: no PID or network namespace (neither bubblewrap nor unshare works): a grandchild that calls setsid can outlive its run, and \(network); install bubblewrap (apt-get install -y bubblewrap) or enable unprivileged user namespaces")
        }
        if user == nil && getuid() == 0 {
            warnings.append("sandbox: candidates run as root: process-count limits do not apply and every file is readable; keep the default dedicated uids")
        }
        if !cgroups {
            warnings.append("sandbox: no cgroup per run (needs root and cgroup v1 memory+pids, or a delegated cgroup v2): memory a run keeps in /tmp, /dev/shm or memfd is bounded only by sizes and rlimits, not counted; run evolve as root on a machine with cgroups")
        }
        return warnings
    }

    private static let warned = Mutex<Set<String>>([])

    /// Logs `message` the first time this process sees it: many `Sandbox` values share one warning.
    static func warnOnce(_ message: String, logger: Logger) {
        let first = warned.withLock { $0.insert(message).inserted }
        if first { logger.warning("\(message)") }
    }

    /// The layers a run gets on this machine with these settings (in a work dir from `makeWorkDir`).
    public func layers(allowNetwork: Bool) -> [IsolationLayer] {
        Self.layers(
            bubblewrap: bubblewrap != nil, unshare: unshare != nil, confinement: confinement(allowNetwork: allowNetwork),
            user: user, cgroups: cgroups != nil, allowNetwork: allowNetwork)
    }

    /// The layers a default `Sandbox` (running as `user`) would give a run on a machine with `capabilities`:
    /// what `evolve doctor` reports, without building a sandbox.
    public static func layers(
        capabilities: IsolationCapabilities, user: SandboxUser? = getuid() == 0 ? .evolveDefault : nil, allowNetwork: Bool = false
    ) -> [IsolationLayer] {
        let bubblewrap = capabilities.bubblewrap != nil && ExecutableLookup.find("bwrap") != nil
        let unshare = capabilities.networkNamespaces && ExecutableLookup.find("unshare") != nil
        return layers(
            bubblewrap: bubblewrap, unshare: unshare,
            confinement: Confinement(
                capabilities: capabilities, bubblewrap: bubblewrap, unshare: unshare, allowNetwork: allowNetwork),
            user: user, cgroups: CgroupSupport.detected != nil, allowNetwork: allowNetwork)
    }

    private static func layers(
        bubblewrap: Bool, unshare: Bool, confinement: Confinement, user: SandboxUser?, cgroups: Bool, allowNetwork: Bool
    ) -> [IsolationLayer] {
        var layers: [IsolationLayer] = [.processGroup, .resourceLimits, .cleanEnvironment]
        if user != nil { layers.append(.dedicatedUser) }
        if cgroups { layers.append(.cgroup) }
        if bubblewrap || unshare {
            if !allowNetwork { layers.append(.networkNamespace) }
            layers.append(.pidNamespace)
        }
        if bubblewrap { layers.append(.readOnlyFilesystem) }
        layers.append(getuid() == 0 ? .workDirQuota : .workDirSampling)
        if confinement.denyInetSockets { layers.append(.seccompNetworkFilter) }
        if confinement.landlockABI > 0 { layers.append(.landlockWrites) }
        if confinement.sweepOrphans { layers.append(.orphanSweep) }
        return layers
    }

    /// The kernel confinement the spawn helper applies: only where namespaces cannot do the job.
    func confinement(allowNetwork: Bool) -> Confinement {
        Confinement(capabilities: capabilities, bubblewrap: bubblewrap != nil, unshare: unshare != nil, allowNetwork: allowNetwork)
    }

    /// Runs `command` (executable name or path, then arguments) with `workDir` as its current and only
    /// writable directory. Returns how it ended; throws `SandboxError` when it could not start, and
    /// `CancellationError` when the calling task was cancelled (after the whole tree has been killed).
    ///
    /// Each run leases a uid of `users` for its duration (waiting while all are leased), gets a cgroup of
    /// its own where available, and owns `workDir` (chowned to that uid, mode 0700) while it runs.
    public func run(_ command: [String], in workDir: URL, limits: SandboxLimits) async throws -> SandboxResult {
        guard let name = command.first else { throw SandboxError.emptyCommand }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let executable = name.contains("/") ? name : ExecutableLookup.find(name, path: path) else {
            throw SandboxError.commandNotFound(name: name, searchPath: path)
        }
        let dir = workDir.standardizedFileURL.path
        let lease = try await users?.lease()
        defer { lease?.release() }
        let user = lease?.user
        // Where the run sees its work dir: the host path, or the fixed alias when the uid cannot reach it.
        let alias = try user.flatMap { try WorkDirAlias.needed(for: dir, user: $0) }
        let seen = alias ?? dir
        func relocate(_ text: String) -> String { WorkDirAlias.relocate(text, from: dir, to: seen) }
        let argv = wrap(
            ([executable] + command.dropFirst()).map(relocate), workDir: seen, allowNetwork: limits.allowNetwork, user: user,
            readOnlyPaths: limits.readOnlyPaths + Self.prefixToBind(executable: executable, workDir: dir),
            scratchBytes: limits.scratchBytes)
        var environment = [
            // bubblewrap gives each run a private /tmp; otherwise the work dir is the only writable place.
            "PATH": path, "HOME": seen, "TMPDIR": bubblewrap != nil ? "/tmp" : seen,
            "LANG": ProcessInfo.processInfo.environment["LANG"] ?? "C.UTF-8",
        ]
        environment.merge(limits.environment.mapValues(relocate)) { $1 }
        let finalEnvironment = environment
        let cancellation = CancellationFlag()
        // One thread per run: it blocks in poll/wait4, and it must outlive the child because the
        // parent-death signal fires when the forking thread exits. Everything else that blocks (the
        // chown walk, mounts, cgroup files) happens there too, never on the caller's executor.
        var result = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let thread = Thread {
                    let result = Result {
                        try self.supervise(
                            argv: argv, environment: finalEnvironment, workDir: dir, alias: alias, limits: limits, user: user,
                            cancellation: cancellation)
                    }
                    // A run killed by `abandonAllRuns` never reports: the process is exiting.
                    LiveRuns.parkIfAbandoning()
                    continuation.resume(with: result)
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
        if cancellation.isCancelled { throw CancellationError() }
        result.user = user
        logger.debug("sandbox run ended", metadata: [
            "command": "\(name)", "termination": "\(result.termination)",
            "wall": "\(result.wallSeconds)", "cpu": "\(result.cpuSeconds)", "peakMemory": "\(result.peakMemoryBytes)",
            "uid": "\(user.map { String($0.uid) } ?? "own")",
            "layers": "\(result.layers.map(\.rawValue).joined(separator: ","))",
        ])
        return result
    }

    /// The blocking part of a run, on its own thread: give the work dir to the run's uid, set its quota,
    /// make its cgroup, apply the limits, spawn and watch it, and remove the cgroup.
    private func supervise(
        argv: [String], environment: [String: String], workDir dir: String, alias: String?, limits: SandboxLimits, user: SandboxUser?,
        cancellation: CancellationFlag
    ) throws -> SandboxResult {
        try prepare(workDir: dir, user: user)
        let quotaMount = SandboxWorkDir.isQuotaMount(dir)
        if quotaMount {
            let failure = SandboxWorkDir.grant(dir, bytes: limits.workDirBytes, files: limits.workDirFiles)
            if failure != 0 { throw SandboxError.cannotSetQuota(path: dir, reason: String(cString: strerror(failure))) }
        }
        var layers = layers(allowNetwork: limits.allowNetwork).filter { $0 != .workDirQuota && $0 != .workDirSampling }
        layers.append(quotaMount ? .workDirQuota : .workDirSampling)
        if user == nil { layers.removeAll { $0 == .dedicatedUser } }
        var limits = limits
        if let quota = limits.workDirBytes {
            // One file can never be larger than the whole quota, even between two samples.
            limits.fileSizeBytes = min(limits.fileSizeBytes ?? quota, quota)
        }
        let cgroup = cgroups.flatMap { RunCgroup(support: $0, memoryBytes: limits.memoryBytes, processes: limits.processes) }
        defer { cgroup?.remove() }
        if cgroups != nil && cgroup == nil { layers.removeAll { $0 == .cgroup } }
        if let processes = limits.processes {
            // RLIMIT_NPROC counts every task of the uid, not just this run's: a researcher's own
            // processes, or what an earlier run under this uid left, would otherwise eat the allowance.
            let uid = user?.uid ?? getuid()
            if uid != 0 { limits.processes = ProcessTree.taskCount(ofUID: uid) + processes }
        }
        return try Supervisor.run(
            argv: argv, environment: environment, workDir: dir, alias: alias, limits: limits, user: user,
            confinement: confinement(allowNetwork: limits.allowNetwork), layers: layers, cgroup: cgroup, quotaMount: quotaMount,
            cancellation: cancellation)
    }

    /// An absolute executable outside the work dir brings its install prefix (a toolchain's libraries);
    /// a relative one is the work dir's own (it runs there).
    static func prefixToBind(executable: String, workDir: String) -> [String] {
        guard executable.hasPrefix("/"), !executable.hasPrefix(workDir + "/") else { return [] }
        return ExecutableLookup.installPrefix(of: executable).map { [$0] } ?? []
    }

    /// The command line that applies the namespaces: bubblewrap when usable, else `unshare`.
    func wrap(
        _ command: [String], workDir: String, allowNetwork: Bool, user: SandboxUser? = nil, readOnlyPaths: [String] = [],
        scratchBytes: Int = SandboxLimits().scratchBytes
    ) -> [String] {
        if let bubblewrap {
            // --as-pid-1: the command is the namespace's init, a direct child of bubblewrap, which reaps
            // it. With bubblewrap's own init in between, that init is left to the host's init to reap.
            // --disable-userns: no nested user namespace, in which the run could mount a tmpfs of any size.
            var argv = [bubblewrap, "--die-with-parent", "--new-session", "--unshare-user", "--disable-userns",
                        "--unshare-pid", "--as-pid-1", "--unshare-ipc", "--unshare-uts"]
            if !allowNetwork { argv.append("--unshare-net") }
            argv += SandboxFilesystem.binds(readOnlyPaths: readOnlyPaths)
            argv += ["--dev", "/dev", "--remount-ro", "/dev", "--size", String(scratchBytes), "--tmpfs", "/dev/shm",
                     "--proc", "/proc", "--size", String(scratchBytes), "--tmpfs", "/tmp",
                     "--bind", workDir, workDir, "--chdir", workDir, "--"]
            return argv + command
        }
        if let unshare {
            var flags = "-pf"
            if !allowNetwork { flags += "n" }
            if user != nil || getuid() != 0 { flags += "r" }
            return [unshare, flags, "--kill-child", "--"] + command
        }
        return command
    }

    /// Makes the work dir the run's own: owned by its uid with mode 0700, so it can write there and no
    /// other run's uid can look in.
    private func prepare(workDir: String, user: SandboxUser?) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workDir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SandboxError.workDirMissing(path: workDir)
        }
        guard let user else { return }
        var failure: SandboxError?
        func own(_ path: String) {
            if lchown(path, user.uid, user.gid) != 0 && failure == nil {
                failure = .cannotChown(path: path, uid: user.uid, reason: String(cString: strerror(errno)))
            }
        }
        own(workDir)
        chmod(workDir, 0o700)
        if let walker = FileManager.default.enumerator(atPath: workDir) {
            for case let relative as String in walker { own(workDir + "/" + relative) }
        }
        if let failure { throw failure }
    }
}
