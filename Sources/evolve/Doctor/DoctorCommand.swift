import ArgumentParser
import Foundation

/// `evolve doctor`: what this machine offers the tool, one line per check.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the compiler, libraries, sandbox layers, CPU and LLM endpoint on this machine.",
        discussion: "Exits 1 when something required is missing, naming the package and the command that installs it.")

    @OptionGroup var output: OutputOptions

    func run() throws {
        let checks = MachineChecks.all(environment: ProcessInfo.processInfo.environment)
        if output.json {
            try OutputOptions.printJSON(checks)
        } else {
            let width = checks.map(\.name.count).max() ?? 0
            for check in checks {
                let name = check.name.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(check.status.label)  \(name)  \(check.detail)")
            }
        }
        let missing = checks.filter { $0.status == .missing }
        for check in missing {
            StandardError.write("error: \(check.name) is missing. \(check.remedy ?? "")\n")
        }
        if !missing.isEmpty { throw ExitCode(1) }
    }
}
