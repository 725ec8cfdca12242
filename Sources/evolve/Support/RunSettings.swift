import EvolveConfig
import EvolveCore
import Foundation
import Proposers

/// The run's settings as the engine's types: the file's one model (`EvolveFile`, read and checked by
/// EvolveConfig) poured into `RunConfig`, `DatabaseConfig`, the prompt, the patch limits and the LLM
/// endpoint settings. This is the only place a key of `evolve.yaml` turns into an engine setting.
struct RunSettings {
    /// The file as read, for what the engine types do not hold (the brief, the entry, the mutations).
    var file = EvolveFile()
    var run = RunConfig()
    var database = DatabaseConfig()
    /// A user command that scores programs (the command evaluator) instead of the TRM benchmarks.
    var evaluatorCommand: [String]?
    /// Wall-clock and CPU seconds per evaluation of that command.
    var evaluatorTimeout: Double?
    /// `evaluator.queue`: the PostgreSQL queue the run's evaluations go to (`evolve worker` runs them).
    var evaluatorQueue: String?
    var llm = LLMSettings()
    /// How large the LLM proposer's prompt may get (`prompt.token_budget`) and how many of the island's
    /// best programs it shows (`prompt.num_top_programs`, OpenEvolve's name).
    var prompt = PromptConfiguration()
    /// What every proposer's child must meet before it is evaluated (`max_file_bytes`).
    var limits = PatchLimits()

    struct LLMSettings {
        var apiBase: String?
        var models: [(name: String, weight: Double)] = []
        var apiKeyEnv: String?
        var temperature: Double?
        var maxTokens: Int?
        var timeout: Double?
    }

    /// A key or a value of the file that cannot work (the one error type of the file's reader).
    typealias Failure = ConfigError

    /// Reads the YAML text of `path` into the engine's settings.
    static func parse(_ text: String, path: String) throws -> RunSettings {
        RunSettings(try EvolveFile.parse(text, path: path))
    }

    init(_ file: EvolveFile = EvolveFile()) {
        self.file = file
        run.maxIterations = file.stop.maxIterations
        run.maxHours = file.stop.maxHours
        run.maxSpendUSD = file.stop.maxSpendUSD
        run.targetScore = file.stop.targetScore
        run.maxOutageSeconds = file.stop.maxOutageSeconds
        run.maxEvaluations = file.stop.maxEvaluations
        // The registry allows only the three names; the default stands for nothing else.
        run.strategy = SearchStrategy(rawValue: file.search.strategy) ?? .mapElites
        run.randomSeed = file.search.randomSeed
        if let parallel = file.search.parallel { run.parallel = parallel }
        run.proposalLookahead = file.search.proposalLookahead
        run.crossoverRate = file.search.crossoverRate
        run.racing = RacingRule(
            repeats: file.racing.repeats, margin: file.racing.margin, noiseFloor: file.racing.noiseFloor, endsWhenDecided: file.racing.endDecidedRaces)
        run.freshSeeds = file.racing.freshSeeds
        run.scaleCheck = ScaleCheckMode(rawValue: file.racing.scaleCheck) ?? .auto
        run.driftThreshold = file.racing.driftThreshold
        run.gapThreshold = file.racing.gapThreshold
        run.controlRuns = file.racing.controlRuns

        database.islands = file.database.islands
        database.migrationInterval = file.database.migrationInterval
        database.migrationRate = file.database.migrationRate
        database.populationCap = file.database.populationSize
        database.archiveSize = file.database.archiveSize
        database.exploration = file.database.explorationRatio
        database.exploitation = file.database.exploitationRatio
        database.stagnationGenerations = file.database.stagnationGenerations
        database.islandFloor = file.database.islandFloor
        database.selectionTemperature = file.database.selectionTemperature
        if let dimensions = file.database.featureDimensions {
            // The reader has checked min < max, bins ≥ 1 and a positive minimum on a log scale.
            database.features = FeatureSpace(dimensions.map {
                FeatureDimension(name: $0.name, minimum: $0.min, maximum: $0.max, bins: $0.bins, scale: $0.log ? .log : .linear)
            })
        } else if file.evaluator.command != nil {
            // A user command reports no TRM descriptors: place its programs by code length and by distance from the seed.
            database.features = FeatureSpace([.codeLength, .editDistance])
        }

        evaluatorCommand = file.evaluator.command
        evaluatorTimeout = file.evaluator.timeout
        evaluatorQueue = file.evaluator.queue
        // The registry allows only off, on and shadow.
        if let mode = file.evaluator.earlyStop.flatMap(EarlyStopRule.Mode.init(rawValue:)) { run.earlyStop.mode = mode }
        if let minimum = file.evaluator.earlyStopMinFinished { run.earlyStop.minFinished = minimum }
        if let z = file.evaluator.earlyStopZ { run.earlyStop.z = z }
        llm = LLMSettings(
            apiBase: file.llm.apiBase, models: file.llm.models.map { ($0.name, $0.weight) }, apiKeyEnv: file.llm.apiKeyEnv,
            temperature: file.llm.temperature, maxTokens: file.llm.maxTokens, timeout: file.llm.timeout)
        prompt.tokenBudget = file.prompt.tokenBudget
        prompt.topPrograms = file.prompt.numTopPrograms
        // The sampler offers `topInspirations + 1` cell elites; more top programs than the default shows need more offered.
        if file.prompt.numTopPrograms > 3 { database.topInspirations = max(database.topInspirations, file.prompt.numTopPrograms) }
        limits.maxFileBytes = file.maxFileBytes
    }
}
