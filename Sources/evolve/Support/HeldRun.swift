import EvolveCore
import Foundation

/// An existing run that a command continues (`evolve resume`, `evolve check-scale`), held by this
/// process: a run another process still drives is refused, not raced (both would draw from one
/// training-seed stream, and resume would unmount the other's work dirs).
///
/// ```swift
/// try await HeldRun.with(run) { held in
///     let manifest = try RunManifest.load(from: held.directory)
///     held.say("resuming run '\(held.directory.name)'")
/// }
/// ```
struct HeldRun: Sendable {
    let directory: RunDirectory
    /// The command's progress lines (and the loop's events, passed to `printer.handle`).
    let printer: ProgressPrinter

    @Sendable func say(_ text: String) { printer.handle(.message(text)) }

    /// Sets up logging and a progress printer, opens the run `reference` (a name under runs/ or a
    /// directory) and holds its lock while `body` runs. User mistakes end the command as
    /// `UserMistakes.reported` reports them.
    static func with(_ reference: String, _ body: (HeldRun) async throws -> Void) async throws {
        RunSetup.bootstrapLogging()
        let printer = ProgressPrinter()
        try await UserMistakes.reported {
            let directory = try RunDirectory.open(reference, runsRoot: Runs.root)
            // Before anything else touches the run.
            let lock = try directory.lock()
            defer { withExtendedLifetime(lock) {} }
            try await body(HeldRun(directory: directory, printer: printer))
        }
    }
}
