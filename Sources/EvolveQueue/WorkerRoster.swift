import Foundation

/// The workers a queue has seen: each `evolve worker` writes its row when it starts, renews `seen_at` every
/// heartbeat while it lives and stamps `stopped_at` when it ends cleanly, so `evolve inspect workers` can tell
/// a working, idle, stopped or silent (killed, partitioned) worker apart. Jobs done and running are counted
/// from `evolve_jobs` itself rather than kept as counters here, so a worker killed between delivering a
/// result and renewing its row is still counted right. All times are the database's clock.
package final class WorkerRoster: Sendable {
    /// One worker as the queue sees it.
    package struct Status: Sendable, Equatable {
        package let name: String
        package let host: String
        package let slots: Int
        package let jobsDone: Int
        package let running: Int
        /// `seen_at` in UTC, ISO 8601.
        package let lastHeartbeat: String
        /// Seconds since `seen_at`, by the database's clock (no skew between machines).
        package let silentFor: Double
        package let stopped: Bool

        /// `stopped`, `silent` (no heartbeat within `staleAfter`: killed or cut off), `working` or `idle`.
        package func state(staleAfter: Double) -> String {
            if stopped { return "stopped" }
            if silentFor > staleAfter { return "silent" }
            return running > 0 ? "working" : "idle"
        }
    }

    let db: PostgresConnection

    package init(address: QueueAddress) throws {
        db = try PostgresConnection(address: address)
        try JobQueue.migrate(db)
        try Self.migrate(db)
    }

    static func migrate(_ db: PostgresConnection) throws {
        try db.query("SELECT pg_advisory_lock(7447, 0)")
        defer { _ = try? db.query("SELECT pg_advisory_unlock(7447, 0)") }
        try db.query("""
            CREATE TABLE IF NOT EXISTS evolve_workers (
                name text NOT NULL, host text NOT NULL, slots integer NOT NULL,
                started_at timestamptz NOT NULL DEFAULT now(), seen_at timestamptz NOT NULL DEFAULT now(),
                stopped_at timestamptz, PRIMARY KEY (name, host))
            """)
    }

    /// The worker is alive (its first call registers it; a restarted worker of the same name starts afresh).
    package func seen(name: String, host: String, slots: Int, starting: Bool = false) throws {
        try db.query("""
            INSERT INTO evolve_workers (name, host, slots) VALUES ($1, $2, $3::integer)
            ON CONFLICT (name, host) DO UPDATE SET slots = excluded.slots, seen_at = now(), stopped_at = NULL,
                started_at = CASE WHEN $4::boolean THEN now() ELSE evolve_workers.started_at END
            """, [name, host, String(slots), starting ? "true" : "false"])
    }

    /// The worker ended on its own (a stop signal, its task cancelled): not silent, stopped.
    package func stopped(name: String, host: String) throws {
        try db.query("UPDATE evolve_workers SET stopped_at = now(), seen_at = now() WHERE name = $1 AND host = $2", [name, host])
    }

    /// Every worker, in the order they started.
    package func workers() throws -> [Status] {
        try db.query("""
            SELECT w.name, w.host, w.slots, coalesce(j.done, 0) AS done, coalesce(j.running, 0) AS running,
                to_char(w.seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS seen,
                extract(epoch FROM now() - w.seen_at) AS silent, w.stopped_at IS NOT NULL AS stopped
            FROM evolve_workers w LEFT JOIN (
                SELECT worker, host, count(*) FILTER (WHERE state = 'done') AS done,
                    count(*) FILTER (WHERE state = 'running') AS running
                FROM evolve_jobs GROUP BY worker, host) j ON j.worker = w.name AND j.host = w.host
            ORDER BY w.started_at, w.name, w.host
            """).compactMap { row in
            guard let name = row["name"], let host = row["host"] else { return nil }
            return Status(
                name: name, host: host, slots: Int(row["slots"] ?? "") ?? 0, jobsDone: Int(row["done"] ?? "") ?? 0,
                running: Int(row["running"] ?? "") ?? 0, lastHeartbeat: row["seen"] ?? "",
                silentFor: Double(row["silent"] ?? "") ?? .infinity, stopped: row["stopped"] == "t")
        }
    }

    /// What a coordinator's status line shows of the queue: workers that heartbeated within `staleAfter`
    /// seconds and have not stopped, and the run's jobs running and waiting.
    package struct Counts: Sendable, Equatable {
        package let live: Int
        package let running: Int
        package let queued: Int

        package var text: String { "workers \(live) live · jobs \(running) running, \(queued) queued" }
    }

    static func counts(on db: PostgresConnection, run: String, staleAfter: Double) throws -> Counts {
        let row = try db.query("""
            SELECT (SELECT count(*) FROM evolve_workers WHERE stopped_at IS NULL
                        AND seen_at > now() - make_interval(secs => $2::double precision)) AS live,
                   count(*) FILTER (WHERE state = 'running') AS running, count(*) FILTER (WHERE state = 'queued') AS queued
            FROM evolve_jobs WHERE run = $1
            """, [run, String(staleAfter)]).first
        return Counts(live: Int(row?["live"] ?? "") ?? 0, running: Int(row?["running"] ?? "") ?? 0, queued: Int(row?["queued"] ?? "") ?? 0)
    }
}
