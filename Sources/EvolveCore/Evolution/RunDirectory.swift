import Foundation

/// Where a run lives: `runs/<name>/` with the SQLite database, the lineage repository, the log, the
/// work dirs of evaluations in flight, and a stop file a researcher may create to end the run cleanly.
public struct RunDirectory: Sendable {
    public let name: String
    public let root: URL

    public var database: URL { root.appendingPathComponent("evolve.sqlite") }
    public var lineage: URL { root.appendingPathComponent("lineage") }
    public var log: URL { root.appendingPathComponent("run.log") }
    public var work: URL { root.appendingPathComponent("work") }
    /// Creating this file stops the run after the work in flight.
    public var stopFile: URL { root.appendingPathComponent("STOP") }
    /// The run's settings as it started (seed directory, configuration), for `resume`.
    public var manifest: URL { root.appendingPathComponent("run.json") }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// A run name is one path component of letters, digits, `-`, `_` and `.`, not starting with `.`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    init(name: String, runsRoot: URL) {
        self.name = name
        root = runsRoot.appendingPathComponent(name)
    }

    /// Throws the error `create` would for a bad or taken name, without creating anything (so a command
    /// can refuse before it does other work).
    public static func checkAvailable(name: String, runsRoot: URL) throws {
        guard isValidName(name) else {
            throw Failure(description: "run name '\(name)': use letters, digits, '-', '_' and '.' only (e.g. --name trm-night-1)")
        }
        let root = runsRoot.appendingPathComponent(name)
        guard !FileManager.default.fileExists(atPath: root.path) else {
            throw Failure(description: "run '\(name)' already exists at \(root.path); continue it with `evolve resume \(name)` or pick another --name")
        }
    }

    /// Creates `runsRoot/name` holding `manifest` (what the run starts from); refuses a name that exists
    /// (that run is continued with `evolve resume`). The directory appears complete or not at all: it is
    /// assembled under a hidden name and renamed into place.
    public static func create(name: String, runsRoot: URL, manifest: Data = Data("{}".utf8)) throws -> RunDirectory {
        try checkAvailable(name: name, runsRoot: runsRoot)
        let fm = FileManager.default
        let run = RunDirectory(name: name, runsRoot: runsRoot)
        let staging = RunDirectory(name: ".\(name).creating-\(getpid())", runsRoot: runsRoot)
        try? fm.removeItem(at: staging.root)
        try fm.createDirectory(at: staging.work, withIntermediateDirectories: true)
        // The sandbox user must be able to reach the work dirs of evaluations.
        chmod(runsRoot.path, 0o755)
        chmod(staging.root.path, 0o755)
        chmod(staging.work.path, 0o755)
        try manifest.write(to: staging.manifest)
        guard rename(staging.root.path, run.root.path) == 0 else {
            try? fm.removeItem(at: staging.root)
            throw Failure(description: "run '\(name)' could not be created at \(run.root.path) (\(String(cString: strerror(errno)))); is another `evolve run` using that name?")
        }
        return run
    }

    /// Opens an existing run: `reference` is a name under `runsRoot` or a path to a run directory.
    public static func open(_ reference: String, runsRoot: URL) throws -> RunDirectory {
        let fm = FileManager.default
        let asPath = URL(fileURLWithPath: reference)
        let candidates = isValidName(reference) ? [runsRoot.appendingPathComponent(reference), asPath] : [asPath]
        for candidate in candidates where fm.fileExists(atPath: candidate.appendingPathComponent("run.json").path) {
            let run = RunDirectory(name: candidate.lastPathComponent, runsRoot: candidate.deletingLastPathComponent())
            try fm.createDirectory(at: run.work, withIntermediateDirectories: true)
            return run
        }
        let known = ((try? fm.contentsOfDirectory(atPath: runsRoot.path)) ?? []).filter {
            fm.fileExists(atPath: runsRoot.appendingPathComponent($0).appendingPathComponent("run.json").path)
        }.sorted()
        let hint = known.isEmpty ? "no runs exist under \(runsRoot.path) yet; start one with `evolve run --seed DIR`"
            : "runs under \(runsRoot.path): \(known.suffix(8).joined(separator: ", "))"
        throw Failure(description: "run '\(reference)': no such run (no run.json there); \(hint)")
    }

    /// Holds the run for this process: an exclusive `flock` on `runs/<name>/lock`, released by the
    /// kernel when the process ends (also by SIGKILL), so a second `evolve resume` of a live run is
    /// refused instead of racing its database and unmounting its work dirs. Keep the value alive.
    public func lock() throws -> RunLock {
        let path = root.appendingPathComponent("lock").path
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Failure(description: "run '\(name)': cannot open \(path) (\(String(cString: strerror(errno)))); check the run directory's permissions")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "run '\(name)' is in use by another evolve process\(holder.isEmpty ? "" : " (pid \(holder))"); wait for it, or end it cleanly with `touch \(stopFile.path)`")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        return RunLock(fd: fd)
    }

    /// A name for a new run: `run-<date>-<time>`.
    public static func defaultName(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "run-" + formatter.string(from: date)
    }
}

/// The lock `RunDirectory.lock()` took; released when this value is freed or the process ends.
public final class RunLock: Sendable {
    private let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}
