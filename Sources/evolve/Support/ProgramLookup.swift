import EvolveCore
import Foundation

/// A program named on the command line by a prefix of its id, as `inspect program`, `inspect lineage` and
/// `inspect prompt` accept it: one lookup so that every command resolves and rejects ids the same way.
enum ProgramLookup {
    /// The program whose id is `prefix`, or the only one whose id starts with it; an error naming the
    /// prefix when none or several match (the fix: give more characters).
    static func find(_ prefix: String, in store: ProgramStore) throws -> Program {
        if let exact = try store.program(prefix) { return exact }
        let matches = try store.allPrograms().filter { $0.id.hasPrefix(prefix.lowercased()) }
        guard matches.count == 1 else {
            throw CommandError(matches.isEmpty ? "no program with id '\(prefix)' in this run"
                : "program id '\(prefix)' is ambiguous (\(matches.count) programs); give more characters")
        }
        return matches[0]
    }
}
