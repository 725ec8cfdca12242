import EvolveCore
import Foundation
@testable import evolve

/// The displacement audit of a run a test made with the `evolve` binary: the racing rule is read from the
/// run's own stored configuration (`run.json`, as `evolve resume` reads it, overrides and all), never
/// restated by the test, and every displacement the run's database recorded is asked of it again from the
/// evaluations alone (`ProgramStore.displacementViolations`).
enum RacingAudit {
    struct Result {
        /// How many displacements the run recorded (every one was checked).
        var displacements: Int
        /// One line per displacement the rule would not have made.
        var violations: [String]
        /// How many of each kind, e.g. "cell 1, island-best 1, run-best 1".
        var kinds: String
    }

    /// The racing rule the run `name` under `runs` was made with.
    static func rule(runs: URL, name: String) throws -> RacingRule {
        let run = try RunDirectory.open(name, runsRoot: runs)
        return try RunSetup.settings(try RunManifest.load(from: run)).run.racing
    }

    static func check(runs: URL, name: String) throws -> Result {
        let path = runs.appendingPathComponent(name).appendingPathComponent("evolve.sqlite").path
        let store = try ProgramStore(path: path, config: try ProgramStore.storedConfiguration(path: path) ?? DatabaseConfig())
        let stored = try store.displacements()
        let kinds = DisplacementRecord.Kind.allCases.map { kind in "\(kind.rawValue) \(stored.filter { $0.record.kind == kind }.count)" }
        return Result(
            displacements: stored.count, violations: try store.displacementViolations(racing: try rule(runs: runs, name: name)),
            kinds: kinds.joined(separator: ", "))
    }
}
