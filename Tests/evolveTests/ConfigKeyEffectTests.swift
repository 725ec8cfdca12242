import EvolveConfig
import EvolveCore
import Proposers
import Foundation
import Testing
@testable import evolve

/// Every key of docs/configuration.md that the run reads reaches the engine setting it documents: each row
/// sets one key to a value other than its default and checks the setting that changes (keys read by the
/// evaluators — `benchmarks:`, `compute_*`, `wall_factor`, `seed`, `suite` — are tested in EvaluatorsTests;
/// `mutations:` in ProposersTests; `brief` and `entry` through the binary below).
@Suite struct ConfigKeyEffectTests {
    typealias Check = @Sendable (RunSettings) -> Bool

    static let rows: [(String, String, Check)] = [
        ("max_iterations", "max_iterations: 7", { $0.run.maxIterations == 7 }),
        ("max_hours", "max_hours: 2.5", { $0.run.maxHours == 2.5 }),
        ("max_spend_usd", "max_spend_usd: 3", { $0.run.maxSpendUSD == 3 }),
        ("target_score", "target_score: 0.9", { $0.run.targetScore == 0.9 }),
        ("max_outage_seconds", "max_outage_seconds: 60", { $0.run.maxOutageSeconds == 60 }),
        ("max_evaluations", "max_evaluations: 40", { $0.run.maxEvaluations == 40 }),
        ("strategy", "strategy: hill-climb", { $0.run.strategy == .hillClimb }),
        ("random_seed", "random_seed: 9", { $0.run.randomSeed == 9 }),
        ("parallel", "parallel: 5", { $0.run.parallel == 5 }),
        ("proposal_lookahead", "proposal_lookahead: 0", { $0.run.proposalLookahead == 0 }),
        ("crossover_rate", "crossover_rate: 0.5", { $0.run.crossoverRate == 0.5 }),
        ("repeats", "repeats: 2", { $0.run.racing.repeats == 2 }),
        ("margin", "margin: 2", { $0.run.racing.margin == 2 }),
        ("noise_floor", "noise_floor: 0.1", { $0.run.racing.noiseFloor == 0.1 }),
        ("end_decided_races", "end_decided_races: false", { !$0.run.racing.endsWhenDecided }),
        ("fresh_seeds", "fresh_seeds: 5", { $0.run.freshSeeds == 5 }),
        ("scale_check", "scale_check: on", { $0.run.scaleCheck == .on && $0.run.scaleCheckRuns }),
        ("drift_threshold", "drift_threshold: 0.3", { $0.run.driftThreshold == 0.3 }),
        ("gap_threshold", "gap_threshold: 0.3", { $0.run.gapThreshold == 0.3 }),
        ("control_runs", "control_runs: 1", { $0.run.controlRuns == 1 }),
        ("max_file_bytes", "max_file_bytes: 100", { $0.limits.maxFileBytes == 100 }),
        ("evolution:", "evolution:\n  max_iterations: 7", { $0.run.maxIterations == 7 }),
        ("num_islands", "database:\n  num_islands: 2", { $0.database.islands == 2 }),
        ("migration_interval", "database:\n  migration_interval: 5", { $0.database.migrationInterval == 5 }),
        ("migration_rate", "database:\n  migration_rate: 0.5", { $0.database.migrationRate == 0.5 }),
        ("population_size", "database:\n  population_size: 10", { $0.database.populationCap == 10 }),
        ("archive_size", "database:\n  archive_size: 5", { $0.database.archiveSize == 5 }),
        ("exploration_ratio", "database:\n  exploration_ratio: 0.5", { $0.database.exploration == 0.5 }),
        ("exploitation_ratio", "database:\n  exploitation_ratio: 0.4", { $0.database.exploitation == 0.4 }),
        ("stagnation_generations", "database:\n  stagnation_generations: 25", { $0.database.stagnationGenerations == 25 }),
        ("island_floor", "database:\n  island_floor: 0.2", { $0.database.islandFloor == 0.2 }),
        ("selection_temperature", "database:\n  selection_temperature: 0.2", { $0.database.selectionTemperature == 0.2 }),
        ("feature_dimensions", "database:\n  feature_dimensions:\n    - {name: code_length, min: 0, max: 100, bins: 4, scale: linear}\n    - {name: parameters, min: 10, max: 1000, bins: 2, scale: log}",
         { $0.database.features == FeatureSpace([
            FeatureDimension(name: "code_length", minimum: 0, maximum: 100, bins: 4),
            FeatureDimension(name: "parameters", minimum: 10, maximum: 1000, bins: 2, scale: .log)]) }),
        ("command", "evaluator:\n  command: [python3, eval.py]",
         { $0.evaluatorCommand == ["python3", "eval.py"] && $0.database.features == FeatureSpace([.codeLength, .editDistance]) }),
        ("timeout", "evaluator:\n  timeout: 300", { $0.evaluatorTimeout == 300 }),
        ("queue", "evaluator:\n  queue: postgresql://evolve@db/evolve", { $0.evaluatorQueue == "postgresql://evolve@db/evolve" }),
        ("early_stop", "evaluator:\n  early_stop: on", { $0.run.earlyStop.mode == .on }),
        ("early_stop_min_finished", "evaluator:\n  early_stop_min_finished: 50", { $0.run.earlyStop.minFinished == 50 }),
        ("early_stop_z", "evaluator:\n  early_stop_z: 3", { $0.run.earlyStop.z == 3 }),
        ("parallel_evaluations", "parallel: 2\nevaluator:\n  parallel_evaluations: 3", { $0.run.parallel == 3 }),
        ("api_base", "llm:\n  api_base: http://127.0.0.1:1/v1", { $0.llm.apiBase == "http://127.0.0.1:1/v1" }),
        ("models", "llm:\n  models:\n    - {name: a, weight: 2}\n    - {name: b}",
         { $0.llm.models.map(\.name) == ["a", "b"] && $0.llm.models.map(\.weight) == [2, 1] }),
        ("api_key_env", "llm:\n  api_key_env: MY_KEY", { $0.llm.apiKeyEnv == "MY_KEY" }),
        ("temperature", "llm:\n  temperature: 0.2", { $0.llm.temperature == 0.2 }),
        ("max_tokens", "llm:\n  max_tokens: 100", { $0.llm.maxTokens == 100 }),
        ("llm.timeout", "llm:\n  timeout: 30", { $0.llm.timeout == 30 }),
        ("token_budget", "prompt:\n  token_budget: 500", { $0.prompt.tokenBudget == 500 }),
        ("num_top_programs", "prompt:\n  num_top_programs: 6",
         { $0.prompt.topPrograms == 6 && $0.database.topInspirations >= 6 }),
        ("brief", "brief: NOTES.md", { $0.file.program.brief == "NOTES.md" }),
        ("entry", "entry: kernel.swift", { $0.file.program.entry == "kernel.swift" }),
        ("mutations", "mutations:\n  hidden: 16...256, log\n  heads: [1, 2]",
         { $0.file.mutations == ["hidden": .range("16...256, log"), "heads": .choices([.whole(1), .whole(2)])] }),
    ]

    @Test(arguments: rows.map { ($0.0, $0.1) })
    func theKeyReachesItsSetting(_ key: String, _ text: String) throws {
        let check = try #require(Self.rows.first { $0.0 == key }?.2)
        let settings = try RunSettings.parse(text + "\n", path: "evolve.yaml")
        #expect(check(settings), "\(key) did not act: \(text)")
        #expect(!check(RunSettings()), "\(key): the default already passes, so the row proves nothing")
    }

    /// OpenEvolve's keys that evolve does its own way load and change nothing.
    @Test func theIgnoredKeysLoadAndChangeNothing() throws {
        let defaults = RunSettings()
        for key in KeyRegistry.all where key.kind == .ignored {
            let text = key.place == .prompt ? "prompt:\n  \(key.name): 1\n" : "\(key.name): 1\n"
            let settings = try RunSettings.parse(text, path: "evolve.yaml")
            #expect(settings.run == defaults.run && settings.database == defaults.database && settings.prompt == defaults.prompt
                    && settings.limits == defaults.limits && settings.file == defaults.file, "\(key.path) changed a setting")
        }
        #expect(try RunSettings.parse("proposer:\n  anything: [1, 2]\n", path: "evolve.yaml").file == defaults.file)
    }

    /// The model's defaults are the engine's: a file without a key runs as the engine would without a file.
    @Test func theModelsDefaultsAreTheEnginesDefaults() {
        let settings = RunSettings()
        var engine = RunConfig()
        engine.parallel = settings.run.parallel
        #expect(settings.run == engine)
        #expect(settings.database == DatabaseConfig())
        #expect(settings.prompt == PromptConfiguration() && settings.limits == PatchLimits())
    }

    /// `evolve init`'s template names every key a seed can use (commented where it is an example).
    @Test func theInitTemplateNamesEveryKey() {
        let template = SeedTemplate.configuration
        // `suite:` replaces the benchmarks the template lists, `evolution:` holds keys the template writes at the
        // top, `proposer:` is OpenEvolve's and unread; the list entries' keys are written inline (`{name, …}`).
        let elsewhere = ["suite", "evolution", "proposer"]
        for key in KeyRegistry.all where key.kind != .ignored && !elsewhere.contains(key.name) {
            #expect(template.contains("\(key.name):"), "the template lacks \(key.path)")
        }
    }
}
