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
    }

    /// The racing rule the run `name` under `runs` was made with.
    static func rule(runs: URL, name: String) throws -> RacingRule {
        let run = try RunDirectory.open(name, runsRoot: runs)
        return try RunSetup.settings(try RunManifest.load(from: run)).run.racing
    }

    static func check(runs: URL, name: String) throws -> Result {
        let path = runs.appendingPathComponent(name).appendingPathComponent("evolve.sqlite").path
        let store = try ProgramStore(path: path, config: try ProgramStore.storedConfiguration(path: path) ?? DatabaseConfig())
        return Result(displacements: try store.displacements().count, violations: try store.displacementViolations(racing: try rule(runs: runs, name: name)))
    }
}
