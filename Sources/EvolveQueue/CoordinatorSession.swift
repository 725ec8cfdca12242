import Foundation
import Synchronization

/// The coordinator's connections to the queue (its jobs' session and the session holding the run's lock),
/// made again when the server drops them: a restarted or failed-over server, `pg_terminate_backend`, a
/// network blip. A statement whose session is lost is retried on a new one, with back-off, for up to
/// `patience` seconds; every statement the coordinator runs is safe to repeat (an enqueue is `ON CONFLICT
/// DO NOTHING`, the rest read or reap), so no job is lost or enqueued twice. The lock went with its session,
/// so it is taken again first: if another coordinator took the run meanwhile, this one stops
/// (`CoordinatorLock.Taken`) rather than write beside it.
///
/// ```swift
/// let session = try CoordinatorSession(address: address, run: "run-1@1765000000", maxAttempts: 3) { print($0) }
/// let job = try await session.perform { try $0.job(id) }
/// ```
package final class CoordinatorSession: Sendable {
    /// The `application_name` of a coordinator's sessions.
    static let application = "evolve coordinator"

    struct Connections {
        var queue: JobQueue
        var lock: CoordinatorLock
        /// Counts reconnections, so callers that failed on the same old session reconnect once.
        var generation = 0
    }

    package struct Lost: Error, CustomStringConvertible {
        package let seconds: Double
        package let cause: String
        package var description: String {
            "lost the queue database for \(Int(seconds)) s (\(cause)); the jobs already queued stay there: check the server, then `evolve resume` the run"
        }
    }

    let address: QueueAddress
    let run: String
    let maxAttempts: Int
    /// Seconds a statement keeps trying to reach the server before the evaluation fails.
    let patience: Double
    let say: @Sendable (String) -> Void
    private let connections: Mutex<Connections>

    package init(
        address: QueueAddress, run: String, maxAttempts: Int, patience: Double = 300, say: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        let lock = try CoordinatorLock(address: address, run: run)
        let queue = try JobQueue(address: address, maxAttempts: maxAttempts, application: Self.application)
        try WorkerRoster.migrate(queue.db)
        connections = Mutex(Connections(queue: queue, lock: lock))
        self.address = address
        self.run = run
        self.maxAttempts = maxAttempts
        self.patience = patience
        self.say = say
    }

    /// Reconnections so far.
    package var reconnections: Int { connections.withLock { $0.generation } }

    /// Runs `body` on the jobs' session, on a new one (after taking the run's lock again) when the server
    /// dropped it. Throws `Lost` after `patience` seconds without the server, `CoordinatorLock.Taken` when
    /// another coordinator holds the run by then, and any other error of `body` at once.
    package func perform<T>(_ body: (JobQueue) throws -> T) async throws -> T {
        var waited = 0.0, delay = 0.1
        while true {
            let (queue, generation) = connections.withLock { ($0.queue, $0.generation) }
            do {
                return try body(queue)
            } catch {
                guard queue.db.isLost(after: error) else { throw error }
                if waited == 0 { say("the queue database dropped the coordinator's session (\(error)); reconnecting") }
                var cause = "\(error)"
                while true {
                    do {
                        try reconnect(after: generation)
                        break
                    } catch let taken as CoordinatorLock.Taken {
                        throw taken
                    } catch {
                        cause = "\(error)"
                    }
                    if waited >= patience { throw Lost(seconds: waited, cause: cause) }
                    try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    waited += delay
                    delay = min(delay * 2, 5)
                }
            }
        }
    }

    /// New sessions, unless another caller already made them since `generation`. The lock's session is kept
    /// when it still answers (it holds the lock); otherwise the lock is taken again before any job statement.
    func reconnect(after generation: Int) throws {
        try connections.withLock { current in
            guard current.generation == generation else { return }
            if !current.lock.isHeld { current.lock = try CoordinatorLock(address: address, run: run) }
            current.queue = try JobQueue(address: address, maxAttempts: maxAttempts, application: Self.application)
            try WorkerRoster.migrate(current.queue.db)
            current.generation += 1
            say("reconnected to the queue database (the run's lock held again)")
        }
    }
}
