import Evaluators
import EvolveCore
import Foundation
import Yams

/// The run-level sections of `evolve.yaml` (beside the benchmarks that `ProgramConfig` reads): when to
/// stop, the search, the database, the evaluator and the LLM. OpenEvolve's key names are accepted where
/// they mean the same thing, so a user can bring their config.
struct RunSettings {
    var run = RunConfig()
    var database = DatabaseConfig()
    /// A user command that scores programs (the command evaluator) instead of the TRM benchmarks.
    var evaluatorCommand: [String]?
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

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the run sections of the YAML text of `path`.
    static func parse(_ text: String, path: String) throws -> RunSettings {
        let root: [String: Any]
        do {
            root = (try Yams.load(yaml: text) as? [String: Any]) ?? [:]
        } catch {
            throw Failure(description: "\(path): not valid YAML: \(Self.oneLine(error)); fix the file's syntax")
        }
        var settings = RunSettings()
        var featuresGiven = false
        let reader = Reader(path: path)
        try reader.checkKeys(root, known: ProgramConfig.topLevelKeys, section: nil)
        for (section, known) in sectionKeys {
            if let body = root[section] as? [String: Any] { try reader.checkKeys(body, known: known, section: section) }
        }
        let evolution = try reader.section(root, "evolution") ?? [:]
        let top = root.merging(evolution) { a, _ in a }
        if let value = try reader.int(top, "max_iterations") { settings.run.maxIterations = value }
        if let value = try reader.double(top, "max_hours") { settings.run.maxHours = value }
        if let value = try reader.double(top, "max_spend_usd") { settings.run.maxSpendUSD = value }
        if let value = try reader.double(top, "target_score") { settings.run.targetScore = value }
        if let value = try reader.int(top, "random_seed") { settings.run.randomSeed = UInt64(max(0, value)) }
        if let value = try reader.string(top, "strategy") { settings.run.strategy = try reader.strategy(value) }
        if let value = try reader.int(top, "parallel") { settings.run.parallel = value }
        if let value = try reader.double(top, "crossover_rate") { settings.run.crossoverRate = value }
        if let value = try reader.double(top, "max_outage_seconds") { settings.run.maxOutageSeconds = value }
        if let value = try reader.int(top, "max_evaluations") { settings.run.maxEvaluations = value }
        if let value = try reader.int(top, "repeats") { settings.run.racing.repeats = value }
        if let value = try reader.double(top, "margin") { settings.run.racing.margin = value }
        if let value = try reader.double(top, "noise_floor") { settings.run.racing.noiseFloor = value }
        if let value = try reader.int(top, "fresh_seeds") { settings.run.freshSeeds = value }
        if let value = try reader.double(top, "drift_threshold") { settings.run.driftThreshold = value }
        if let value = try reader.double(top, "gap_threshold") { settings.run.gapThreshold = value }
        if let value = try reader.int(top, "control_runs") { settings.run.controlRuns = value }
        if let value = try reader.int(top, "max_file_bytes") {
            guard value >= 1 else { throw Failure(description: "\(path): max_file_bytes must be at least 1 (got \(value))") }
            settings.limits.maxFileBytes = value
        }
        if let prompt = try reader.section(root, "prompt") {
            if let value = try reader.int(prompt, "token_budget") {
                guard value >= 1 else { throw Failure(description: "\(path): prompt.token_budget must be at least 1 (got \(value))") }
                settings.prompt.tokenBudget = value
            }
            if let value = try reader.int(prompt, "num_top_programs") {
                guard value >= 0 else { throw Failure(description: "\(path): prompt.num_top_programs must be at least 0 (got \(value))") }
                settings.prompt.topPrograms = value
            }
        }

        if let database = try reader.section(root, "database") {
            if let value = try reader.int(database, "num_islands") { settings.database.islands = value }
            if let value = try reader.int(database, "migration_interval") { settings.database.migrationInterval = value }
            if let value = try reader.double(database, "migration_rate") { settings.database.migrationRate = value }
            if let value = try reader.int(database, "population_size") { settings.database.populationCap = value }
            if let value = try reader.int(database, "archive_size") { settings.database.archiveSize = value }
            if let value = try reader.double(database, "exploration_ratio") { settings.database.exploration = value }
            if let value = try reader.double(database, "exploitation_ratio") { settings.database.exploitation = value }
            if let dimensions = database["feature_dimensions"] {
                guard let list = dimensions as? [[String: Any]], !list.isEmpty else {
                    throw Failure(description: "\(path): database.feature_dimensions must be a list of {name, min, max, bins, scale}")
                }
                settings.database.features = FeatureSpace(try list.map { try reader.dimension($0) })
                featuresGiven = true
            }
        }
        if let evaluator = try reader.section(root, "evaluator") {
            if let value = evaluator["command"] {
                guard let words = value as? [String], !words.isEmpty else {
                    throw Failure(description: "\(path): evaluator.command must be a list of words, e.g. [python3, evaluate.py]")
                }
                settings.evaluatorCommand = words
            }
            if let value = try reader.double(evaluator, "timeout") { settings.evaluatorTimeout = value }
            if let value = try reader.string(evaluator, "queue") { settings.evaluatorQueue = value }
            if let value = try reader.int(evaluator, "parallel_evaluations") { settings.run.parallel = value }
        }
        if let llm = try reader.section(root, "llm") {
            settings.llm.apiBase = try reader.string(llm, "api_base")
            settings.llm.apiKeyEnv = try reader.string(llm, "api_key_env")
            settings.llm.temperature = try reader.double(llm, "temperature")
            settings.llm.maxTokens = try reader.int(llm, "max_tokens")
            settings.llm.timeout = try reader.double(llm, "timeout")
            if let models = llm["models"] as? [[String: Any]] {
                for model in models {
                    guard let name = model["name"] as? String else { throw Failure(description: "\(path): every llm.models entry needs a name") }
                    settings.llm.models.append((name, (model["weight"] as? Double) ?? Double(model["weight"] as? Int ?? 1)))
                }
            }
        }
        // A user command reports no TRM descriptors: place its programs by code length and by distance
        // from the seed, unless the file says otherwise.
        if settings.evaluatorCommand != nil && !featuresGiven {
            settings.database.features = FeatureSpace([.codeLength, .editDistance])
        }
        guard settings.run.racing.repeats >= 1, settings.run.racing.margin >= 0, settings.run.racing.noiseFloor >= 0,
              (settings.run.freshSeeds ?? 1) >= 0 else {
            throw Failure(description: "\(path): repeats must be at least 1, and margin, noise_floor and fresh_seeds at least 0")
        }
        guard settings.run.controlRuns >= 1 else {
            throw Failure(description: "\(path): control_runs must be at least 1 (got \(settings.run.controlRuns))")
        }
        guard settings.run.parallel >= 1 else {
            throw Failure(description: "\(path): parallel must be at least 1 (got \(settings.run.parallel))")
        }
        return settings
    }

    /// The keys each run section knows (OpenEvolve's names where the meaning is the same).
    static let sectionKeys: [String: [String]] = [
        "evolution": ["max_iterations", "max_hours", "max_spend_usd", "target_score", "random_seed", "strategy", "parallel",
                      "crossover_rate", "max_outage_seconds", "max_evaluations", "repeats", "margin", "noise_floor", "fresh_seeds",
                      "drift_threshold", "gap_threshold", "control_runs", "max_file_bytes"],
        "database": ["num_islands", "migration_interval", "migration_rate", "population_size", "archive_size",
                     "exploration_ratio", "exploitation_ratio", "feature_dimensions"],
        "evaluator": ["command", "timeout", "parallel_evaluations", "queue"],
        "llm": ["api_base", "models", "api_key_env", "temperature", "max_tokens", "timeout"],
        "prompt": ["token_budget", "num_top_programs"] + openEvolvePromptKeys,
    ]

    /// OpenEvolve's `prompt:` keys that evolve accepts and ignores (it writes its prompts its own way), so
    /// an OpenEvolve config still loads while a misspelt key in this section is an error.
    static let openEvolvePromptKeys = [
        "template_dir", "system_message", "evaluator_system_message", "num_diverse_programs", "use_template_stochasticity",
        "template_variations", "use_meta_prompting", "meta_prompt_weight", "include_artifacts", "max_artifact_bytes",
        "artifact_security_filter", "suggest_simplification_after_chars", "include_changes_under_chars",
        "concise_implementation_max_lines", "comprehensive_implementation_min_lines", "diff_summary_max_line_len",
        "diff_summary_max_lines",
    ]

    /// A parser message on one line (Yams puts the offending line and a caret under it on lines of their own).
    static func oneLine(_ error: Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.allSatisfy { $0 == "^" } }
            .joined(separator: " ")
    }

    /// Typed reads that name the file and the key when a value has the wrong type.
    struct Reader {
        let path: String

        /// An unknown key is an error naming the file, the key and the nearest known one.
        func checkKeys(_ body: [String: Any], known: [String], section: String?) throws {
            for key in body.keys.sorted() where !known.contains(key) {
                let place = section.map { "\($0).\(key)" } ?? key
                let hint = ConfigKeys.nearest(to: key, in: known).map { " (did you mean \(section.map { "\($0)." } ?? "")\($0)?)" } ?? ""
                throw Failure(description: "\(path): unknown key '\(place)'\(hint); known keys here: \(known.joined(separator: ", "))")
            }
        }

        func section(_ root: [String: Any], _ key: String) throws -> [String: Any]? {
            guard let value = root[key] else { return nil }
            guard let section = value as? [String: Any] else { throw Failure(description: "\(path): '\(key)' must be a section of keys") }
            return section
        }

        func int(_ root: [String: Any], _ key: String) throws -> Int? {
            guard let value = root[key] else { return nil }
            if let number = value as? Int { return number }
            if let number = value as? Double, number == number.rounded() { return Int(number) }
            throw Failure(description: "\(path): '\(key)' must be a whole number, got \(value)")
        }

        func double(_ root: [String: Any], _ key: String) throws -> Double? {
            guard let value = root[key] else { return nil }
            if let number = value as? Double { return number }
            if let number = value as? Int { return Double(number) }
            throw Failure(description: "\(path): '\(key)' must be a number, got \(value)")
        }

        func string(_ root: [String: Any], _ key: String) throws -> String? {
            guard let value = root[key] else { return nil }
            guard let text = value as? String else { throw Failure(description: "\(path): '\(key)' must be text, got \(value)") }
            return text
        }

        /// One feature dimension: `{name: parameters, min: 1e4, max: 1e7, bins: 6, scale: log}`.
        func dimension(_ entry: [String: Any]) throws -> FeatureDimension {
            guard let name = try string(entry, "name") else { throw Failure(description: "\(path): every feature dimension needs a name") }
            let minimum = try double(entry, "min") ?? 0, maximum = try double(entry, "max") ?? 1
            let bins = try int(entry, "bins") ?? 10
            let scale = try string(entry, "scale").map { text -> FeatureDimension.Scale in
                FeatureDimension.Scale(rawValue: text) ?? .linear
            } ?? .linear
            guard maximum > minimum, bins > 0, scale == .linear || minimum > 0 else {
                throw Failure(description: "\(path): feature dimension '\(name)' needs min < max, bins > 0 and, on a log scale, min > 0")
            }
            return FeatureDimension(name: name, minimum: minimum, maximum: maximum, bins: bins, scale: scale)
        }

        func strategy(_ text: String) throws -> SearchStrategy {
            guard let strategy = SearchStrategy(rawValue: text) else {
                let known = SearchStrategy.allCases.map(\.rawValue).joined(separator: ", ")
                throw Failure(description: "\(path): strategy '\(text)' is unknown; use one of \(known)")
            }
            return strategy
        }
    }
}
