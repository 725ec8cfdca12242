import CShims
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Spawns one run and watches it until every process of it is gone.
enum Supervisor {
    /// - Parameter alias: where the run sees `workDir` (`WorkDirAlias`), nil when it sees the host path.
    static func run(
        argv: [String], environment: [String: String], workDir: String, alias: String? = nil, limits: SandboxLimits, user: SandboxUser?,
        confinement: Confinement, layers: [IsolationLayer], cgroup: RunCgroup? = nil, quotaMount: Bool = false,
        cancellation: CancellationFlag
    ) throws -> SandboxResult {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard evolve_pipe_cloexec(&outPipe) == 0, evolve_pipe_cloexec(&errPipe) == 0 else {
            throw SandboxError.cannotCreatePipes(reason: String(cString: strerror(errno)))
        }
        var spawnLimits = evolve_spawn_limits(
            cpu_seconds: Int64(limits.cpuSeconds ?? -1), address_space_bytes: Int64(limits.addressSpaceBytes ?? -1),
            file_size_bytes: Int64(limits.fileSizeBytes ?? -1), open_files: Int64(limits.openFiles ?? -1),
            processes: Int64(limits.processes ?? -1), core_bytes: 0,
            data_bytes: Int64(limits.dataBytes ?? -1))
        // The work dir's use before the run: a plain directory's quota is what the run may add to it.
        let quotaFiles = limits.workDirFiles.map { $0 + 1 } ?? Int.max
        let baseline = WorkDirUsage.measure(workDir, quotaMount: quotaMount, stopAfterFiles: Int.max)
        var workDirPeak = baseline
        let started = ContinuousClock.now
        var pid: pid_t = 0
        let cgroupFDs = cgroup?.procsFDs ?? []
        // No new run once the process is abandoning its runs on the way out.
        LiveRuns.parkIfAbandoning()
        let spawnError: Int32 = withCStrings(argv) { cArgv in
            withCStrings(environment.map { "\($0.key)=\($0.value)" }.sorted()) { cEnv in
                workDir.withCString { cWorkDir in
                  (alias ?? workDir).withCString { cSeen in
                    cgroupFDs.withUnsafeBufferPointer { fds in
                        var confinement = evolve_spawn_confinement(
                            deny_inet_sockets: confinement.denyInetSockets ? 1 : 0, landlock_abi: Int32(confinement.landlockABI),
                            writable_dir: cSeen, child_subreaper: confinement.sweepOrphans ? 1 : 0,
                            cgroup_procs_fds: fds.baseAddress, cgroup_procs_count: Int32(fds.count),
                            work_alias: alias != nil ? cSeen : nil)
                        return evolve_spawn(
                            argv[0], cArgv, cEnv, cWorkDir, &spawnLimits, outPipe[1], errPipe[1],
                            user.map { Int32(bitPattern: $0.uid) } ?? -1, user.map { Int32(bitPattern: $0.gid) } ?? -1,
                            &confinement, &pid)
                    }
                  }
                }
            }
        }
        close(outPipe[1])
        close(errPipe[1])
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        guard spawnError == 0 else {
            throw SandboxError.spawnFailed(executable: argv[0], reason: String(cString: strerror(spawnError)))
        }
        LiveRuns.started(pid)

        var stdout = CapturedOutput(), stderr = CapturedOutput()
        var open = [true, true]
        var verdict: SandboxResult.Termination?
        var termSentAt: ContinuousClock.Instant?
        var killed = false
        var reaped: (status: Int32, user: Double, system: Double, rss: Int)?
        var reapedAt: ContinuousClock.Instant?
        let deadline = started + .milliseconds(Int(limits.wallSeconds * 1000))
        let grace = Duration.milliseconds(Int(limits.killGraceSeconds * 1000))
        var buffer = [UInt8](repeating: 0, count: 65536)
        var sampledCPU = 0.0, sampledRSS = 0, sampledScratch = 0
        var lastSample = started
        var nextWorkDirSample = started
        let scratchDirectories = argv[0].hasSuffix("/bwrap") ? ["/tmp", "/dev/shm"] : []
        // Every process seen in the tree, with its start time: without a PID namespace, a descendant
        // that left the process group (setsid) is found and killed through this list.
        var seen: [pid_t: UInt64] = [:]

        func killGroup(_ signal: Int32) {
            kill(-pid, signal)
            if signal == SIGKILL && confinement.sweepOrphans { sweep() }
        }

        let wrapped = Self.wrapped(argv)
        var backstopAt: ContinuousClock.Instant?

        /// Kills the whole run. Under a namespace wrapper, the namespace's first process goes first: the
        /// kernel then kills everything in the namespace, and the wrapper reaps it and exits. Killing the
        /// wrapper first would orphan that process to init as a zombie. The group follows as a backstop.
        func killRun() {
            killed = true
            if wrapped {
                for child in ProcessTree.children(of: pid) { kill(child, SIGKILL) }
                backstopAt = .now + .milliseconds(250)
            } else {
                killGroup(SIGKILL)
            }
        }

        func sweep() {
            if reaped == nil { record(ProcessTree.members(of: pid)) }
            for (member, start) in seen where member != pid && ProcessTree.startTime(of: member) == start {
                kill(member, SIGKILL)
            }
        }

        func record(_ members: [pid_t]) {
            for member in members where seen[member] == nil {
                if let start = ProcessTree.startTime(of: member) { seen[member] = start }
            }
        }

        while open[0] || open[1] || reaped == nil {
            var fds = [pollfd(fd: open[0] ? outPipe[0] : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? errPipe[0] : -1, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 20)
            for (index, fd) in [outPipe[0], errPipe[0]].enumerated() where open[index] && fds[index].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 {
                    if n == 0 || (errno != EINTR && errno != EAGAIN) { open[index] = false }
                    continue
                }
                buffer.withUnsafeBytes { raw in
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                    if index == 0 { stdout.append(chunk, cap: limits.outputCapBytes) } else { stderr.append(chunk, cap: limits.outputCapBytes) }
                }
                if (index == 0 ? stdout.totalBytes : stderr.totalBytes) > limits.outputLimitBytes, !killed {
                    verdict = verdict ?? .outputLimit
                    killRun()
                }
            }
            if reaped == nil, ContinuousClock.now - lastSample > .milliseconds(100) {
                lastSample = .now
                // One walk of /proc per sample serves all three (it was a third of the sampling's cost each).
                let members = ProcessTree.members(of: pid)
                if confinement.sweepOrphans { record(members) }
                sampledCPU = max(sampledCPU, ProcessTree.cpuSeconds(of: members))
                sampledRSS = max(sampledRSS, ProcessTree.peakRSSBytes(of: members))
                if cgroup == nil, !scratchDirectories.isEmpty {
                    sampledScratch = max(sampledScratch, ProcessTree.scratchBytes(of: pid, directories: scratchDirectories))
                }
            }
            if reaped == nil, !killed, limits.workDirBytes != nil || limits.workDirFiles != nil, ContinuousClock.now >= nextWorkDirSample {
                // A walk costs about a microsecond per entry: sample a big plain tree less often.
                let walkStart = ContinuousClock.now
                let usage = WorkDirUsage.measure(workDir, quotaMount: quotaMount, stopAfterFiles: baseline.files + quotaFiles)
                nextWorkDirSample = .now + max(.milliseconds(100), (ContinuousClock.now - walkStart) * 5)
                workDirPeak = WorkDirUsage(
                    bytes: max(workDirPeak.bytes, usage.bytes), files: max(workDirPeak.files, usage.files), full: workDirPeak.full || usage.full)
                if Self.exceeds(usage, baseline: baseline, limits: limits, quotaMount: quotaMount) {
                    verdict = verdict ?? .workDirQuota
                    killRun()
                }
            }
            if reaped == nil, evolve_exited_unreaped(pid) != 0 {
                // The command is done: whatever it left running in its group goes too. Killing before
                // reaping keeps the group id from being reused by an unrelated process meanwhile.
                killGroup(SIGKILL)
                LiveRuns.ended(pid)
                var status: Int32 = 0, userSeconds = 0.0, systemSeconds = 0.0, rss = 0
                if evolve_wait(pid, 1, &status, &userSeconds, &systemSeconds, &rss) == pid {
                    reaped = (status, userSeconds, systemSeconds, rss * 1024)
                    reapedAt = .now
                }
            }
            if reaped == nil, cancellation.isCancelled, !killed { killRun() }
            let now = ContinuousClock.now
            if reaped == nil, now >= deadline, termSentAt == nil {
                verdict = verdict ?? .timeout
                // SIGTERM must reach the candidate, not the namespace wrapper: bubblewrap or unshare
                // dying would take the namespace down with SIGKILL at once, leaving no grace to flush.
                if !wrapped { killGroup(SIGTERM) }
                for member in ProcessTree.members(of: pid) where member != pid && !(wrapped && ProcessTree.isWrapper(member)) {
                    kill(member, SIGTERM)
                }
                termSentAt = now
            }
            if reaped == nil, let sent = termSentAt, now >= sent + grace, !killed { killRun() }
            if reaped == nil, let backstop = backstopAt, now >= backstop {
                killGroup(SIGKILL)
                backstopAt = nil
            }
            // A descendant outside the group (no PID namespace) may hold the pipes open: stop waiting
            // for them a grace period after the command ended.
            if let done = reapedAt, now >= done + grace + .milliseconds(200) { break }
        }
        if confinement.sweepOrphans { sweep() }
        cgroup?.killAll()
        let wall = ContinuousClock.now - started
        if limits.workDirBytes != nil || limits.workDirFiles != nil {
            let usage = WorkDirUsage.measure(workDir, quotaMount: quotaMount, stopAfterFiles: baseline.files + quotaFiles)
            workDirPeak = WorkDirUsage(bytes: max(workDirPeak.bytes, usage.bytes), files: max(workDirPeak.files, usage.files))
            if verdict == nil, Self.exceeds(usage, baseline: baseline, limits: limits, quotaMount: quotaMount) { verdict = .workDirQuota }
        }
        // The loop above ends only after the command was reaped.
        guard let reaped else { preconditionFailure("sandbox supervisor left its loop before reaping pid \(pid)") }
        let status = reaped.status
        var cpu = max(reaped.user + reaped.system, sampledCPU)
        var termination: SandboxResult.Termination
        if evolve_wifexited(status) != 0 {
            let code = evolve_wexitstatus(status)
            // bubblewrap and unshare report a child killed by signal s as exit code 128 + s.
            termination = code > 128 && code < 160 && argv.count > 1 && (argv[0].hasSuffix("bwrap") || argv[0].hasSuffix("unshare"))
                ? .signaled(code - 128) : .exited(code)
        } else {
            termination = .signaled(evolve_wtermsig(status))
        }
        if let verdict {
            termination = verdict
        } else if let cgroup, cgroup.oomKilled {
            termination = .memoryLimit
        } else if case .signaled(let signal) = termination,
                  signal == SIGXCPU || (signal == SIGKILL && limits.cpuSeconds.map { cpu >= Double($0) - 0.05 } == true) {
            termination = .cpuLimit
            // The kernel sends SIGXCPU only at the limit; the last /proc sample may predate it.
            cpu = max(cpu, Double(limits.cpuSeconds ?? 0))
        } else if termination != .exited(0), Self.looksLikeAllocationFailure(stderr.text) || Self.looksLikeAllocationFailure(stdout.text) {
            termination = .memoryLimit
        }
        let peakRSS = max(reaped.rss, sampledRSS)
        return SandboxResult(
            termination: termination,
            wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18,
            cpuSeconds: cpu, peakRSSBytes: peakRSS,
            // With a cgroup, its peak is the run's memory: everything charged after the child joined it, before
            // exec. RSS figures are not, because a forked child starts with evolve's own resident pages (its
            // VmHWM, and ru_maxrss, which exec keeps): a large evolve process once read as a 380 MiB "run".
            peakMemoryBytes: cgroup.map(\.peakMemoryBytes) ?? peakRSS + sampledScratch,
            workDirBytes: workDirPeak.bytes, workDirFiles: workDirPeak.files,
            stdout: stdout, stderr: stderr, layers: layers, user: user, limits: limits)
    }

    /// Whether the run argv starts with a namespace wrapper.
    static func wrapped(_ argv: [String]) -> Bool {
        argv[0].hasSuffix("/bwrap") || argv[0].hasSuffix("/unshare")
    }

    /// A quota mount is over when it is full; a plain directory when the run added more than its quota.
    static func exceeds(_ usage: WorkDirUsage, baseline: WorkDirUsage, limits: SandboxLimits, quotaMount: Bool) -> Bool {
        if quotaMount { return usage.full }
        if let bytes = limits.workDirBytes, usage.bytes - baseline.bytes >= bytes { return true }
        if let files = limits.workDirFiles, usage.files - baseline.files > files { return true }
        return false
    }

    /// Allocation failures under RLIMIT_AS surface as messages rather than a distinct signal.
    static func looksLikeAllocationFailure(_ text: String) -> Bool {
        ["MemoryError", "Cannot allocate memory", "out of memory", "std::bad_alloc", "failed to allocate",
         "memory allocation failed", "mmap failed"].contains { text.localizedCaseInsensitiveContains($0) }
    }

    /// Calls `body` with a NULL-terminated C array of C strings.
    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// Set when the task awaiting a run is cancelled; the supervisor then kills the run.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isCancelled: Bool { flag.load(ordering: .acquiring) }
    func cancel() { flag.store(true, ordering: .releasing) }
}
