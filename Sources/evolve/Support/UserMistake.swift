import ArgumentParser
import Evaluators
import EvolveConfig
import EvolveCore
import EvolveQueue
import Foundation

/// An error that is the user's to fix — a flag, a file, a directory, a run name — and says so itself: every
/// command prints it as one line (`error: …`) and exits with code 2, with no stack trace. Anything else
/// (a bug, a full disk) passes on unchanged. A new family of such errors conforms here, once; no command
/// keeps its own list.
protocol UserMistake: Error, CustomStringConvertible {}

/// A mistake in the command line or in what it names, found by the CLI itself (a seed directory, a run, an
/// output path): one line with the object, the cause and the next step.
struct CommandError: UserMistake {
    let description: String
    init(_ description: String) { self.description = description }
}

// The families that come from the libraries: the configuration file, a program directory and its data, a
// run directory, the files of a program, a run the loop cannot continue.
extension ConfigError: UserMistake {}
extension EvaluationError: UserMistake {}
extension RunDirectory.Failure: UserMistake {}
extension ProgramFiles.Failure: UserMistake {}
extension EvolutionLoop.Failure: UserMistake {}
extension QueueAddress.Failure: UserMistake {}

enum UserMistakes {
    /// Runs `body`; a `UserMistake` becomes its one line on stderr and exit code 2.
    static func reported<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let mistake as UserMistake { throw report(mistake) }
    }

    /// The synchronous form, for commands that are not async.
    static func reported<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let mistake as UserMistake { throw report(mistake) }
    }

    private static func report(_ mistake: UserMistake) -> ExitCode {
        let line = mistake.description.split(whereSeparator: \.isNewline).joined(separator: " ")
        StandardError.write("error: \(line)\n")
        return ExitCode(2)
    }
}
