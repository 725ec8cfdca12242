import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server of the test's own: `initdb` in a temporary directory, listening on a Unix socket
/// only (no TCP port), a password required (scram), stopped and deleted when the value goes away. When
/// there is no server installed the queue's tests skip, except under `CI=true`, where they fail.
public final class PrivatePostgres: @unchecked Sendable {
    /// scripts/test.sh gives one in PGPASSWORD before the test process starts; otherwise a fresh one is set
    /// at the first server start. setenv while other tests' threads start processes races Foundation's
    /// Process.run, which copies the environment (a crash seen here), so the script's way is the safe one.
    public static let password: String = {
        if let given = ProcessInfo.processInfo.environment["PGPASSWORD"], given.hasPrefix("pg-secret-") { return given }
        return "pg-secret-\(UUID().uuidString.prefix(8))"
    }()
    public static let binDirectory: String? = {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted { $0.count != $1.count ? $0.count > $1.count : $0 > $1 }
        return versions.map { "/usr/lib/postgresql/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }()
    /// Whether the queue's tests run: a server is installed, or CI demands them (and then fails without one).
    public static let enabled = binDirectory != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    public let directory: URL
    public let socket: URL
    private var server: Process
    private let launch: (executable: URL, arguments: [String])
    private let user: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init() throws {
        guard let bin = Self.binDirectory else {
            throw Failure(description: "no PostgreSQL server installed (apt-get install postgresql; scripts/test.sh does it), and CI=true requires the queue's tests")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-pg-\(UUID().uuidString.prefix(8))")
        socket = directory.appendingPathComponent("socket")
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: socket, withIntermediateDirectories: true)
        // initdb refuses to run as root: as root, the server runs as the `postgres` user.
        user = getuid() == 0 ? "postgres" : NSUserName()
        if getuid() == 0 {
            try Self.shell(["chown", "-R", "postgres:postgres", directory.path])
        }
        let passwordFile = directory.appendingPathComponent("pw")
        try Data(Self.password.utf8).write(to: passwordFile)
        if getuid() == 0 { try Self.shell(["chown", "postgres", passwordFile.path]) }
        try Self.shell(Self.asUser(user, ["\(bin)/initdb", "-D", data.path, "-U", "evolve", "--auth-local=scram-sha-256", "--auth-host=reject",
                               "--pwfile=\(passwordFile.path)", "--no-sync", "-E", "UTF8"]))
        try? FileManager.default.removeItem(at: passwordFile)
        // No --pdeathsig: it fires when the forking *thread* exits, and an idle dispatch thread does.
        let arguments = ["--", "\(bin)/postgres", "-D", data.path, "-k", socket.path, "-c", "listen_addresses=",
                         "-c", "fsync=off", "-c", "max_connections=60", "-c", "log_min_messages=fatal"]
        launch = (URL(fileURLWithPath: "/usr/bin/setpriv"),
                  getuid() == 0 ? ["--reuid", "postgres", "--regid", "postgres", "--init-groups"] + arguments : arguments)
        server = Process()
        if ProcessInfo.processInfo.environment["PGPASSWORD"] != Self.password { setenv("PGPASSWORD", Self.password, 1) }
        try startServer()
    }

    /// Starts the postgres process on the existing data directory and waits until it accepts connections.
    private func startServer() throws {
        server = Process()
        server.executableURL = launch.executable
        server.arguments = launch.arguments
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket.appendingPathComponent(".s.PGSQL.5432").path) {
            usleep(50_000)
        }
        // Accepting connections, not only listening.
        for _ in 0..<100 {
            if (try? Self.shell(["\(Self.binDirectory ?? "")/pg_isready", "-q", "-h", socket.path, "-U", "evolve", "-d", "postgres"])) != nil { break }
            usleep(50_000)
        }
    }

    /// Stops the server (a fast shutdown: every session ends) and starts it again on the same data after
    /// `downSeconds`, as a restarted or failed-over database server looks to its clients.
    public func restart(downSeconds: Double = 1) async throws {
        try await onOwnThread { [self] in
            kill(server.processIdentifier, SIGINT)
            _ = ChildExit.wait(for: server)
            usleep(useconds_t(downSeconds * 1e6))
            try startServer()
        }
    }

    /// Starts a server on a thread of its own: `initdb` and the wait for the socket take seconds, which
    /// would otherwise hold one of the few threads every async test shares.
    public static func start() async throws -> PrivatePostgres {
        try await onOwnThread { try PrivatePostgres() }
    }

    deinit { stop() }

    /// Stops the server and deletes its directory (also at deinit; a global never deinits, so a tool that
    /// keeps the server in one calls this at the end). Safe to call twice.
    public func stop() {
        guard server.isRunning else { return }
        // SIGINT is PostgreSQL's fast shutdown: it ends the sessions still open. SIGTERM (smart shutdown)
        // would wait for every client to disconnect, forever if a test still holds a connection.
        kill(server.processIdentifier, SIGINT)
        _ = ChildExit.wait(for: server)
        try? FileManager.default.removeItem(at: directory)
    }

    /// The address of the server's `postgres` database as user `evolve` (the password from PGPASSWORD).
    public func url(database: String = "postgres") -> String {
        "postgresql://evolve@/\(database)?host=\(socket.path)"
    }

    private static func asUser(_ user: String, _ command: [String]) -> [String] {
        getuid() == 0 ? ["/usr/bin/setpriv", "--reuid", user, "--regid", user, "--init-groups", "--"] + command : command
    }

    static func shell(_ command: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0].hasPrefix("/") ? command[0] : "/usr/bin/env")
        process.arguments = command[0].hasPrefix("/") ? Array(command.dropFirst()) : command
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        guard ChildExit.wait(for: process) == .success else { throw Failure(description: "\(command.joined(separator: " ")): \(text)") }
    }
}

/// Runs blocking work (a subprocess, thread joins, sleeps) on a thread of its own and awaits it, so it never
/// holds a thread of Swift's concurrency pool, which on a 2-core machine has two.
public func onOwnThread<T: Sendable>(_ body: @escaping () throws -> T) async throws -> T {
    nonisolated(unsafe) let body = body
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
        Thread {
            continuation.resume(with: Result { try body() })
        }.start()
    }
}
