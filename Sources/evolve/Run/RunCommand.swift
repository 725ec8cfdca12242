import ArgumentParser
import Evaluators
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

    @Option(help: "Stop after this many child iterations.")
    var iterations: Int?

    @Option(help: "Stop after this many hours.")
    var hours: Double?

    @Option(name: .customLong("budget-usd"), help: "Stop once the LLM spend reaches this many dollars.")
    var budgetUSD: Double?

    @Option(help: "Evaluations in flight at once (default: the number of cores).")
    var parallel: Int?

    @Option(help: "map-elites, best-of-n or hill-climb.")
    var strategy: String?

    @Option(help: "Send evaluations to this PostgreSQL queue (postgresql://user@host/db, or env:NAME for a URL in a variable) for `evolve worker`s to run.")
    var queue: String?

    @Option(help: "Seconds the evaluations in flight get to finish after Ctrl-C, SIGTERM or SIGHUP; the rest is left for `evolve resume`.")
    var grace: Double = 60

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        try RunCommand.validate(grace: grace)
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1 (got \(parallel))") }
        if let iterations, iterations < 0 { throw ValidationError("--iterations must not be negative (got \(iterations))") }
        if let hours, hours <= 0 { throw ValidationError("--hours must be positive (got \(hours))") }
        if let strategy, SearchStrategy(rawValue: strategy) == nil {
            throw ValidationError("--strategy '\(strategy)' is unknown; use one of \(SearchStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        RunSetup.bootstrapLogging()
        let printer = ProgressPrinter()
        @Sendable func say(_ text: String) { printer.handle(.message(text)) }
        do {
            let seeds = try SeedPrograms.load(seed)
            let configFile = config.map { URL(fileURLWithPath: $0) } ?? seeds.configFile
            var configText = ""
            if let configFile {
                guard let data = FileManager.default.contents(atPath: configFile.path) else {
                    throw RunSetup.Failure(description: "config file '\(configFile.path)' cannot be read; check the path given to --config")
                }
                // A `suite:` include is inlined now: the run's benchmarks and budgets are fixed when it starts.
                configText = try ProgramConfig.inliningSuite(String(decoding: data, as: UTF8.self), path: configFile.path)
            }
            var manifest = RunManifest(
                name: name ?? RunDirectory.defaultName(), seed: URL(fileURLWithPath: seed).standardizedFileURL.path,
                configFile: configFile?.standardizedFileURL.path, configText: configText, created: Date(),
                overrides: .init(iterations: iterations, hours: hours, budgetUSD: budgetUSD, parallel: parallel, strategy: strategy, queue: queue))
            let settings = try RunSetup.settings(manifest)
            // Check everything the run needs before creating its directory (a data: benchmark's files are read now).
            let dataLines = try RunSetup.recordData(in: &manifest, settings: settings)
            try RunDirectory.checkAvailable(name: manifest.name, runsRoot: RunSetup.runsRoot)
            let proposer = try await RunSetup.proposer(settings, manifest: manifest, seeds: seeds.seeds.map(\.program), say: say)
            let run = try RunDirectory.create(name: manifest.name, runsRoot: RunSetup.runsRoot, manifest: try manifest.encoded())
            let lock = try run.lock()
            defer { withExtendedLifetime(lock) {} }
            RunSetup.log(dataLines, run: run)
            dataLines.forEach(say)
            say("run '\(run.name)' lives in \(run.root.path) (log: \(run.log.path)); \(seeds.seeds.count) seed(s): \(seeds.seeds.map(\.name).joined(separator: ", "))")
            try await RunSetup.execute(
                manifest, settings: settings, run: run, proposer: proposer, seeds: seeds.seeds.map(\.program), printer: printer, json: json, grace: grace)
        } catch let error as CustomStringConvertible & Error where RunCommand.isUserFacing(error) {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    static func validate(grace: Double) throws {
        guard grace.isFinite, grace >= 0 else { throw ValidationError("--grace must be a number of seconds, 0 or more (got \(grace))") }
    }

    /// Errors that describe a mistake or a state a person can act on (printed as one line, exit 2).
    static func isUserFacing(_ error: Error) -> Bool {
        error is SeedPrograms.Failure || error is RunSetup.Failure || error is RunSettings.Failure || error is RunDirectory.Failure
            || error is EvaluationError || error is ProgramFiles.Failure || error is EvolutionLoop.Failure
    }

    static func report(_ summary: EvolutionLoop.Summary, run: RunDirectory, json: Bool) throws {
        if json {
            struct Output: Encodable {
                let run: String, directory: String, stop_reason: String, iterations: Int, evaluations: Int
                let best_score: Double?, best_test_score: Double?, best_program: String?, elapsed_seconds: Double
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let output = Output(
                run: run.name, directory: run.root.path, stop_reason: summary.stopReason.rawValue, iterations: summary.iterations,
                evaluations: summary.evaluations, best_score: summary.bestScore, best_test_score: summary.bestTestScore,
                best_program: summary.bestProgramID, elapsed_seconds: summary.elapsedSeconds)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            print("run \(run.name): stopped (\(summary.stopReason.rawValue)) after \(summary.iterations) iterations, \(summary.evaluations) evaluations, \(String(format: "%.0f", summary.elapsedSeconds)) s")
            if let best = summary.bestScore, let id = summary.bestProgramID {
                print(String(format: "best validation score %.4f", best) + (summary.bestTestScore.map { String(format: ", held-out test %.4f", $0) } ?? "")
                      + " (program \(id))")
            }
            print("lineage: git -C \(run.lineage.path) log --graph --oneline best")
            print("continue: evolve resume \(run.name)")
        }
    }
}

/// `evolve resume RUN`: continue a stopped or crashed run from its database.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run: re-queue the work that was in flight and go on with the same settings.",
        discussion: "The sampler's random stream and the proposer's state continue where they stopped.")

    @Argument(help: "The run's name (under runs/) or its directory.")
    var run: String

    @Option(help: "Raise the iteration limit (total, not additional).")
    var iterations: Int?

    @Option(help: "Raise the time limit (total hours over all sessions).")
    var hours: Double?

    @Option(help: "Seconds the evaluations in flight get to finish after Ctrl-C, SIGTERM or SIGHUP; the rest is left for `evolve resume`.")
    var grace: Double = 60

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws { try RunCommand.validate(grace: grace) }

    func run() async throws {
        RunSetup.bootstrapLogging()
        let printer = ProgressPrinter()
        @Sendable func say(_ text: String) { printer.handle(.message(text)) }
        do {
            let directory = try RunDirectory.open(run, runsRoot: RunSetup.runsRoot)
            // Before anything else: a run another process still drives is refused, not raced.
            let lock = try directory.lock()
            defer { withExtendedLifetime(lock) {} }
            // A run killed with SIGKILL (OOM killer, power cut) leaves its evaluations' tmpfs work dirs
            // mounted. Nothing of this process is mounted yet, and resuming expects the run's previous
            // process to be gone (the lock above proves it).
            let unmounted = SandboxWorkDir.removeStaleMounts(under: directory.work)
            if !unmounted.isEmpty {
                say("removed \(unmounted.count) sandbox mounts a killed run left in \(directory.work.path)")
            }
            var manifest = try RunManifest.load(from: directory)
            if let iterations { manifest.overrides.iterations = iterations }
            if let hours { manifest.overrides.hours = hours }
            try manifest.save(to: directory)
            try? FileManager.default.removeItem(at: directory.stopFile)
            let settings = try RunSetup.settings(manifest)
            // Used only if the run was stopped before its seeds were stored.
            let seeds = (try? SeedPrograms.load(manifest.seed))?.seeds.map(\.program) ?? []
            let proposer = try await RunSetup.proposer(settings, manifest: manifest, seeds: [], say: say)
            say("resuming run '\(directory.name)' in \(directory.root.path)")
            try await RunSetup.execute(manifest, settings: settings, run: directory, proposer: proposer, seeds: seeds, printer: printer, json: json, grace: grace)
        } catch let error as CustomStringConvertible & Error where RunCommand.isUserFacing(error) {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}
