import Foundation

/// The evaluation jobs in PostgreSQL, and every state change of one as a single statement on the
/// database's clock (never a worker's): a coordinator enqueues, workers claim with `FOR UPDATE SKIP
/// LOCKED` and get a lease token, heartbeat and write back the result under that lease; a reaper puts a job
/// whose heartbeat went stale back in the queue in the same statement that finds it, and fails it after
/// `maxAttempts` claims. A result or heartbeat without the job's current lease (a worker that lost it) is
/// refused. Only infrastructure failures come back to the queue: a candidate's crash or timeout is a result.
///
/// ```swift
/// let queue = try JobQueue(address: address)
/// try queue.enqueue(id: "run-1/p42/validation/7/-", run: "run-1", payload: json)
/// if let claim = try queue.claim(worker: "w1", host: "node3") {
///     try queue.heartbeat(claim)                       // every few seconds while it runs
///     let accepted = try queue.complete(claim, result: reportJSON)
/// }
/// ```
package final class JobQueue: Sendable {
    package struct Claim: Sendable, Equatable {
        package let id: String
        package let lease: String
        package let payload: String
        package let attempt: Int
    }

    package enum State: String, Sendable {
        case queued, running, done, failed
    }

    package struct Job: Sendable {
        package let state: State
        package let result: String?
        package let error: String?
        package let attempts: Int
        package let worker: String?
        package let host: String?
    }

    let db: PostgresConnection
    /// Claims of one job before it is failed (each lost worker, each infrastructure failure is one).
    package let maxAttempts: Int

    package init(address: QueueAddress, maxAttempts: Int = 3, application: String = "evolve worker") throws {
        db = try PostgresConnection(address: address, application: application)
        self.maxAttempts = maxAttempts
        try Self.migrate(db)
    }

    /// The one table (idempotent; every coordinator and worker runs it, concurrently too).
    static func migrate(_ db: PostgresConnection) throws {
        // Serialised: two first connections racing on CREATE TABLE IF NOT EXISTS can both try to create it.
        try db.query("SELECT pg_advisory_lock(7447, 0)")
        defer { _ = try? db.query("SELECT pg_advisory_unlock(7447, 0)") }
        try db.query("""
            CREATE TABLE IF NOT EXISTS evolve_jobs (
                id text PRIMARY KEY, run text NOT NULL, payload text NOT NULL,
                state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
                attempts integer NOT NULL DEFAULT 0, lease uuid, worker text, host text,
                created timestamptz NOT NULL DEFAULT now(), claimed_at timestamptz, heartbeat_at timestamptz,
                finished_at timestamptz, result text, error text)
            """)
        try db.query("CREATE INDEX IF NOT EXISTS evolve_jobs_queued ON evolve_jobs (created, id) WHERE state = 'queued'")
        try db.query("CREATE INDEX IF NOT EXISTS evolve_jobs_running ON evolve_jobs (heartbeat_at) WHERE state = 'running'")
    }

    /// Adds a job unless one with this id exists (a resumed coordinator re-attaches to it). Returns whether
    /// it was new.
    @discardableResult
    package func enqueue(id: String, run: String, payload: String) throws -> Bool {
        try !db.query(
            "INSERT INTO evolve_jobs (id, run, payload) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id",
            [id, run, payload]).isEmpty
    }

    /// Takes the oldest queued job, if any, under a fresh lease.
    package func claim(worker: String, host: String) throws -> Claim? {
        let rows = try db.query("""
            UPDATE evolve_jobs SET state = 'running', lease = gen_random_uuid(), worker = $1, host = $2,
                attempts = attempts + 1, claimed_at = now(), heartbeat_at = now()
            WHERE id = (SELECT id FROM evolve_jobs WHERE state = 'queued' ORDER BY created, id FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id, lease, payload, attempts
            """, [worker, host])
        guard let row = rows.first, let id = row["id"], let lease = row["lease"], let payload = row["payload"] else { return nil }
        return Claim(id: id, lease: lease, payload: payload, attempt: Int(row["attempts"] ?? "") ?? 1)
    }

    /// Renews the claim's heartbeat; false when the lease is no longer the job's (reaped, or finished by
    /// another worker): the worker must drop the job.
    package func heartbeat(_ claim: Claim) throws -> Bool {
        try !db.query(
            "UPDATE evolve_jobs SET heartbeat_at = now() WHERE id = $1 AND lease = $2::uuid AND state = 'running' RETURNING id",
            [claim.id, claim.lease]).isEmpty
    }

    /// Stores the result under the claim's lease; false (refused) when the lease is not the job's any more.
    package func complete(_ claim: Claim, result: String) throws -> Bool {
        try !db.query("""
            UPDATE evolve_jobs SET state = 'done', result = $3, finished_at = now(), lease = NULL
            WHERE id = $1 AND lease = $2::uuid AND state = 'running' RETURNING id
            """, [claim.id, claim.lease, result]).isEmpty
    }

    /// Gives the job back after an infrastructure failure (the worker's disk, its sandbox, a signal): queued
    /// again, or failed with `reason` once it has had `maxAttempts` claims.
    @discardableResult
    package func release(_ claim: Claim, reason: String) throws -> Bool {
        try !db.query("""
            UPDATE evolve_jobs SET state = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'queued' END,
                error = $3, lease = NULL, finished_at = CASE WHEN attempts >= $4 THEN now() END
            WHERE id = $1 AND lease = $2::uuid AND state = 'running' RETURNING id
            """, [claim.id, claim.lease, reason, String(maxAttempts)]).isEmpty
    }

    /// Re-queues (or fails, after `maxAttempts`) every running job whose heartbeat is older than
    /// `staleAfter` seconds, in the one statement that finds them. Returns the ids and their new states.
    @discardableResult
    package func reap(staleAfter: Double) throws -> [(id: String, state: State)] {
        try db.query("""
            UPDATE evolve_jobs SET state = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'queued' END, lease = NULL,
                error = 'its worker ' || coalesce(worker, '?') || ' on ' || coalesce(host, '?') || ' stopped heartbeating (attempt ' || attempts || ')',
                finished_at = CASE WHEN attempts >= $2 THEN now() END
            WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => $1::double precision)
            RETURNING id, state
            """, [String(staleAfter), String(maxAttempts)]).compactMap { row in
            guard let id = row["id"], let state = row["state"].flatMap(State.init) else { return nil }
            return (id, state)
        }
    }

    /// A job as it stands, or nil when there is none with this id.
    package func job(_ id: String) throws -> Job? {
        guard let row = try db.query(
            "SELECT state, result, error, attempts, worker, host FROM evolve_jobs WHERE id = $1", [id]).first,
            let state = row["state"].flatMap(State.init) else { return nil }
        return Job(state: state, result: row["result"], error: row["error"], attempts: Int(row["attempts"] ?? "") ?? 0,
                   worker: row["worker"], host: row["host"])
    }
}
