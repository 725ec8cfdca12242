import Foundation
import Yams

/// A value or a key of `evolve.yaml` that cannot work, in one line: the file, the key, the cause and what to
/// write instead. Every reader of the file throws this, so the CLI reports it as the user's mistake (exit 2).
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads the YAML tree of an `evolve.yaml` into an `EvolveFile`: every mapping's keys are checked against
/// `KeyRegistry` (the top level, each section, each entry of `feature_dimensions`, `llm.models` and
/// `benchmarks`), and every value against its key's kind and bounds, before anything is used.
struct EvolveFileReader {
    let path: String

    func read(_ text: String) throws -> EvolveFile {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw ConfigError("\(path): \(Self.oneLine(error)); not valid YAML, fix the file's syntax")
        }
        var file = EvolveFile()
        guard let root, !isNull(root) else { return file }
        let top = try entries(root, at: .top, location: "the top level")
        let evolution = try top["evolution"].map { try entries($0, at: .run, location: "evolution") } ?? [:]
        // OpenEvolve writes the run keys at the top; evolve also takes them inside `evolution:`. The top wins.
        try readRun(evolution.merging(top) { _, top in top }, into: &file)
        try readProgram(top, into: &file)
        if let node = top["database"] { try readDatabase(try entries(node, at: .database, location: "database"), into: &file) }
        if let node = top["evaluator"] { try readEvaluator(try entries(node, at: .evaluator, location: "evaluator"), into: &file) }
        if let node = top["llm"] { try readLLM(try entries(node, at: .llm, location: "llm"), into: &file) }
        if let node = top["prompt"] {
            let prompt = try entries(node, at: .prompt, location: "prompt")
            try whole(prompt, "token_budget", .prompt).map { file.prompt.tokenBudget = $0 }
            try whole(prompt, "num_top_programs", .prompt).map { file.prompt.numTopPrograms = $0 }
        }
        if let node = top["mutations"] { file.mutations = try mutations(node) }
        if let node = top["benchmarks"] { file.benchmarks = try benchmarks(node) }
        if let node = top["transfer"] { file.transfer = try benchmarks(node, key: "transfer") }
        return file
    }

    func readProgram(_ top: [String: Node], into file: inout EvolveFile) throws {
        file.program.language = try text(top, "language", .top)
        file.program.entry = try text(top, "entry", .top)
        file.program.brief = try text(top, "brief", .top)
        file.program.suite = try text(top, "suite", .top)
        // A data seed may use all 64 bits (the evaluator decodes it as UInt64); other whole numbers fit an Int.
        if let text = top["seed"]?.scalar?.string, let seed = UInt64(text) {
            file.program.seed = seed
        } else {
            file.program.seed = try whole(top, "seed", .top).map(UInt64.init)
        }
        if let text = top["data_key"]?.scalar?.string, let key = UInt64(text) {
            file.program.dataKey = key
        } else {
            file.program.dataKey = try whole(top, "data_key", .top).map(UInt64.init)
        }
        try choice(top, "compute_check", .top).map { file.compute.check = $0 }
        try number(top, "compute_factor", .top).map { file.compute.factor = $0 }
        try number(top, "wall_factor", .top).map { file.compute.wallFactor = $0 }
    }

    func readRun(_ run: [String: Node], into file: inout EvolveFile) throws {
        file.stop.maxIterations = try whole(run, "max_iterations", .run)
        file.stop.maxHours = try number(run, "max_hours", .run)
        file.stop.maxSpendUSD = try number(run, "max_spend_usd", .run)
        file.stop.targetScore = try number(run, "target_score", .run)
        try number(run, "max_outage_seconds", .run).map { file.stop.maxOutageSeconds = $0 }
        file.stop.maxEvaluations = try whole(run, "max_evaluations", .run)
        try choice(run, "strategy", .run).map { file.search.strategy = $0 }
        try whole(run, "random_seed", .run).map { file.search.randomSeed = UInt64($0) }
        file.search.parallel = try whole(run, "parallel", .run)
        file.search.proposalLookahead = try whole(run, "proposal_lookahead", .run)
        try number(run, "crossover_rate", .run).map { file.search.crossoverRate = $0 }
        try whole(run, "repeats", .run).map { file.racing.repeats = $0 }
        try number(run, "margin", .run).map { file.racing.margin = $0 }
        try number(run, "noise_floor", .run).map { file.racing.noiseFloor = $0 }
        try flag(run, "end_decided_races", .run).map { file.racing.endDecidedRaces = $0 }
        file.racing.freshSeeds = try whole(run, "fresh_seeds", .run)
        try number(run, "drift_threshold", .run).map { file.racing.driftThreshold = $0 }
        try number(run, "gap_threshold", .run).map { file.racing.gapThreshold = $0 }
        try whole(run, "control_runs", .run).map { file.racing.controlRuns = $0 }
        try choice(run, "scale_check", .run).map { file.racing.scaleCheck = $0 }
        try whole(run, "max_file_bytes", .run).map { file.maxFileBytes = $0 }
    }

    func readDatabase(_ database: [String: Node], into file: inout EvolveFile) throws {
        try whole(database, "num_islands", .database).map { file.database.islands = $0 }
        try whole(database, "migration_interval", .database).map { file.database.migrationInterval = $0 }
        try number(database, "migration_rate", .database).map { file.database.migrationRate = $0 }
        try whole(database, "population_size", .database).map { file.database.populationSize = $0 }
        try whole(database, "archive_size", .database).map { file.database.archiveSize = $0 }
        try number(database, "exploration_ratio", .database).map { file.database.explorationRatio = $0 }
        try number(database, "exploitation_ratio", .database).map { file.database.exploitationRatio = $0 }
        try whole(database, "stagnation_generations", .database).map { file.database.stagnationGenerations = $0 }
        try number(database, "island_floor", .database).map { file.database.islandFloor = $0 }
        try number(database, "selection_temperature", .database).map { file.database.selectionTemperature = $0 }
        guard let node = database["feature_dimensions"] else { return }
        let form = "database.feature_dimensions must be a list of {name, min, max, bins, scale}"
        guard let list = node.sequence, !list.isEmpty else { throw ConfigError("\(path): \(form)") }
        file.database.featureDimensions = try list.enumerated().map { index, item in
            guard item.mapping != nil else {
                throw ConfigError("\(path): \(form); OpenEvolve's list of names (\(item.string ?? "…")) has no ranges, so give each axis its own entry")
            }
            let entry = try entries(item, at: .featureDimension, location: "database.feature_dimensions[\(index)]")
            guard let name = try text(entry, "name", .featureDimension) else {
                throw ConfigError("\(path): database.feature_dimensions[\(index)] has no name; name the descriptor it reads, e.g. name: code_length")
            }
            var dimension = EvolveFile.FeatureDimension(name: name)
            try number(entry, "min", .featureDimension).map { dimension.min = $0 }
            try number(entry, "max", .featureDimension).map { dimension.max = $0 }
            try whole(entry, "bins", .featureDimension).map { dimension.bins = $0 }
            dimension.log = try choice(entry, "scale", .featureDimension) == "log"
            guard dimension.max > dimension.min, !dimension.log || dimension.min > 0 else {
                throw ConfigError("\(path): feature dimension '\(name)' needs min < max, bins > 0 and, on a log scale, min > 0")
            }
            return dimension
        }
    }

    func readEvaluator(_ evaluator: [String: Node], into file: inout EvolveFile) throws {
        if let node = evaluator["command"] {
            let words = node.sequence?.compactMap { $0.scalar.map(\.string) } ?? []
            guard !words.isEmpty, words.count == node.sequence?.count else {
                throw ConfigError("\(path): evaluator.command must be a list of words, e.g. [python3, evaluate.py]")
            }
            file.evaluator.command = words
        }
        file.evaluator.timeout = try number(evaluator, "timeout", .evaluator)
        file.evaluator.queue = try text(evaluator, "queue", .evaluator)
        file.evaluator.earlyStop = try choice(evaluator, "early_stop", .evaluator)
        file.evaluator.earlyStopMinFinished = try whole(evaluator, "early_stop_min_finished", .evaluator)
        file.evaluator.earlyStopZ = try number(evaluator, "early_stop_z", .evaluator)
        // OpenEvolve's name for `parallel`; written in the evaluator section, it wins over the run key.
        try whole(evaluator, "parallel_evaluations", .evaluator).map { file.search.parallel = $0 }
    }

    func readLLM(_ llm: [String: Node], into file: inout EvolveFile) throws {
        file.llm.apiBase = try text(llm, "api_base", .llm)
        file.llm.apiKeyEnv = try text(llm, "api_key_env", .llm)
        file.llm.temperature = try number(llm, "temperature", .llm)
        file.llm.maxTokens = try whole(llm, "max_tokens", .llm)
        file.llm.timeout = try number(llm, "timeout", .llm)
        guard let node = llm["models"] else { return }
        guard let list = node.sequence else { throw ConfigError("\(path): llm.models must be a list of {name, weight}, e.g. [{name: gpt-4.1-mini, weight: 1}]") }
        file.llm.models = try list.enumerated().map { index, item in
            let entry = try entries(item, at: .model, location: "llm.models[\(index)]")
            guard let name = try text(entry, "name", .model) else {
                throw ConfigError("\(path): llm.models[\(index)] has no name; every llm.models entry needs a name (the model sent to the endpoint)")
            }
            return EvolveFile.Model(name: name, weight: try number(entry, "weight", .model) ?? 1)
        }
    }

    func mutations(_ node: Node) throws -> [String: EvolveFile.Mutation] {
        guard let mapping = node.mapping else {
            throw ConfigError("\(path): `mutations:` must map constant names to ranges, e.g. `hidden: 16...256, log`")
        }
        var result: [String: EvolveFile.Mutation] = [:]
        for (key, value) in mapping {
            let name = key.string ?? "?"
            if let list = value.sequence {
                result[name] = .choices(try list.map { item in
                    guard let scalar = item.scalar else { throw ConfigError("\(path): mutations.\(name): a list of values holds scalars, e.g. [1, 2, 4]") }
                    switch Self.tag(item) {
                    case .bool: return .flag(item.bool ?? false)
                    case .int: return item.int.map(EvolveFile.Literal.whole) ?? .text(scalar.string)
                    case .float: return item.float.map(EvolveFile.Literal.number) ?? .text(scalar.string)
                    default: return .text(scalar.string)
                    }
                })
            } else if let scalar = value.scalar {
                result[name] = .range(scalar.string)
            } else {
                throw ConfigError("\(path): mutations.\(name): '\(Self.oneLine(value))' is not a range; write `lower...upper`, `[value, value, …]` or `fixed`")
            }
        }
        return result
    }

    // MARK: - Keys and typed values, checked against the registry

    /// The keys of the mapping `node`, after checking each against the registry's names at `place`.
    func entries(_ node: Node, at place: ConfigKey.Place, location: String) throws -> [String: Node] {
        guard let mapping = node.mapping else {
            throw ConfigError("\(path): \(location) must be a mapping of keys (found \(Self.oneLine(node)))")
        }
        let known = KeyRegistry.names(at: place)
        var result: [String: Node] = [:]
        var unknown: [String] = []
        for (key, value) in mapping {
            let name = key.string ?? Self.oneLine(key)
            if known.contains(name) { result[name] = value } else { unknown.append(name) }
        }
        guard unknown.isEmpty else {
            var hints: [String: String] = [:]
            if place == .top {
                for key in KeyRegistry.names(at: .benchmark) where !known.contains(key) {
                    hints[key] = "a benchmark key; put it inside an entry of benchmarks:"
                }
            } else if place == .benchmark {
                for key in KeyRegistry.names(at: .top) where !known.contains(key) {
                    hints[key] = "a top-level key of evolve.yaml, not of a benchmark entry"
                }
            }
            hints.merge(Self.openEvolveForms[place] ?? [:]) { mine, _ in mine }
            // In a section the nearest key is named by its path (`did you mean evolution.repeats?`), to copy as is.
            let prefix: String? = switch place {
            case .run, .database, .evaluator, .llm, .prompt: place.rawValue
            default: nil
            }
            let error = ConfigKeys.Unknown(location: location, keys: unknown.sorted(), known: known, hints: hints, section: prefix)
            throw ConfigError("\(path): \(error.description)")
        }
        return result
    }

    /// OpenEvolve's keys that evolve writes in another form: the error says which (docs/configuration.md).
    static let openEvolveForms: [ConfigKey.Place: [String: String]] = [
        .llm: [
            "api_key": "keys never go in files; name the variable that holds it with llm.api_key_env",
            "primary_model": "write the ensemble as llm.models: [{name: …, weight: …}]",
            "secondary_model": "write the ensemble as llm.models: [{name: …, weight: …}]",
        ],
        .database: ["feature_bins": "give bins per axis in database.feature_dimensions: [{name, min, max, bins, scale}]"],
    ]

    /// The node's resolved YAML tag (`int`, `float`, `str`, …): what the value is, as the YAML spec reads it.
    static func tag(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    func isNull(_ node: Node) -> Bool { node.scalar != nil && Self.tag(node) == .null }

    /// The value of `name` unless absent or null, with its registry entry.
    func value(_ map: [String: Node], _ name: String, _ place: ConfigKey.Place) -> (node: Node, key: ConfigKey)? {
        guard let node = map[name], !isNull(node), let key = KeyRegistry.key(name, at: place) else { return nil }
        return (node, key)
    }

    func bounded(_ number: Double, _ key: ConfigKey) throws {
        guard let bounds = key.bounds, !bounds.contains(number) else { return }
        throw ConfigError("\(path): \(key.path) must be \(bounds.words) (got \(ConfigKey.Bounds.short(number))); \(key.doc)")
    }

    func whole(_ map: [String: Node], _ name: String, _ place: ConfigKey.Place) throws -> Int? {
        guard let (node, key) = value(map, name, place) else { return nil }
        if Self.tag(node) == .int, let exact = node.int {
            try bounded(Double(exact), key)
            return exact
        }
        let number: Double? = Self.tag(node) == .float ? node.float : nil
        // Beyond 2^53 a double is no longer a whole number one can trust, and Int(1e300) would trap.
        guard let number, number.isFinite, number == number.rounded(), abs(number) < 9.0e15 else {
            throw ConfigError("\(path): \(key.path) must be a whole number, got \(Self.oneLine(node))")
        }
        try bounded(number, key)
        return Int(number)
    }

    func number(_ map: [String: Node], _ name: String, _ place: ConfigKey.Place) throws -> Double? {
        guard let (node, key) = value(map, name, place) else { return nil }
        let number: Double? = Self.tag(node) == .int ? node.int.map(Double.init) : Self.tag(node) == .float ? node.float : nil
        guard let number, !number.isNaN else { throw ConfigError("\(path): \(key.path) must be a number, got \(Self.oneLine(node))") }
        try bounded(number, key)
        return number
    }

    func flag(_ map: [String: Node], _ name: String, _ place: ConfigKey.Place) throws -> Bool? {
        guard let (node, key) = value(map, name, place) else { return nil }
        guard Self.tag(node) == .bool, let flag = node.bool else {
            throw ConfigError("\(path): \(key.path) must be true or false, got \(Self.oneLine(node))")
        }
        return flag
    }

    func text(_ map: [String: Node], _ name: String, _ place: ConfigKey.Place) throws -> String? {
        guard let (node, key) = value(map, name, place) else { return nil }
        guard let scalar = node.scalar else { throw ConfigError("\(path): \(key.path) must be text, got \(Self.oneLine(node))") }
        return scalar.string
    }

    func choice(_ map: [String: Node], _ name: String, _ place: ConfigKey.Place) throws -> String? {
        guard let (node, key) = value(map, name, place), case .choice(let words) = key.kind else { return nil }
        guard let word = node.scalar?.string, words.contains(word) else {
            let listed = words.dropLast().joined(separator: ", ") + " or " + (words.last ?? "")
            throw ConfigError("\(path): \(key.path): expected \(listed), found \"\(Self.oneLine(node))\"")
        }
        return word
    }

    /// A parser message or a node on one line (Yams puts a caret under the offending column on a line of its own).
    static func oneLine(_ value: Any) -> String {
        let text: String
        if let node = value as? Node { text = (try? Yams.serialize(node: node)) ?? "\(node)" } else { text = "\(value)" }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.allSatisfy { $0 == "^" } }.joined(separator: " ")
    }
}
