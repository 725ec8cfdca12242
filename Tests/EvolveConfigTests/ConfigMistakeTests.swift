import EvolveConfig
import Testing

/// An unknown key at any level, and a value of the wrong type or out of range, is one line naming the file,
/// the key and (for a typo) the nearest known key: never a silent default, never a trap later.
@Suite struct ConfigMistakeTests {
    /// (the file, words the one-line error must hold)
    static let unknownKeys: [(String, [String])] = [
        ("max_iteratons: 3\n", ["the top level", "\"max_iteratons\"", "did you mean \"max_iterations\"?"]),
        ("evolution:\n  repeat: 3\n", ["\"evolution.repeat\"", "did you mean evolution.repeats?"]),
        ("database:\n  num_island: 2\n", ["\"database.num_island\"", "did you mean database.num_islands?"]),
        ("database:\n  feature_dimensions:\n    - {name: code_length, min: 0, max: 10, bins: 2, sclae: log}\n",
         ["database.feature_dimensions[0]", "\"sclae\"", "did you mean \"scale\"?"]),
        ("evaluator:\n  timout: 5\n", ["\"evaluator.timout\"", "did you mean evaluator.timeout?"]),
        ("llm:\n  temprature: 0.5\n", ["\"llm.temprature\"", "did you mean llm.temperature?"]),
        ("llm:\n  models:\n    - {name: m, wieght: 2}\n", ["llm.models[0]", "\"wieght\"", "did you mean \"weight\"?"]),
        ("prompt:\n  token_budjet: 900\n", ["\"prompt.token_budjet\"", "did you mean prompt.token_budget?"]),
        ("benchmarks:\n  - {name: s, trian: 5}\n", ["benchmarks[0] (\"s\")", "\"trian\"", "did you mean \"train\"?"]),
        ("llm:\n  primary_model: gpt-4.1\n", ["llm.primary_model"]),
        ("data: x\n", ["a benchmark key; put it inside an entry of benchmarks:"]),
        // OpenEvolve's keys evolve writes another way are refused, not dropped (docs/configuration.md).
        ("llm:\n  api_key: sk-123\n", ["\"llm.api_key\"", "name the variable that holds it with llm.api_key_env"]),
        ("database:\n  feature_bins: 10\n", ["\"database.feature_bins\"", "give bins per axis"]),
        ("database:\n  elite_selection_ratio: 0.1\n", ["\"database.elite_selection_ratio\""]),
        ("evaluator:\n  cascade_evaluation: true\n", ["\"evaluator.cascade_evaluation\""]),
        ("evolution:\n  iterations: 10\n", ["\"evolution.iterations\"", "did you mean evolution.max_iterations?"]),
    ]

    static let invalidValues: [(String, [String])] = [
        ("database:\n  num_islands: 0\n", ["database.num_islands must be from 1 to 1000 (got 0)"]),
        ("database:\n  migration_rate: 1.5\n", ["database.migration_rate must be from 0 to 1"]),
        ("database:\n  feature_dimensions:\n    - {name: code_length, min: 0, max: 10, bins: 2, scale: lgo}\n",
         ["database.feature_dimensions[].scale: expected linear or log, found \"lgo\""]),
        ("database:\n  feature_dimensions:\n    - {name: code_length, min: 5, max: 1}\n", ["feature dimension 'code_length' needs min < max"]),
        ("database:\n  feature_dimensions: [complexity, diversity]\n", ["{name, min, max, bins, scale}"]),
        ("database:\n  feature_dimensions:\n    - {min: 0, max: 1}\n", ["database.feature_dimensions[0] has no name"]),
        ("llm:\n  models:\n    - {name: m, weight: heavy}\n", ["llm.models[].weight must be a number, got heavy"]),
        ("llm:\n  models:\n    - {name: m, weight: 0}\n", ["llm.models[].weight must be greater than 0"]),
        ("llm:\n  models:\n    - {weight: 1}\n", ["every llm.models entry needs a name"]),
        ("llm:\n  models: gpt\n", ["llm.models must be a list of {name, weight}"]),
        ("random_seed: -1\n", ["random_seed must be at least 0 (got -1)"]),
        ("max_hours: .inf\n", ["max_hours must be greater than 0"]),
        ("max_iterations: 1e30\n", ["max_iterations must be a whole number"]),
        ("max_iterations: ten\n", ["max_iterations must be a whole number, got ten"]),
        ("parallel: 0\n", ["parallel must be at least 1 (got 0)"]),
        ("proposal_lookahead: -1\n", ["proposal_lookahead must be at least 0"]),
        ("crossover_rate: 2\n", ["crossover_rate must be from 0 to 1"]),
        ("strategy: greedy\n", ["strategy: expected map-elites, best-of-n or hill-climb, found \"greedy\""]),
        ("repeats: 0\n", ["repeats must be at least 1 (got 0)"]),
        ("evolution:\n  margin: -1\n", ["margin must be at least 0"]),
        ("control_runs: 0\n", ["control_runs must be at least 1"]),
        ("max_file_bytes: 0\n", ["max_file_bytes must be at least 1"]),
        ("evaluator:\n  timeout: 1e300\n", ["evaluator.timeout must be greater than 0 and at most 604800"]),
        ("evaluator:\n  command: python3 evaluate.py\n", ["evaluator.command must be a list of words"]),
        ("evaluator:\n  parallel_evaluations: 0\n", ["evaluator.parallel_evaluations must be at least 1"]),
        ("prompt:\n  num_top_programs: -1\n", ["prompt.num_top_programs must be from 0 to 20"]),
        ("prompt:\n  token_budget: 0\n", ["prompt.token_budget must be at least 1"]),
        ("compute_check: warn\n", ["compute_check: expected reject, flag or off, found \"warn\""]),
        ("compute_factor: 0.5\n", ["compute_factor must be at least 1"]),
        ("llm:\n  temperature: -1\n", ["llm.temperature must be from 0 to 2"]),
        ("mutations: fixed\n", ["`mutations:` must map constant names to ranges"]),
        ("database: 5\n", ["database must be a mapping of keys"]),
        ("max_iterations: [1\nfoo: : :\n", ["not valid YAML", "fix the file's syntax"]),
    ]

    func failure(_ text: String) -> String? {
        do {
            _ = try EvolveFile.parse(text, path: "/seed/evolve.yaml")
            return nil
        } catch let error as ConfigError {
            return error.description
        } catch {
            return "not a ConfigError: \(error)"
        }
    }

    @Test(arguments: unknownKeys + invalidValues)
    func aMistakeIsOneLineNamingTheFileAndTheKey(_ text: String, _ words: [String]) {
        guard let message = failure(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(message.hasPrefix("/seed/evolve.yaml: "), "\(message)")
        #expect(!message.contains("\n"), "\(message)")
        for word in words { #expect(message.contains(word), "no '\(word)' in: \(message)") }
    }

    /// The largest legal values load: the bounds are where they are documented, not stricter.
    @Test func valuesAtTheBoundsLoad() throws {
        let file = try EvolveFile.parse("""
            max_iterations: 0
            random_seed: 0
            proposal_lookahead: 0
            crossover_rate: 1
            evaluator:
              timeout: 604800
            database:
              num_islands: 1
              archive_size: 0
            prompt:
              num_top_programs: 0
            """, path: "evolve.yaml")
        #expect(file.stop.maxIterations == 0 && file.search.proposalLookahead == 0 && file.evaluator.timeout == 604_800)
        #expect(file.database.islands == 1 && file.prompt.numTopPrograms == 0)
        #expect(try EvolveFile.parse("", path: "evolve.yaml") == EvolveFile())
        #expect(try EvolveFile.parse("seed: 18446744073709551615\n", path: "evolve.yaml").program.seed == UInt64.max)
    }
}
