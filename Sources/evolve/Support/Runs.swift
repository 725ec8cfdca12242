import EvolveCore
import Foundation

/// Where runs live and how a command finds one: what `run`, `resume`, `inspect` and `report` share.
enum Runs {
    /// `EVOLVE_RUNS` or `./runs`.
    static var root: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["EVOLVE_RUNS"] ?? "runs", isDirectory: true).standardizedFileURL
    }

    /// Opens a run's store with the configuration it was created with: the run `reference` names (a name
    /// under the runs root or a directory), or the newest run when it is nil.
    static func open(_ reference: String?) throws -> (RunDirectory, ProgramStore) {
        let root = Self.root
        let name: String
        if let reference {
            name = reference
        } else {
            let fm = FileManager.default
            let runs = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).filter {
                fm.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("evolve.sqlite").path)
            }
            func modified(_ name: String) -> Date {
                (try? fm.attributesOfItem(atPath: root.appendingPathComponent(name).path)[.modificationDate] as? Date) ?? .distantPast
            }
            guard let newest = runs.max(by: { modified($0) < modified($1) }) else {
                throw CommandError("no runs under \(root.path); start one with `evolve run --seed DIR` or name a run")
            }
            name = newest
        }
        let run = try RunDirectory.open(name, runsRoot: root)
        let config = try ProgramStore.storedConfiguration(path: run.database.path) ?? DatabaseConfig()
        return (run, try ProgramStore(path: run.database.path, config: config))
    }
}
