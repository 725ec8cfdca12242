import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The uids a root-run evolve gives its concurrent runs, one per run: RLIMIT_NPROC counts every process
/// of a uid, so runs sharing one uid would share one process allowance, and a fork-bombing candidate
/// would make its neighbour's compile fail. `Sandbox.run` leases a free uid of the pool for each run and
/// returns it when the run has ended; a run that finds every uid taken waits for one.
///
/// ```swift
/// // Eight evaluations may run at once, as uids 64064…64071 (gids likewise).
/// let sandbox = Sandbox(users: SandboxUserPool(first: .evolveDefault, count: 8))
/// ```
///
/// Leases are exclusive within this process and, through a lock file per uid under `/run/evolve-sandbox`,
/// across evolve processes on the machine (a crashed process's locks go with it).
public struct SandboxUserPool: Sendable, Equatable {
    /// Slot i runs as uid `first.uid + i`, gid `first.gid + i`.
    public var first: SandboxUser
    public var count: Int

    public init(first: SandboxUser, count: Int) {
        precondition(count >= 1, "a user pool needs at least one uid")
        self.first = first
        self.count = count
    }

    /// 64 uids from 64064 (64064…64127): above Debian's dynamic and system ranges, below nobody (65534).
    /// More than any machine runs at once, so a run waits for a uid only when that many are running.
    public static let evolveDefault = SandboxUserPool(first: .evolveDefault, count: 64)

    public var users: [SandboxUser] {
        (0..<count).map { SandboxUser(uid: first.uid + UInt32($0), gid: first.gid + UInt32($0)) }
    }

    /// Takes a free uid of the pool, waiting (and polling every 50 ms for other processes' releases)
    /// while all are leased. Throws `CancellationError` when the caller is cancelled while waiting.
    func lease() async throws -> UserLease {
        while true {
            if let lease = tryLease() { return lease }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A free uid of the pool now, or nil.
    func tryLease() -> UserLease? {
        for user in users {
            let claimed = UserLease.held.withLock { $0.insert(user.uid).inserted }
            guard claimed else { continue }
            if let lock = Self.crossProcessLock(uid: user.uid) { return UserLease(user: user, lockFD: lock) }
            _ = UserLease.held.withLock { $0.remove(user.uid) }
        }
        return nil
    }

    static let lockDirectory = "/run/evolve-sandbox"

    /// An exclusive flock on the uid's lock file, or nil when another process holds it. Without a
    /// usable lock directory the lease is process-local only (-1).
    private static func crossProcessLock(uid: UInt32) -> Int32? {
        mkdir(lockDirectory, 0o700)
        let fd = open("\(lockDirectory)/uid-\(uid).lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return -1 }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
        close(fd)
        return nil
    }
}

/// One uid of a `SandboxUserPool`, held by one run until `release()`.
final class UserLease: Sendable {
    let user: SandboxUser
    private let lockFD: Int32
    private let released = Atomic<Bool>(false)

    /// uids leased in this process.
    static let held = Mutex<Set<UInt32>>([])

    init(user: SandboxUser, lockFD: Int32) {
        self.user = user
        self.lockFD = lockFD
    }

    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if lockFD >= 0 { close(lockFD) }
        _ = Self.held.withLock { $0.remove(user.uid) }
    }

    deinit { release() }
}
