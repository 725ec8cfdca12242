import ArgumentParser
import Evaluators
import EvolveConfig
import EvolveCore
import Foundation
import Sandbox

/// `evolve run --seed DIR`: start a run — evaluate the seeds, then evolve until a budget is spent.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start an evolution run from a directory of seed programs.",
        discussion: """
            The run lives in runs/<name>/ (SQLite database, git lineage, log). Without an LLM endpoint \
            (EVOLVE_LLM_BASE_URL or llm.api_base) the offline mutator proposes children. Ctrl-C, SIGTERM and \
            SIGHUP finish the evaluations in flight that end within --grace seconds and leave the rest for \
            `evolve resume NAME`; a second signal stops at once.
            """)

    @Option(help: "The seed directory: one program, or one program per subdirectory (e.g. Programs/).")
    var seed: String

    @Option(help: "The run's configuration (default: DIR/evolve.yaml, else the first seed's).")
    var config: String?

    @Option(help: "The run's name (default: run-<date>-<time>).")
    var name: String?

    @OptionGroup var stop: StopOptions

    @Option(name: .customLong("budget-usd"), help: "Stop once the LLM spend reaches this many dollars.")
    var budgetUSD: Double?

    @Option(help: "Evaluations in flight at once (default: the number of cores).")
    var parallel: Int?

    @Option(help: "map-elites, best-of-n or hill-climb.")
    var strategy: String?

    @Option(help: "Send evaluations to this PostgreSQL queue (postgresql://user@host/db, or env:NAME for a URL in a variable) for `evolve worker`s to run.")
    var queue: String?

    @OptionGroup var signals: SignalOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1 (got \(parallel))") }
        if let strategy, SearchStrategy(rawValue: strategy) == nil {
            throw ValidationError("--strategy '\(strategy)' is unknown; use one of \(SearchStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        RunSetup.bootstrapLogging()
        let printer = ProgressPrinter()
        @Sendable func say(_ text: String) { printer.handle(.message(text)) }
        try await UserMistakes.reported {
            let seeds = try SeedPrograms.load(seed)
            let configFile = config.map { URL(fileURLWithPath: $0) } ?? seeds.configFile
            var configText = ""
            if let configFile {
                guard let data = FileManager.default.contents(atPath: configFile.path) else {
                    throw CommandError("config file '\(configFile.path)' cannot be read; check the path given to --config")
                }
                // A `suite:` include is inlined now: the run's benchmarks and budgets are fixed when it starts.
                configText = try ProgramConfig.inliningSuite(String(decoding: data, as: UTF8.self), path: configFile.path)
                // A data seed in a committed file is public, and the generators are deterministic: the run's
                // splits are keyed by a secret it keeps in run.json (a candidate could remake them otherwise).
                configText = try ProgramConfig.keyingData(configText, path: configFile.path)
            }
            var manifest = RunManifest(
                name: name ?? RunDirectory.defaultName(), seed: URL(fileURLWithPath: seed).standardizedFileURL.path,
                configFile: configFile?.standardizedFileURL.path, configText: configText, created: Date(),
                overrides: .init(iterations: stop.iterations, hours: stop.hours, budgetUSD: budgetUSD, parallel: parallel, strategy: strategy, queue: queue))
            let settings = try RunSetup.settings(manifest)
            if let entry = settings.file.program.entry, let seed = seeds.seeds.first(where: { $0.program.files[entry] == nil }) {
                throw ConfigError("\(configFile?.path ?? "evolve.yaml"): entry: seed '\(seed.name)' has no file \(entry); name the file with its EVOLVE-BLOCKs, or remove the key")
            }
            // Check everything the run needs before creating its directory (a data: benchmark's files are read now).
            let dataLines = try RunSetup.recordData(in: &manifest, settings: settings)
            let brief = try RunSetup.brief(manifest, settings: settings)
            try RunDirectory.checkAvailable(name: manifest.name, runsRoot: Runs.root)
            let proposer = try await RunSetup.proposer(settings, manifest: manifest, seeds: seeds.seeds.map(\.program), say: say)
            let run = try RunDirectory.create(name: manifest.name, runsRoot: Runs.root, manifest: try manifest.encoded())
            let lock = try run.lock()
            defer { withExtendedLifetime(lock) {} }
            RunSetup.log(dataLines, run: run)
            dataLines.forEach(say)
            say("run '\(run.name)' lives in \(run.root.path) (log: \(run.log.path)); \(seeds.seeds.count) seed(s): \(seeds.seeds.map(\.name).joined(separator: ", "))")
            try await RunSetup.execute(
                manifest, settings: settings, brief: brief, run: run, proposer: proposer, seeds: seeds.seeds.map(\.program), printer: printer, json: output.json, grace: signals.grace)
        }
    }
}
