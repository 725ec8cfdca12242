import Foundation
import Synchronization
import TestSupport
import Testing
@testable import EvolveQueue

/// The queue's guarantees against a real PostgreSQL server of the test's own.
@Suite(.serialized, .enabled(if: PrivatePostgres.enabled)) final class JobQueueTests {
    let server: PrivatePostgres

    init() async throws { server = try await PrivatePostgres.start() }

    @Test func aThousandJobsSharedByFourWorkersAreEachClaimedOnce() async throws {
        let queue = try JobQueue(address: try server.address())
        for index in 0..<1000 { try queue.enqueue(id: "run/p\(index)/validation/1/-", run: "run", payload: "{\"n\":\(index)}") }
        let claims = Mutex<[String: [String]]>([:])
        let failures = Mutex<[String]>([])
        let address = try server.address()
        // Four threads of their own (concurrentPerform would use only as many as there are cores).
        let group = DispatchGroup()
        for worker in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let mine = try JobQueue(address: address)
                    while let claim = try mine.claim(worker: "w\(worker)", host: "test") {
                        claims.withLock { $0[claim.id, default: []].append("w\(worker)") }
                        guard try mine.complete(claim, result: "{}") else { throw PostgresError(action: "complete", sqlState: nil, message: claim.id) }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }.start()
        }
        _ = try await onOwnThread { group.wait() }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let all = claims.withLock { $0 }
        #expect(all.count == 1000)
        #expect(all.values.allSatisfy { $0.count == 1 }, "claimed twice: \(all.filter { $0.value.count > 1 }.prefix(5))")
        // Every worker took a share (the claims really were concurrent).
        #expect(Set(all.values.flatMap { $0 }).count == 4)
        let done = try queue.db.query("SELECT count(*) AS n FROM evolve_jobs WHERE state = 'done'").first?["n"]
        #expect(done == "1000")
    }

    @Test func aResultAfterTheLeaseWasReapedIsRefusedAndTheJobRunsOnceMore() async throws {
        let queue = try JobQueue(address: try server.address())
        try queue.enqueue(id: "job", run: "run", payload: "{}")
        #expect(try queue.enqueue(id: "job", run: "run", payload: "{\"other\":1}") == false, "a second enqueue re-attaches")
        let first = try #require(try queue.claim(worker: "slow", host: "a"))
        #expect(try queue.claim(worker: "other", host: "b") == nil, "a running job is not claimed twice")
        #expect(try queue.heartbeat(first))
        try await Task.sleep(nanoseconds: 300_000_000)
        let reaped = try queue.reap(staleAfter: 0.2)
        #expect(reaped.map(\.id) == ["job"] && reaped.first?.state == .queued)
        #expect(try queue.reap(staleAfter: 0.2).isEmpty, "the reaper found it once")
        // The worker that lost its lease can neither heartbeat nor deliver.
        #expect(try queue.heartbeat(first) == false)
        #expect(try queue.complete(first, result: "{\"late\":true}") == false)
        let second = try #require(try queue.claim(worker: "fresh", host: "b"))
        #expect(second.id == "job" && second.lease != first.lease && second.attempt == 2)
        #expect(try queue.complete(first, result: "{\"late\":true}") == false, "the old lease stays refused")
        #expect(try queue.complete(second, result: "{\"ok\":true}"))
        let job = try #require(try queue.job("job"))
        #expect(job.state == .done && job.result == "{\"ok\":true}" && job.attempts == 2 && job.worker == "fresh")
    }

    @Test func aJobThatKeepsLosingItsWorkerFailsAfterTheBoundedAttempts() async throws {
        let queue = try JobQueue(address: try server.address(), maxAttempts: 2)
        try queue.enqueue(id: "doomed", run: "run", payload: "{}")
        for attempt in 1...2 {
            let claim = try #require(try queue.claim(worker: "w", host: "h"))
            #expect(claim.attempt == attempt)
            try await Task.sleep(nanoseconds: 150_000_000)
            #expect(try queue.reap(staleAfter: 0.1).first?.state == (attempt < 2 ? .queued : .failed))
        }
        #expect(try queue.claim(worker: "w", host: "h") == nil)
        let job = try #require(try queue.job("doomed"))
        #expect(job.state == .failed && job.error?.contains("stopped heartbeating") == true)
        // An infrastructure failure a worker reports counts the same way.
        try queue.enqueue(id: "released", run: "run", payload: "{}")
        let claim = try #require(try queue.claim(worker: "w", host: "h"))
        #expect(try queue.release(claim, reason: "disk full"))
        #expect(try queue.job("released")?.state == .queued)
    }

    @Test func aSecondCoordinatorForTheSameRunIsRefused() throws {
        var first: CoordinatorLock? = try CoordinatorLock(address: try server.address(), run: "run-a")
        let refused = #expect(throws: CoordinatorLock.Taken.self) { _ = try CoordinatorLock(address: try self.server.address(), run: "run-a") }
        #expect(refused?.description.contains("run 'run-a' already has a coordinator") == true)
        _ = try CoordinatorLock(address: try server.address(), run: "run-b")
        withExtendedLifetime(first) {}
        first = nil
        // The lock went with the first coordinator's connection.
        _ = try CoordinatorLock(address: try server.address(), run: "run-a")
    }

    @Test func theDatabasePasswordAppearsInNoErrorAndNoRow() throws {
        let password = PrivatePostgres.password
        // Given in text a person shares, it is refused, and the refusal does not repeat it.
        for text in ["postgresql://evolve:\(password)@/postgres?host=\(server.socket.path)",
                     "host=\(server.socket.path) user=evolve password=\(password) dbname=postgres"] {
            let error = #expect(throws: QueueAddress.Failure.self) { _ = try QueueAddress(parsing: text, source: "evolve.yaml evaluator.queue") }
            #expect(error?.description.contains(password) == false)
            #expect(error?.description.contains("PGPASSWORD") == true)
        }
        // From the environment it works, and libpq's own errors are shown without it.
        let inVariable = ["MY_QUEUE": "postgresql://evolve:\(password)@/nosuchdb?host=\(server.socket.path)"]
        let address = try QueueAddress(resolving: "env:MY_QUEUE", source: "--queue", environment: inVariable)
        #expect(!address.display.contains(password))
        let error = #expect(throws: PostgresError.self) { _ = try PostgresConnection(address: address) }
        #expect(error?.description.contains("nosuchdb") == true, "\(String(describing: error))")
        #expect(error?.description.contains(password) == false)
        #expect(address.redact("auth with \(password) failed") == "auth with *** failed")
        let queue = try JobQueue(address: try server.address())
        try queue.enqueue(id: "j", run: "run", payload: "{}")
        let claim = try #require(try queue.claim(worker: "w", host: "h"))
        _ = try queue.complete(claim, result: "{}")
        let rows = try queue.db.query("SELECT row_to_json(evolve_jobs)::text AS row FROM evolve_jobs")
        #expect(!rows.isEmpty && rows.allSatisfy { $0["row"]?.contains(password) == false })
    }
}

extension PrivatePostgres {
    func address(database: String = "postgres") throws -> QueueAddress {
        try QueueAddress(parsing: url(database: database))
    }
}
