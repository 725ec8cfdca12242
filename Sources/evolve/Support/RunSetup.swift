import Evaluators
import EvolveConfig
import EvolveCore
import EvolveQueue
import Foundation
import LLMClient
import Logging
import Proposers
import Sandbox

/// What `run` and `resume` share: turning a run's manifest into settings, an evaluator, a proposer and a loop.
enum RunSetup {
    /// Library log lines (the proposer's retries, the client's backoffs) go to stderr at `warning` and
    /// above, or at `EVOLVE_LOG_LEVEL` (trace, debug, info, notice, warning, error); the run's own events
    /// go to its status line and `run.log`. Called once, before any logger exists.
    static func bootstrapLogging() {
        let level = ProcessInfo.processInfo.environment["EVOLVE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The settings: the file's run sections, then the command line's overrides.
    static func settings(_ manifest: RunManifest) throws -> RunSettings {
        var settings = try RunSettings.parse(manifest.configText, path: manifest.configFile ?? "(built-in defaults)")
        let o = manifest.overrides
        if let value = o.iterations { settings.run.maxIterations = value }
        if let value = o.hours { settings.run.maxHours = value }
        if let value = o.budgetUSD { settings.run.maxSpendUSD = value }
        if let value = o.parallel { settings.run.parallel = value }
        if let value = o.strategy {
            guard let strategy = SearchStrategy(rawValue: value) else {
                throw ConfigError("--strategy '\(value)' is unknown; use one of \(SearchStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            settings.run.strategy = strategy
        }
        return settings
    }

    /// The evaluator the configuration asks for: a user command, or the TRM benchmarks.
    static func evaluator(_ manifest: RunManifest, settings: RunSettings, workRoot: URL, say: @escaping @Sendable (String) -> Void) throws -> any Evaluator {
        if let command = settings.evaluatorCommand {
            return CommandEvaluator(sandbox: Sandbox(), workRoot: workRoot, command: command, limits: commandLimits(timeout: settings.evaluatorTimeout))
        }
        let config = try ProgramConfig.parse(manifest.configText, path: manifest.configFile ?? "evolve.yaml")
        let cache = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/evolve")
        say("preparing the TRMKit module (built once per TRMKit version, cached in \(cache.path))")
        let module = try TRMKitModule.prepare(sources: try TRMKitModule.locateSources(), cacheRoot: cache)
        return CandidateEvaluator(sandbox: Sandbox(), module: module, config: config, workRoot: workRoot, keepWork: settings.run.keepWork)
    }

    /// The sandbox limits of one evaluation by the user's command: `evaluator.timeout` is its whole allowance,
    /// wall-clock and CPU time both, or the sandbox's default 120 CPU s would kill a longer honest evaluation
    /// first. The reader bounds the timeout to a week, so the conversion cannot trap.
    static func commandLimits(timeout: Double?) -> SandboxLimits {
        var limits = SandboxLimits()
        if let timeout {
            limits.wallSeconds = timeout
            limits.cpuSeconds = max(1, Int(timeout.rounded(.up)))
        }
        return limits
    }

    /// Parses the run's evolve.yaml (the TRM evaluator's; a command evaluator has none) and reads the files of
    /// every `data:` benchmark, recording what they are (files, content hash, the draw, what was left out) in
    /// `manifest.data`, so run.json says what data the run's scores are on. Returns `DataRecord.lines` for the
    /// terminal and the run's log.
    static func recordData(in manifest: inout RunManifest, settings: RunSettings) throws -> [String] {
        guard settings.evaluatorCommand == nil else { return [] }
        let config = try ProgramConfig.parse(manifest.configText, path: manifest.configFile ?? "evolve.yaml")
        let sources = try config.loadData()
        try config.checkGenerators()
        manifest.data = sources.isEmpty ? nil : sources
        return DataRecord.lines(config, sources: sources)
    }

    /// Appends `lines` to the run's log, timestamped like the loop's own lines (for what happens before the loop
    /// exists, e.g. the data record at the start).
    static func log(_ lines: [String], run: RunDirectory) {
        guard !lines.isEmpty else { return }
        let log = RunLog(url: run.log)
        lines.forEach(log.write)
    }

    /// The research brief shown to the proposer: the file `brief:` names (relative to the configuration's
    /// folder), else the seed's BRIEF.md, if any.
    static func brief(_ manifest: RunManifest, settings: RunSettings) throws -> String {
        if let name = settings.file.program.brief {
            let folder = manifest.configFile.map { URL(fileURLWithPath: $0).deletingLastPathComponent() } ?? URL(fileURLWithPath: manifest.seed)
            let file = name.hasPrefix("/") ? URL(fileURLWithPath: name) : folder.appendingPathComponent(name)
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw ConfigError("\(manifest.configFile ?? "evolve.yaml"): brief: \(name) (\(file.path)) cannot be read; name the research brief's file, relative to this file's folder, or remove the key")
            }
            return text
        }
        return brief(seed: manifest.seed)
    }

    /// The seed's BRIEF.md (or the first seed's, for a folder of seeds), if any.
    static func brief(seed: String) -> String {
        let root = URL(fileURLWithPath: seed)
        for candidate in [root.appendingPathComponent("BRIEF.md")] + (((try? FileManager.default.contentsOfDirectory(atPath: seed)) ?? []).sorted()
            .map { root.appendingPathComponent($0).appendingPathComponent("BRIEF.md") }) {
            if let text = try? String(contentsOf: candidate, encoding: .utf8) { return text }
        }
        return ""
    }

    /// Builds the evaluator and the loop for `run`, drives it to a stop and prints the summary (what
    /// `run` and `resume` share once the run directory exists).
    static func execute(
        _ manifest: RunManifest, settings: RunSettings, brief: String, run: RunDirectory, proposer: any Proposer, seeds: [Program],
        printer: ProgressPrinter, json: Bool, grace: Double
    ) async throws {
        let local = try evaluator(manifest, settings: settings, workRoot: run.work) { printer.handle(.message($0)) }
        let evaluator = try RunQueue.evaluator(manifest, settings: settings, run: run, local: local) { printer.handle(.message($0)) }
        if let queued = evaluator as? QueueEvaluator { printer.statusExtra = { queued.workersText } }
        let loop = try EvolutionLoop(
            run: run, config: settings.run, database: settings.database, evaluator: evaluator, proposer: proposer,
            brief: brief) { printer.handle($0) }
        let summary = try await drive(loop, seeds: seeds, printer: printer, run: run, grace: grace)
        try RunSummary.print(summary, run: run, json: json)
    }

    /// Runs the loop with the progress printer and the stop signals (`StopSignals`: Ctrl-C, SIGTERM and
    /// SIGHUP finish what completes within `grace` seconds; a second signal stops at once).
    static func drive(_ loop: EvolutionLoop, seeds: [Program], printer: ProgressPrinter, run: RunDirectory, grace: Double) async throws
        -> EvolutionLoop.Summary
    {
        let signals = StopSignals(grace: grace, run: run) { await loop.requestStop(.interrupted) }
        defer { signals.cancel() }
        let summary = try await loop.run(seeds: seeds)
        printer.finish()
        return summary
    }
}

extension RunSetup {
    /// The proposer: an LLM ensemble when an endpoint is configured (the environment's `EVOLVE_LLM_*`
    /// override the file's `llm:` section), else the offline mutator with the seed's `mutations:` ranges.
    static func proposer(
        _ settings: RunSettings, manifest: RunManifest, seeds: [Program], say: @escaping @Sendable (String) -> Void
    ) async throws -> any Proposer {
        var endpoints: [Endpoint] = []
        do {
            if let endpoint = try Endpoint.fromEnvironment() {
                endpoints = [endpoint]
            } else if let base = settings.llm.apiBase {
                for model in settings.llm.models.isEmpty ? [(name: "", weight: 1.0)] : settings.llm.models {
                    var environment = ProcessInfo.processInfo.environment
                    environment["EVOLVE_LLM_BASE_URL"] = base
                    environment["EVOLVE_LLM_MODEL"] = model.name
                    if let key = settings.llm.apiKeyEnv { environment["EVOLVE_LLM_API_KEY_ENV"] = key }
                    guard let endpoint = try Endpoint.fromEnvironment(environment) else { continue }
                    endpoints.append(endpoint)
                }
            }
        } catch {
            throw CommandError("LLM endpoint: \(error)")
        }
        guard !endpoints.isEmpty else {
            let space: MutationSpace
            do {
                space = try MutationSpace(settings.file.mutations, path: manifest.configFile ?? "evolve.yaml")
            } catch {
                throw ConfigError("\(error)")
            }
            let mutator = OfflineMutator(space: space, limits: settings.limits)
            for seed in seeds {
                do {
                    try mutator.validate(seed.files)
                } catch {
                    throw ConfigError("\(manifest.configFile ?? "evolve.yaml"): mutations: \(error)")
                }
            }
            say("proposer: offline mutator (no LLM endpoint configured; set EVOLVE_LLM_BASE_URL and EVOLVE_LLM_MODEL to use a model)")
            return mutator
        }
        var configuration = LLMProposerConfiguration()
        configuration.prompt = settings.prompt
        configuration.limits = settings.limits
        for model in settings.llm.models { configuration.weights[model.name] = model.weight }
        var policy = RetryPolicy()
        policy.budgetUSD = settings.run.maxSpendUSD
        let clients = endpoints.map { endpoint -> ChatClient in
            var endpoint = endpoint
            if let value = settings.llm.temperature { endpoint.temperature = value }
            if let value = settings.llm.maxTokens { endpoint.maxTokens = value }
            if let value = settings.llm.timeout { endpoint.totalTimeout = value }
            return ChatClient(endpoint: endpoint, policy: policy)
        }
        for endpoint in endpoints { say("proposer: \(endpoint.describe())") }
        return await LLMProposer(clients: clients, configuration: configuration)
    }
}
