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

    /// Creates `runsRoot/name`; refuses a name that exists (that run is continued with `evolve resume`).
    public static func create(name: String, runsRoot: URL) throws -> RunDirectory {
        guard isValidName(name) else {
            throw Failure(description: "run name '\(name)': use letters, digits, '-', '_' and '.' only (e.g. --name trm-night-1)")
        }
        let run = RunDirectory(name: name, runsRoot: runsRoot)
        guard !FileManager.default.fileExists(atPath: run.root.path) else {
            throw Failure(description: "run '\(name)' already exists at \(run.root.path); continue it with `evolve resume \(name)` or pick another --name")
        }
        try FileManager.default.createDirectory(at: run.work, withIntermediateDirectories: true)
        return run
    }

    /// Opens an existing run: `reference` is a name under `runsRoot` or a path to a run directory.
    public static func open(_ reference: String, runsRoot: URL) throws -> RunDirectory {
        let fm = FileManager.default
        let asPath = URL(fileURLWithPath: reference)
        let candidates = isValidName(reference) ? [runsRoot.appendingPathComponent(reference), asPath] : [asPath]
        for candidate in candidates where fm.fileExists(atPath: candidate.appendingPathComponent("evolve.sqlite").path) {
            let run = RunDirectory(name: candidate.lastPathComponent, runsRoot: candidate.deletingLastPathComponent())
            try fm.createDirectory(at: run.work, withIntermediateDirectories: true)
            return run
        }
        let known = ((try? fm.contentsOfDirectory(atPath: runsRoot.path)) ?? []).filter {
            fm.fileExists(atPath: runsRoot.appendingPathComponent($0).appendingPathComponent("evolve.sqlite").path)
        }.sorted()
        let hint = known.isEmpty ? "no runs exist under \(runsRoot.path) yet; start one with `evolve run --seed DIR`"
            : "runs under \(runsRoot.path): \(known.suffix(8).joined(separator: ", "))"
        throw Failure(description: "run '\(reference)': no such run (no evolve.sqlite there); \(hint)")
    }

    /// A name for a new run: `run-<date>-<time>`.
    public static func defaultName(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "run-" + formatter.string(from: date)
    }
}
