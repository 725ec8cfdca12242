import ArgumentParser

/// The `evolve` command line: one subcommand per job a researcher runs.
@main
struct Evolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evolve",
        abstract: "Evolve tiny recursive reasoning models (TRM kernels) with an LLM and MAP-Elites.",
        subcommands: [
            RunCommand.self, ResumeCommand.self, InspectCommand.self, ReportCommand.self, EvalCommand.self, DoctorCommand.self,
        ])
}
