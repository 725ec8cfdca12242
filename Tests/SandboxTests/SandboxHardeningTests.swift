import Foundation
import TestSupport
import Testing
@testable import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// Attacks on what surrounds a run (issue 13): descriptors evolve holds, RAM-backed scratch space, the
/// work dir's size and file count, host files outside the work dir, and a neighbour's process
/// allowance (issue 11). Each test runs the hostile program for real and checks the attacker's goal
/// did not happen.
@Suite(.serialized) struct SandboxHardeningTests {
    let sandbox = Sandbox()
    let scratch = ScratchDirectory("evolve-hardening")
    var root: URL { scratch.url }

    func limits(wall: Double = 20, _ change: (inout SandboxLimits) -> Void = { _ in }) -> SandboxLimits {
        var limits = SandboxLimits()
        limits.wallSeconds = wall
        limits.killGraceSeconds = 0.5
        limits.processes = 64
        limits.addressSpaceBytes = 2 << 30
        change(&limits)
        return limits
    }

    func freshDir(_ name: String = UUID().uuidString) throws -> URL {
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A root-only file outside every work dir (not under /tmp: bubblewrap gives runs a private /tmp).
    func rootOnlyFile(_ content: String) throws -> String {
        let path = "/var/tmp/evolve-hardening-\(UUID().uuidString)"
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        return path
    }

    // MARK: - Finding 1: inherited descriptors

    /// The attack: evolve (or the shell that started it) holds a root-only secret open for reading and a
    /// root-only file open for writing, without close-on-exec; the candidate looks for them among its
    /// descriptors, reads the secret and appends to the other file.
    @Test(arguments: [false, true]) func descriptorsEvolveHoldsDoNotReachTheCandidate(withoutNamespaces: Bool) async throws {
        let secret = try rootOnlyFile("fd-secret-5521")
        let target = try rootOnlyFile("untouched\n")
        defer { unlink(secret); unlink(target) }
        let readFD = open(secret, O_RDONLY)  // deliberately inheritable
        let writeFD = open(target, O_WRONLY | O_APPEND)
        try #require(readFD >= 0 && writeFD >= 0)
        // High numbers too: a helper that closes only the first few descriptors would miss these. F_DUPFD
        // takes the lowest free number from 300 up: dup2 onto a fixed number would silently close whatever
        // another suite running beside this one holds there (a PostgreSQL session's socket became this
        // secret file, and the queue's reconnect test failed with "Socket operation on non-socket").
        let highRead = fcntl(readFD, F_DUPFD, 300), highWrite = fcntl(writeFD, F_DUPFD, 300)
        try #require(highRead >= 300 && highWrite >= 300)
        defer { [readFD, writeFD, highRead, highWrite].forEach { close($0) } }

        let probe = """
            import os
            fds = sorted(int(f) for f in os.listdir('/proc/self/fd'))
            print('fds', fds)
            for fd in range(3, 1024):
                try:
                    os.lseek(fd, 0, 0)
                    print('read', fd, os.read(fd, 100))
                except OSError:
                    pass
                try:
                    os.write(fd, b'written-by-candidate\\n')
                    print('wrote', fd)
                except OSError:
                    pass
            """
        let sandbox = withoutNamespaces
            ? Sandbox(capabilities: IsolationCapabilities(
                userNamespaces: false, networkNamespaces: false, bubblewrap: nil, landlockABI: nil, seccompFilters: false))
            : sandbox
        let result = try await sandbox.run(["/usr/bin/python3", "-c", probe], in: try freshDir(), limits: limits())
        #expect(result.succeeded, "\(result.stderr.text)")
        #expect(!result.stdout.text.contains("fd-secret-5521"))
        #expect(!result.stdout.text.contains("wrote"))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "untouched\n")
        // Only stdin/stdout/stderr, plus the descriptor listdir itself had open.
        #expect(result.stdout.text.contains("fds [0, 1, 2, 3]"), "\(result.stdout.text)")
    }

    // MARK: - Finding 5: RAM-backed /tmp, /dev and /dev/shm

    @Test func scratchSpaceIsSizedAndDevIsReadOnly() async throws {
        try #require(sandbox.layers(allowNetwork: false).contains(.readOnlyFilesystem), "needs bubblewrap")
        let script = """
            dd if=/dev/zero of=/tmp/fill bs=1M count=400 2>/dev/null; echo "tmp=$(stat -c %s /tmp/fill)"
            dd if=/dev/zero of=/dev/shm/fill bs=1M count=400 2>/dev/null; echo "shm=$(stat -c %s /dev/shm/fill)"
            : > /dev/evil && echo dev-writable
            unshare -rm sh -c 'mount -t tmpfs none /mnt && echo nested-mount' 2>/dev/null
            sleep 0.5
            """
        let result = try await sandbox.run(["/bin/sh", "-c", script], in: try freshDir(), limits: limits { $0.scratchBytes = 32 << 20 })
        let out = result.stdout.text
        #expect(out.contains("tmp=\(32 << 20)"), "\(out)")
        #expect(out.contains("shm=\(32 << 20)"), "\(out)")
        #expect(!out.contains("dev-writable"))
        #expect(!out.contains("nested-mount"))
        // What it kept in RAM-backed files is counted as its memory.
        #expect(result.peakMemoryBytes >= 32 << 20, "\(result.peakMemoryBytes)")
    }

    /// memfd and System V segments live in RAM with no file system size to bound them: only the run's
    /// cgroup counts them. The attacker wants 2 GiB of host RAM; it gets its 256 MiB and the verdict.
    @Test(arguments: ["memfd", "sysv"]) func memoryKeptOutsideProcessesIsCountedAgainstTheLimit(kind: String) async throws {
        try #require(sandbox.layers(allowNetwork: false).contains(.cgroup), "needs the cgroup layer (root with cgroups)")
        let hog = kind == "memfd"
            ? """
              import os
              fds = []
              for i in range(128):
                  fd = os.memfd_create('hog')
                  os.write(fd, b'x' * (16 << 20))
                  fds.append(fd)
              print('kept', len(fds) * 16, 'MiB')
              """
            : """
              import ctypes, ctypes.util
              libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
              libc.shmat.restype = ctypes.c_void_p
              for i in range(128):
                  sid = libc.shmget(0, 16 << 20, 0o1600)
                  addr = libc.shmat(sid, None, 0)
                  ctypes.memset(addr, 1, 16 << 20)
                  libc.shmdt(ctypes.c_void_p(addr))
              print('kept', 128 * 16, 'MiB')
              """
        let result = try await sandbox.run(
            ["/usr/bin/python3", "-c", hog], in: try freshDir(), limits: limits { $0.memoryBytes = 256 << 20 })
        #expect(result.termination == .memoryLimit, "\(result.termination): \(result.stderr.lastLines(3))")
        #expect(!result.stdout.text.contains("kept"))
        #expect(result.peakMemoryBytes <= (256 << 20) + (16 << 20), "\(result.peakMemoryBytes)")
        #expect(result.verdict.contains("256 MiB"))
    }

    // MARK: - Finding 6: work-dir quota

    /// A work dir from `makeWorkDir` (kernel-enforced as root) and a plain directory (sampled).
    func workDir(mounted: Bool) throws -> (url: URL, handle: SandboxWorkDir?) {
        if mounted {
            try #require(getuid() == 0, "quota mounts need root")
            let work = try sandbox.makeWorkDir(at: root.appendingPathComponent("mounted-\(UUID().uuidString)"))
            #expect(work.isQuotaMount)
            return (work.url, work)
        }
        return (try freshDir(), nil)
    }

    @Test(arguments: [true, false]) func aBigWriteEndsAtTheByteQuota(mounted: Bool) async throws {
        let (dir, handle) = try workDir(mounted: mounted)
        defer { handle?.remove() }
        // Inputs the evaluator wrote do not count against the run.
        try Data(count: 8 << 20).write(to: dir.appendingPathComponent("input.bin"))
        let result = try await sandbox.run(
            ["/bin/sh", "-c", "dd if=/dev/zero of=big bs=1M count=4096 2>&1; sleep 1"], in: dir,
            limits: limits { $0.workDirBytes = 64 << 20 })
        #expect(result.termination == .workDirQuota, "\(result.termination): \(result.stdout.lastLines(3))")
        #expect(result.verdict.contains("work-dir quota") && result.verdict.contains("64 MiB"), "\(result.verdict)")
        #expect(result.layers.contains(mounted ? .workDirQuota : .workDirSampling))
        let size = (try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("big").path)[.size] as? Int) ?? 0
        #expect(size <= 64 << 20, "the run wrote \(size >> 20) MiB")
    }

    @Test(arguments: [true, false]) func aFileFloodEndsAtTheFileQuota(mounted: Bool) async throws {
        let (dir, handle) = try workDir(mounted: mounted)
        defer { handle?.remove() }
        let flood = "import os\nos.mkdir('d')\nfor i in range(300000): open('d/f%d' % i, 'w').close()\nprint('flooded')"
        let result = try await sandbox.run(["/usr/bin/python3", "-c", flood], in: dir, limits: limits { $0.workDirFiles = 500 })
        #expect(result.termination == .workDirQuota, "\(result.termination): \(result.stderr.lastLines(3))")
        #expect(!result.stdout.text.contains("flooded"))
        let count = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("d").path).count) ?? 0
        // The kernel stops it at the quota; sampling within one sample's worth of files.
        #expect(count <= (mounted ? 500 : 150_000), "\(count) files")
    }

    /// Sampling walks by descriptor and stops at a depth no program needs: a deeper tree is over the
    /// quota, not a place to hide files from the walk.
    @Test func aTreeTooDeepToSampleIsOverTheQuota() async throws {
        let dir = try freshDir()
        let deep = "import os, time\nos.makedirs('/'.join(['d'] * 300))\nopen('/'.join(['d'] * 300) + '/f', 'w').close()\ntime.sleep(1)\nprint('hid')"
        let result = try await sandbox.run(["/usr/bin/python3", "-c", deep], in: dir, limits: limits { $0.workDirFiles = 5000 })
        #expect(result.termination == .workDirQuota, "\(result.termination): \(result.stderr.lastLines(3))")
        #expect(!result.stdout.text.contains("hid"))
    }

    /// Bytes of a file that was unlinked but is still open are invisible to a directory walk; on a
    /// quota mount the kernel still counts them.
    @Test func anUnlinkedOpenFileStillCountsOnAQuotaMount() async throws {
        let (dir, handle) = try workDir(mounted: true)
        defer { handle?.remove() }
        let hide = """
            import os, time
            f = open('hidden', 'wb'); os.unlink('hidden')
            try:
                for i in range(256): f.write(b'x' * (1 << 20)); f.flush()
                print('hid 256 MiB')
            except OSError as e:
                print('refused', e.errno)
            time.sleep(1)
            """
        let result = try await sandbox.run(["/usr/bin/python3", "-c", hide], in: dir, limits: limits { $0.workDirBytes = 32 << 20 })
        #expect(!result.stdout.text.contains("hid 256 MiB"))
        #expect(result.termination == .workDirQuota, "\(result.termination): \(result.stdout.text)")
    }

    // MARK: - Finding 10: only what a run needs is visible

    @Test func aRunSeesTheSystemAndItsWorkDirButNoOtherHostFiles() async throws {
        try #require(sandbox.layers(allowNetwork: false).contains(.readOnlyFilesystem), "needs bubblewrap")
        // World-readable files a uid check would not stop: the project tree and a neighbour's work dir.
        let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let generator = project.appendingPathComponent("Sources/Evaluators/Benchmarks/Sudoku/SudokuGenerator.swift").path
        try #require(FileManager.default.fileExists(atPath: generator))
        let neighbour = try freshDir("neighbour")
        try Data("neighbour-data-8812".utf8).write(to: neighbour.appendingPathComponent("data.txt"))
        chmod(neighbour.path, 0o755)
        chmod(neighbour.appendingPathComponent("data.txt").path, 0o644)
        let own = try freshDir("own")
        let script = """
            cat '\(generator)' > /dev/null 2>&1 && echo READ-GENERATOR
            cat '\(neighbour.path)/data.txt' 2>/dev/null && echo READ-NEIGHBOUR
            ls /root /home /work /var /opt/swift 2>/dev/null | head -5
            for f in /etc/shadow /etc/pip.conf /etc/npmrc /etc/gitconfig; do test -e $f && echo "SEES $f"; done
            test -x /usr/bin/env && echo system-ok
            echo mine > mine.txt && cat mine.txt
            """
        let result = try await sandbox.run(["/bin/sh", "-c", script], in: own, limits: limits())
        let out = result.stdout.text
        #expect(!out.contains("READ-GENERATOR") && !out.contains("SudokuGenerator"), "\(out)")
        #expect(!out.contains("READ-NEIGHBOUR") && !out.contains("neighbour-data-8812"))
        #expect(!out.contains("SEES"), "\(out)")
        #expect(out.contains("system-ok") && out.contains("mine"), "\(out) \(result.stderr.text)")
    }

    // MARK: - Issue 11: a uid per concurrent run

    @Test func concurrentRunsLeaseDistinctUidsAndWaitWhenThePoolIsTaken() async throws {
        try #require(getuid() == 0, "uid pools need root")
        let pool = SandboxUserPool(first: SandboxUser(uid: 64_200, gid: 64_200), count: 2)
        let sandbox = Sandbox(users: pool)
        let dirs = try (0..<3).map { try freshDir("pool-\($0)") }
        let limits = limits()
        let start = Date()
        let results = try await withThrowingTaskGroup(of: SandboxResult.self) { group in
            for dir in dirs { group.addTask { try await sandbox.run(["/bin/sh", "-c", "id -u; sleep 0.6"], in: dir, limits: limits) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.succeeded })
        let uids = results.compactMap { $0.user?.uid }
        #expect(uids.count == 3 && Set(uids).isSubset(of: [64_200, 64_201]))
        for result in results { #expect(result.stdout.text == "\(result.user!.uid)\n") }
        // Two slots, three runs of 0.6 s: the third waited for a slot.
        #expect(Date().timeIntervalSince(start) >= 1.1)
    }

    /// The neighbour starts first and forks gradually, like a compiler's threads; a fork bomb starts
    /// beside it. With one shared uid the bomb would fill the uid's process count and the neighbour's
    /// forks would fail ("Cannot fork", "pthread_create failed").
    @Test func aForkBombBesideAnHonestRunLeavesItsResultUnchanged() async throws {
        try #require(getuid() == 0, "per-run uids need root")
        let bombDir = try freshDir("bomb")
        let source = bombDir.appendingPathComponent("bomb.c")
        try Data("#include <unistd.h>\nint main(void) { for (;;) fork(); }\n".utf8).write(to: source)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        cc.arguments = ["-O1", "-o", bombDir.appendingPathComponent("bomb").path, source.path]
        try cc.run()
        try #require(ChildExit.wait(for: cc) == .success)

        let honest = "sleep 1; for i in $(seq 40); do (sleep 0.5) & done; wait; echo honest-done"
        let honestLimits = limits(wall: 60)
        let alone = try await sandbox.run(["/bin/sh", "-c", honest], in: try freshDir(), limits: honestLimits)
        #expect(alone.succeeded && alone.stdout.text == "honest-done\n", "\(alone.termination) \(alone.stderr.text)")

        let sandbox = sandbox
        let honestDir = try freshDir()
        async let besideBomb = sandbox.run(["/bin/sh", "-c", honest], in: honestDir, limits: honestLimits)
        try await Task.sleep(for: .milliseconds(300))
        let bomb = try await sandbox.run(["./bomb"], in: bombDir, limits: limits(wall: 3))
        let beside = try await besideBomb
        #expect(bomb.termination == .timeout)
        #expect(beside.termination == alone.termination)
        #expect(beside.stdout.text == alone.stdout.text, "\(beside.stderr.text)")
        #expect(!beside.stderr.text.contains("fork"), "\(beside.stderr.text)")
        #expect(beside.user != bomb.user)
    }
}
