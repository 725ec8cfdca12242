import ArgumentParser
import Foundation

/// The `evolve` command line: one subcommand per job a researcher runs.
@main
struct Evolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evolve",
        abstract: "Evolve tiny recursive reasoning models (TRM kernels) with an LLM and MAP-Elites.",
        subcommands: [
            InitCommand.self, RunCommand.self, ResumeCommand.self, InspectCommand.self, ReportCommand.self, EvalCommand.self,
            DoctorCommand.self, WorkerCommand.self, CheckScaleCommand.self,
        ])

    /// As ArgumentParser's own `main`, except that a usage mistake (an unknown option, a bad value, a failed
    /// `validate()`) is one line and exit code 2, like every other user mistake, instead of the usage text
    /// and code 64. Help, and the exit codes commands choose, pass through unchanged. A reader that goes away
    /// (SIGPIPE) ends no command: see `StandardError`.
    static func main() async {
        StandardError.ignoreBrokenPipes()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error).rawValue == 64 else { exit(withError: error) }
            let message = message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            StandardError.write("error: \(message); see `\(commandPath(arguments)) --help`\n")
            exit(withError: ExitCode(2))
        }
    }

    /// `evolve inspect best` for `["inspect", "best", "--bogus"]`: the subcommands the arguments name.
    static func commandPath(_ arguments: [String]) -> String {
        var path = ["evolve"]
        var command: ParsableCommand.Type = Evolve.self
        for argument in arguments {
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            path.append(argument)
            command = next
        }
        return path.joined(separator: " ")
    }
}
