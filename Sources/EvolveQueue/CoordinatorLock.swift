import Foundation

/// The one coordinator of a run: a PostgreSQL session-level advisory lock keyed by the run's name, held
/// on a connection of its own for as long as the coordinator lives. A file lock cannot do this across
/// machines; a second `evolve run`/`resume` of the same run, anywhere, is refused while the first holds it,
/// and the server drops the lock when the first's connection ends (exit, crash, lost network).
package final class CoordinatorLock: Sendable {
    package struct Taken: Error, CustomStringConvertible {
        package let run: String
        package var description: String {
            "run '\(run)' already has a coordinator on the queue (another evolve run or resume holds its lock); stop that one first, or wait for its connection to end"
        }
    }

    let db: PostgresConnection

    package init(address: QueueAddress, run: String) throws {
        db = try PostgresConnection(address: address, application: CoordinatorSession.application)
        let taken = try db.query("SELECT pg_try_advisory_lock(7447, hashtext($1)) AS locked", [run]).first?["locked"] != "t"
        if taken { throw Taken(run: run) }
    }

    /// Whether the session holding the lock still lives (and with it the lock): a cheap round trip.
    var isHeld: Bool { (try? db.query("SELECT 1")) != nil }
}
