import CSQLite

/// SQLite's `SQLITE_TRANSIENT` is a macro casting -1 to a destructor: it tells SQLite to copy bound data.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value stored in or read from an SQLite column.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var integer: Int64? { if case .integer(let v) = self { v } else { nil } }
    public var real: Double? {
        switch self {
        case .real(let v): v
        case .integer(let v): Double(v)
        default: nil
        }
    }
    public var text: String? { if case .text(let v) = self { v } else { nil } }
    public var blob: [UInt8]? { if case .blob(let v) = self { v } else { nil } }
}

/// An SQLite failure, naming the database file and the statement so the message can be acted on.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let path: String
    public let sql: String?

    public var description: String {
        var text = "sqlite error \(code) in '\(path)': \(message)"
        if let sql { text += " (while running: \(sql.prefix(120)))" }
        return text
    }
}

/// One connection to an SQLite database file, opened in WAL mode with a busy timeout.
///
/// The connection is not thread-safe: one owner (the program store's actor) uses it.
///
/// ```swift
/// let db = try SQLiteConnection(path: "runs/demo/evolve.sqlite")
/// try db.execute("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v REAL)")
/// try db.transaction {
///     try db.run("INSERT INTO t VALUES (?, ?)", [.text("a"), .real(1.5)])
/// }
/// let rows = try db.query("SELECT v FROM t WHERE k = ?", [.text("a")])
/// ```
public final class SQLiteConnection {
    public let path: String
    private var handle: OpaquePointer?
    /// Compiled statements by SQL text: the store runs the same few dozen statements on every iteration,
    /// and compiling each again cost more than running it. Bounded, for SQL built at run time.
    private var statements: [String: SQLiteStatement] = [:]
    private static let statementCacheLimit = 128

    /// Opens (creating if needed) the database at `path`, switches it to WAL and sets `busy_timeout`.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws {
        self.path = path
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot allocate connection"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: rc, message: message, path: path, sql: nil)
        }
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        let mode = try query("PRAGMA journal_mode=WAL").first?.first?.text
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(
                code: SQLITE_ERROR, message: "could not enable WAL (journal_mode is \(mode ?? "unknown"))",
                path: path, sql: nil)
        }
        // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commit.
        try execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
    }

    deinit {
        statements = [:]
        sqlite3_close_v2(handle)
    }

    /// The version string of the SQLite library this process loaded.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    /// Runs one or more statements that take no parameters and return no rows.
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw SQLiteError(code: rc, message: message, path: path, sql: sql)
        }
    }

    /// Compiles one statement for repeated use.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(code: rc, message: lastErrorMessage, path: path, sql: sql)
        }
        return SQLiteStatement(statement: statement, connection: self, sql: sql, retainsConnection: true)
    }

    /// The compiled statement for `sql`, from the cache (compiled and cached on first use).
    func cached(_ sql: String) throws -> SQLiteStatement {
        if let statement = statements[sql] { return statement }
        var compiled: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &compiled, nil)
        guard rc == SQLITE_OK, let compiled else {
            throw SQLiteError(code: rc, message: lastErrorMessage, path: path, sql: sql)
        }
        // A cached statement does not keep its connection alive: the cache is the connection's own, and a
        // statement holding it back would make a cycle that never closes the file (a leak of two
        // descriptors per connection that ran a query, thousands of them in a long process).
        let statement = SQLiteStatement(statement: compiled, connection: self, sql: sql, retainsConnection: false)
        if statements.count >= Self.statementCacheLimit { statements = [:] }
        statements[sql] = statement
        return statement
    }

    /// Runs one statement with bindings and returns every row.
    @discardableResult
    public func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try cached(sql).rows(bindings)
    }

    /// Runs one statement with bindings and returns every row, its columns readable by name.
    public func rows(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [SQLiteRow] {
        let statement = try cached(sql)
        let names = statement.columnNames
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return try statement.rows(bindings).map { SQLiteRow(values: $0, columns: index, sql: sql, path: path) }
    }

    /// Runs one statement with bindings, ignoring any rows.
    public func run(_ sql: String, _ bindings: [SQLiteValue] = []) throws {
        try query(sql, bindings)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`; any thrown error rolls the whole transaction back.
    /// Inside a transaction already, `body` joins it (the outer one commits or rolls back everything).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        guard sqlite3_get_autocommit(handle) != 0 else { return try body() }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }
}

/// A compiled statement: bind, step, read columns, reset.
public final class SQLiteStatement {
    private let statement: OpaquePointer
    /// Held for statements from `prepare`, which may outlive every other reference to the connection;
    /// nil for the connection's cached statements, which it owns.
    private let owner: SQLiteConnection?
    private let path: String
    public let sql: String

    init(statement: OpaquePointer, connection: SQLiteConnection, sql: String, retainsConnection: Bool) {
        self.statement = statement
        self.owner = retainsConnection ? connection : nil
        self.path = connection.path
        self.sql = sql
    }

    private var lastErrorMessage: String { String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))) }

    deinit {
        sqlite3_finalize(statement)
    }

    /// Binds `values` to the parameters 1…n, replacing earlier bindings.
    public func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard values.count == expected else {
            throw error(SQLITE_RANGE, "expected \(expected) bindings, got \(values.count)")
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .real(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(let v): rc = sqlite3_bind_text(statement, index, v, -1, sqliteTransient)
            case .blob(let v):
                rc = v.withUnsafeBytes { raw in
                    sqlite3_bind_blob64(statement, index, raw.baseAddress, sqlite3_uint64(raw.count), sqliteTransient)
                }
            }
            guard rc == SQLITE_OK else { throw error(rc, lastErrorMessage) }
        }
    }

    /// Advances to the next row; false when the statement is done.
    public func step() throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw error(rc, lastErrorMessage)
        }
    }

    public var columnCount: Int { Int(sqlite3_column_count(statement)) }

    /// The result columns' names (an `AS` alias where the SQL gives one).
    public var columnNames: [String] {
        (0..<columnCount).map { String(cString: sqlite3_column_name(statement, Int32($0))) }
    }

    /// The value of column `index` (0-based) of the current row.
    public func column(_ index: Int) -> SQLiteValue {
        let i = Int32(index)
        switch sqlite3_column_type(statement, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, i))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, i)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, i))
            guard count > 0, let base = sqlite3_column_blob(statement, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: base, count: count)))
        default: return .null
        }
    }

    /// Binds, runs to completion and returns every row; the statement is reset for reuse.
    public func rows(_ bindings: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try bind(bindings)
        defer { sqlite3_reset(statement) }
        var result: [[SQLiteValue]] = []
        while try step() {
            result.append((0..<columnCount).map(column))
        }
        return result
    }

    private func error(_ code: Int32, _ message: String) -> SQLiteError {
        SQLiteError(code: code, message: message, path: path, sql: sql)
    }
}

/// One result row whose columns are read by name; reading a column the statement does not return, or a
/// NULL where a value is required, is an error naming the column and the statement.
public struct SQLiteRow: Sendable {
    public let values: [SQLiteValue]
    let columns: [String: Int]
    let sql: String
    let path: String

    public subscript(_ name: String) -> SQLiteValue { columns[name].map { values[$0] } ?? .null }

    public func text(_ name: String) throws -> String {
        guard let value = try column(name).text else { throw missing(name, "text") }
        return value
    }

    public func int(_ name: String) throws -> Int {
        guard let value = try column(name).integer else { throw missing(name, "an integer") }
        return Int(value)
    }

    public func real(_ name: String) throws -> Double {
        let value = try column(name)
        guard let real = value.real ?? value.integer.map(Double.init) else { throw missing(name, "a number") }
        return real
    }

    private func column(_ name: String) throws -> SQLiteValue {
        guard let index = columns[name] else {
            throw SQLiteError(code: SQLITE_ERROR, message: "no column '\(name)' in the result", path: path, sql: sql)
        }
        return values[index]
    }

    private func missing(_ name: String, _ kind: String) -> SQLiteError {
        SQLiteError(code: SQLITE_MISMATCH, message: "column '\(name)' holds \(values[columns[name]!]) where \(kind) is required", path: path, sql: sql)
    }
}
