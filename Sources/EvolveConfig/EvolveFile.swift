/// The whole of `evolve.yaml` as typed sections with their defaults: one type every module reads its
/// settings from (nanoGPT's single config), filled by one reader (`EvolveFile.parse`) that checks every
/// key against `KeyRegistry` at every level.
///
/// ```swift
/// let file = try EvolveFile.parse("repeats: 5\ndatabase:\n  num_islands: 2\n", path: "evolve.yaml")
/// file.racing.repeats        // 5
/// file.database.islands      // 2
/// file.search.strategy       // "map-elites" (the default)
/// ```
///
/// Benchmark entries are read here too, keys and values; Evaluators' `BenchmarkSpec` only judges whether
/// their keys go together for the generator named. A `nil` optional means "not in the file" where the
/// default is computed by the reader of the value (the number of cores, `repeats`).
public struct EvolveFile: Sendable, Equatable {
    public var program = Program()
    public var stop = Stop()
    public var search = Search()
    public var racing = Racing()
    public var compute = Compute()
    public var database = Database()
    public var evaluator = Evaluator()
    public var llm = LLM()
    public var prompt = Prompt()
    /// A child with a changed file larger than this many UTF-8 bytes is rejected before evaluation.
    public var maxFileBytes = 65_536
    /// The offline mutator's ranges by constant name, as written (`16...256, log`, `[1, 2, 4]`, `fixed`).
    public var mutations: [String: Mutation] = [:]
    /// The TRM benchmarks in file order; nil when the file has no `benchmarks:` (a command evaluator's run).
    public var benchmarks: [Benchmark]?
    /// The transfer benchmarks (`transfer:`, same entries as `benchmarks:`): never used for selection,
    /// racing or the control; the run's best is scored on them when it ends. Nil when the file has none.
    public var transfer: [Benchmark]?

    public init() {}

    /// Reads the YAML text of an `evolve.yaml`; `path` names it in errors. Throws `ConfigError` (one line)
    /// for a syntax error, an unknown key at any level (naming the nearest known one) or a value out of range.
    public static func parse(_ text: String, path: String) throws -> EvolveFile {
        try EvolveFileReader(path: path).read(text)
    }

    /// What the program is: informational keys, the data seed and where its benchmarks come from.
    public struct Program: Sendable, Equatable {
        public var language: String?
        /// The seed's file with the EVOLVE-BLOCKs; a seed without it is refused.
        public var entry: String?
        /// The research brief's file, relative to the configuration's folder.
        public var brief: String?
        public var seed: UInt64?
        /// The secret mixed into `seed` (`data_key`): the splits cannot be regenerated from a public seed.
        public var dataKey: UInt64?
        public var suite: String?
    }

    /// One `benchmarks:` entry with its values typed and bounded by the registry; nil is "not in the file".
    /// Whether the keys suit the generator (`min_rating` without `data:`) is the evaluator's to judge.
    public struct Benchmark: Sendable, Hashable {
        /// Where the entry is, for messages: `benchmarks[1] ("arc-real")`.
        public var location: String
        public var name: String
        /// The benchmark kind as written (`sudoku`, `maze`, `arc`; the evaluator knows which exist). Without
        /// `data` it generates puzzles; with it, it names the format the files are read in.
        public var generator: String
        /// Real data as written: a CSV file or a folder of `train.csv`/`test.csv` (Sudoku, Maze), an ARC-AGI
        /// folder, task file or Kaggle `…_challenges.json` (ARC).
        public var data: String?
        /// Maze cells per side (k; the grid is 2k+1 tokens wide); for ARC the canvas side (default 10 generated,
        /// 30 with `data`), and with `data` also the filter: tasks with a larger grid are left out.
        public var size: Int?
        /// `minimal` or a number of blanks, as written.
        public var difficulty: String?
        public var train: Int
        public var augmentations: Int?
        public var validation: Int
        public var test: Int
        public var boxRows: Int?
        public var boxColumns: Int?
        public var trainFLOPs: Double
        public var evalFLOPs: Double
        public var wallSeconds: Double?
        /// ARC with `data`: leave out (and report) task files that do not parse instead of failing the whole folder.
        public var skipBadFiles = false
        /// Sudoku and Maze with `data`: only rows whose `rating` column is at least this.
        public var minRating: Int?
        /// The memory a run of this benchmark may use (MiB; the sandbox's cgroup limit, default 4096). Real ARC on a
        /// 30×30 canvas makes every example 901 tokens, and the seed TRM then needs more than the default.
        public var memoryMiB: Int?
    }

    /// When to stop; nil is no limit.
    public struct Stop: Sendable, Equatable {
        public var maxIterations: Int?
        public var maxHours: Double?
        public var maxSpendUSD: Double?
        public var targetScore: Double?
        public var maxOutageSeconds = 1800.0
        public var maxEvaluations: Int?
    }

    /// How parents are chosen and how much runs at once.
    public struct Search: Sendable, Equatable {
        /// `map-elites`, `best-of-n` or `hill-climb`.
        public var strategy = "map-elites"
        public var randomSeed: UInt64 = 42
        /// Nil: the number of cores.
        public var parallel: Int?
        /// Nil: half of `parallel`, at least 1.
        public var proposalLookahead: Int?
        public var crossoverRate = 0.1
    }

    /// Repeats, racing and the integrity checks on the best.
    public struct Racing: Sendable, Equatable {
        public var repeats = 3
        public var margin = 1.0
        public var noiseFloor = 0.03
        /// Races stop once decided (`end_decided_races`); false runs every race to `repeats`.
        public var endDecidedRaces = true
        /// Nil: `repeats`, at least 3.
        public var freshSeeds: Int?
        public var driftThreshold = 0.1
        public var gapThreshold = 0.1
        public var controlRuns = 3
        /// `scale_check`: auto, on or off.
        public var scaleCheck = "auto"
    }

    /// The compute cross-check of TRM runs (docs/sandbox.md, "Compute cross-check").
    public struct Compute: Sendable, Equatable {
        /// `reject`, `flag` or `off`.
        public var check = "reject"
        public var factor = 3.0
        public var wallFactor = 3.0
    }

    /// Islands, the MAP-Elites grid and the archive.
    public struct Database: Sendable, Equatable {
        public var islands = 4
        public var migrationInterval = 20
        public var migrationRate = 0.1
        public var populationSize = 1000
        public var archiveSize = 50
        public var explorationRatio = 0.2
        public var exploitationRatio = 0.7
        public var stagnationGenerations = 10
        public var islandFloor = 0.1
        public var selectionTemperature = 0.05
        /// Nil: the evaluator's default axes (TRM: parameters × effective depth; a command: code length × edit distance).
        public var featureDimensions: [FeatureDimension]?
    }

    /// One axis of the grid as written: `{name: parameters, min: 1e4, max: 1e7, bins: 6, scale: log}`.
    public struct FeatureDimension: Sendable, Equatable {
        public var name: String
        public var min = 0.0
        public var max = 1.0
        public var bins = 10
        /// True for `scale: log`.
        public var log = false
    }

    /// Scoring with the user's own command instead of the TRM benchmarks.
    public struct Evaluator: Sendable, Equatable {
        public var command: [String]?
        /// Wall-clock and CPU seconds per evaluation; nil: the sandbox's default (120).
        public var timeout: Double?
        /// The PostgreSQL queue the run's evaluations go to (`evolve worker`s run them); nil: the local sandbox.
        public var queue: String?
        /// The value function's stop between benchmarks: `off`, `on` or `shadow`; nil: the engine's default.
        public var earlyStop: String?
        /// Finished selection evaluations before the first stop; nil: the engine's default.
        public var earlyStopMinFinished: Int?
        /// Standard errors added to the prediction before it is compared with the bar; nil: the default.
        public var earlyStopZ: Double?
    }

    /// The proposer's model(s); nil is the client's own default.
    public struct LLM: Sendable, Equatable {
        public var apiBase: String?
        public var models: [Model] = []
        public var apiKeyEnv: String?
        public var temperature: Double?
        public var maxTokens: Int?
        public var timeout: Double?
    }

    /// One model of the ensemble; `weight` multiplies its Thompson-sampled index (its prior share).
    public struct Model: Sendable, Equatable {
        public var name: String
        public var weight = 1.0
    }

    /// The LLM prompt.
    public struct Prompt: Sendable, Equatable {
        public var tokenBudget = 16_000
        public var numTopPrograms = 3
    }

    /// One `mutations:` entry: range text, or a list of values to choose from.
    public enum Mutation: Sendable, Equatable {
        case range(String)
        case choices([Literal])
    }

    /// A YAML scalar of a `mutations:` list, typed so the mutator writes it back as source.
    public enum Literal: Sendable, Equatable {
        case flag(Bool), whole(Int), number(Double), text(String)
    }
}
