import Foundation
import TestSupport
import LLMClient
#if canImport(Glibc)
import Glibc
#endif

/// What `scripts/test-real-llm.sh` hands the real-server tests through the environment. Absent unless
/// `EVOLVE_REAL_LLM` is set, so the default suite skips these tests (and says so) instead of passing them.
struct RealServerSettings: Sendable {
    /// The script's keyless server, e.g. `http://127.0.0.1:8089/v1`.
    let baseURL: String
    /// The venv's python and the model file, to start extra servers (one with a key, one to kill).
    let python: String
    let modelPath: String
    /// The key the authenticated server expects; the tests check it never reaches a log line.
    let key: String
    /// Where server logs, pid files and the client's captured log lines go.
    let workDirectory: URL

    static let current: RealServerSettings? = {
        let environment = ProcessInfo.processInfo.environment
        guard let base = environment["EVOLVE_REAL_LLM"], !base.isEmpty else { return nil }
        return RealServerSettings(
            baseURL: base, python: environment["EVOLVE_REAL_LLM_PYTHON"] ?? "python3",
            modelPath: environment["EVOLVE_REAL_LLM_MODEL_PATH"] ?? "", key: environment["EVOLVE_REAL_LLM_KEY"] ?? "",
            workDirectory: URL(fileURLWithPath: environment["EVOLVE_REAL_LLM_WORKDIR"] ?? NSTemporaryDirectory()))
    }()

    static var isEnabled: Bool { current != nil }
}

/// A llama-cpp-python server this test process starts itself (for the bad-key and the killed-server
/// cases), serving the same model as the script's server. Its pid goes to `pids` in the work directory,
/// so the script's exit trap can stop it even if the test process dies first.
final class LlamaServer: @unchecked Sendable {
    let port: Int
    let apiKey: String?
    private let settings: RealServerSettings
    private var process: Process?

    init(settings: RealServerSettings, port: Int, apiKey: String? = nil) {
        self.settings = settings
        self.port = port
        self.apiKey = apiKey
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Starts the server and waits until it answers HTTP (any status: 401 means up, too).
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: settings.python)
        process.arguments = [
            "-m", "llama_cpp.server", "--model", settings.modelPath, "--host", "127.0.0.1", "--port", String(port),
            "--model_alias", "gemma3-270m", "--chat_format", "gemma",
        ] + (apiKey.map { ["--api_key", $0] } ?? [])
        let log = settings.workDirectory.appendingPathComponent("server-\(port).log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        try? "\(process.processIdentifier)\n".append(to: settings.workDirectory.appendingPathComponent("pids"))
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            guard process.isRunning else { throw ServerFailed(port: port, log: log.path) }
            if (try? await HTTPRequest(url: baseURL + "/models", connectTimeout: 1, totalTimeout: 5).send()) != nil { return }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw ServerFailed(port: port, log: log.path)
    }

    /// SIGKILL, as a crash would, and waits until it is gone.
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        _ = ChildExit.wait(for: process)
    }

    /// Also SIGKILL: a child started from the test runner inherits a signal mask that blocks SIGTERM
    /// (seen in /proc/PID/status), so `terminate()` would never land and the wait would hang.
    func stop() { kill() }

    struct ServerFailed: Error, CustomStringConvertible {
        let port: Int
        let log: String
        var description: String { "llama_cpp.server on port \(port) did not come up; see \(log)" }
    }
}

extension String {
    func append(to file: URL) throws {
        if let handle = try? FileHandle(forWritingTo: file) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(utf8))
        } else {
            try write(to: file, atomically: false, encoding: .utf8)
        }
    }
}
