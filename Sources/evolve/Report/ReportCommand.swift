import ArgumentParser
import EvolveCore
import Foundation

/// `evolve report RUN`: one self-contained HTML file of a run (inline SVG, no script, no network), readable
/// while the run goes on.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's report: one self-contained HTML file with score curves, MAP-Elites heatmaps, the generalization gap, spend, the best lineage and the top programs.",
        discussion: """
            The file needs no network and no script; open it in any browser or mail it. With --control, the \
            best-score curve of a control run (e.g. one started with --strategy best-of-n on the same seed) is \
            drawn beside the run's.
            """)

    @Argument(help: "The run (default: the newest under runs/).")
    var runName: String?

    @Option(help: "Where to write the HTML (default: runs/<name>/report.html).")
    var out: String?

    @Option(help: "A control run (e.g. best-of-n on the same seed) to compare best-score curves with.")
    var control: String?

    @Option(name: .customLong("gap-threshold"), help: "Flag elites whose validation score exceeds their held-out test score by more than this.")
    var gapThreshold = 0.1

    @Option(help: "Rows of the top-programs table.")
    var top = 10

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1 (got \(top))") }
        if gapThreshold < 0 { throw ValidationError("--gap-threshold must not be negative (got \(gapThreshold))") }
    }

    func run() throws {
        try UserMistakes.reported {
            let (directory, store) = try Runs.open(runName)
            let main = try Self.load(directory, store: store)
            let control = try control.map { name -> ReportPage.Run in
                let (directory, store) = try Runs.open(name)
                return try Self.load(directory, store: store)
            }
            let page = ReportPage(run: main, control: control, gapThreshold: gapThreshold, top: top, generated: Date())
            let html = try page.render()
            let file = out.map { URL(fileURLWithPath: $0) } ?? directory.root.appendingPathComponent("report.html")
            do {
                try Data(html.utf8).write(to: file, options: .atomic)
            } catch {
                throw CommandError("cannot write the report to \(file.path) (\(error.localizedDescription)); pick another --out")
            }
            if output.json {
                struct Output: Encodable { let path: String; let run: String; let programs: Int; let bytes: Int; let control: String? }
                try OutputOptions.printJSON(Output(path: file.path, run: main.name, programs: main.programs.count, bytes: html.utf8.count, control: control?.name))
            } else {
                print(file.path)
            }
        }
    }

    /// A run's programs, its search strategy ("unknown" if its run.json cannot be read) and its data record (from run.json).
    static func load(_ directory: RunDirectory, store: ProgramStore) throws -> ReportPage.Run {
        let manifest = try? RunManifest.load(from: directory)
        let strategy = (try? manifest.map(RunSetup.settings)?.run.strategy.rawValue) ?? "unknown"
        return ReportPage.Run(
            name: directory.name, strategy: strategy, store: store, programs: try store.allPrograms(), data: manifest?.data ?? [:],
            hosts: try? HostTable.load(database: directory.database))
    }
}
