import CLibPQ
import Foundation

/// One row of a PostgreSQL result, read by column name (text format; NULL is nil).
package struct PostgresRow: Sendable {
    let values: [String: String?]

    package subscript(_ column: String) -> String? { values[column] ?? nil }
}

/// A PostgreSQL failure: what was being done, the server's SQLSTATE when there is one, and libpq's words
/// with every credential taken out (`QueueAddress.redact`).
package struct PostgresError: Error, CustomStringConvertible, Sendable {
    package let action: String
    package let sqlState: String?
    package let message: String

    package var description: String {
        "queue database: \(action) failed\(sqlState.map { " (SQLSTATE \($0))" } ?? ""): \(message)"
    }
}

/// One libpq connection, used by one task at a time (a lock serialises callers): the queue's counterpart of
/// `SQLiteConnection`. Parameters are always bound (`PQexecParams`), never spliced into SQL.
///
/// ```swift
/// let db = try PostgresConnection(address: try QueueAddress(parsing: "postgresql:///evolve?host=/run/pg"))
/// let rows = try db.query("SELECT state FROM evolve_jobs WHERE id = $1", ["job-1"])
/// ```
package final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSLock()
    private let address: QueueAddress

    /// - Parameter application: the session's `application_name`, so `pg_stat_activity` (and an operator, or a
    ///   test cutting one role's sessions) tells a coordinator's sessions from a worker's.
    package init(address: QueueAddress, application: String = "evolve") throws {
        self.address = address
        guard let handle = PQconnectdb(address.conninfo) else {
            throw PostgresError(action: "connecting to \(address.display)", sqlState: nil, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = address.redact(String(cString: PQerrorMessage(handle)))
            PQfinish(handle)
            throw PostgresError(
                action: "connecting to \(address.display)", sqlState: nil,
                message: message.trimmingCharacters(in: .whitespacesAndNewlines)
                    + "; check the server is up and the PG* variables (PGHOST, PGUSER, PGPASSWORD, PGSSLMODE) or the URL")
        }
        self.handle = handle
        // The server's NOTICEs ("relation … already exists, skipping") would otherwise go to stderr.
        try query("SET client_min_messages TO warning")
        try query("SELECT set_config('application_name', $1, false)", [application])
    }

    deinit { PQfinish(handle) }

    /// Whether the server is still there (a worker that lost it stops heartbeating and loses its jobs).
    package var isAlive: Bool { lock.withLock { PQstatus(handle) == CONNECTION_OK } }

    /// Whether `error` says this session is gone (the server ended it, restarted, or the network dropped it)
    /// rather than that a statement was refused: then only a new connection helps.
    package func isLost(after error: Error) -> Bool {
        if let error = error as? PostgresError, let state = error.sqlState {
            // 08: connection exceptions; 57P01–57P03: the server shutting down or not yet accepting sessions.
            if state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) { return true }
        }
        return !isAlive
    }

    /// Runs `sql` with `$1…` bound to `parameters` and returns its rows.
    @discardableResult
    package func query(_ sql: String, _ parameters: [String?] = []) throws -> [PostgresRow] {
        try lock.withLock {
            let copies = parameters.map { $0.map { strdup($0) } ?? nil }
            defer { copies.forEach { free($0) } }
            let result = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { values in
                PQexecParams(handle, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
                let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
                let message = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) } ?? String(cString: PQerrorMessage(handle))
                throw PostgresError(
                    action: "running '\(sql.split(separator: "\n").first.map(String.init)?.prefix(60) ?? "")'", sqlState: state,
                    message: address.redact(message).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            var rows: [PostgresRow] = []
            let columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
            for row in 0..<PQntuples(result) {
                var values: [String: String?] = [:]
                for (index, name) in columns.enumerated() {
                    values[name] = PQgetisnull(result, row, Int32(index)) != 0 ? nil : String(cString: PQgetvalue(result, row, Int32(index)))
                }
                rows.append(PostgresRow(values: values))
            }
            return rows
        }
    }
}
