import ArgumentParser
import EvolveCore
import Foundation

/// `<id> [--run NAME]`: how `inspect program`, `inspect lineage` and `inspect prompt` name one program of a
/// run, declared once so that the three accept and resolve it alike.
struct ProgramArguments: ParsableArguments {
    @Argument(help: "The program id (a unique prefix is enough).")
    var id: String

    @Option(name: .customLong("run"), help: "The run (default: the newest under runs/).")
    var runName: String?

    /// The run (`Runs.open`), its store and the program the id names (`ProgramLookup.find`).
    func open() throws -> (run: RunDirectory, store: ProgramStore, program: Program) {
        let (run, store) = try Runs.open(runName)
        return (run, store, try ProgramLookup.find(id, in: store))
    }
}
