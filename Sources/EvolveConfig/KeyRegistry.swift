/// Every key of `evolve.yaml`, in the order the docs list them (docs/configuration.md is tested against it).
///
/// A feature that needs a setting adds one `ConfigKey` here and one field to `EvolveFile`; the reader then
/// checks its spelling, its type and its range, and names it in errors, with no other change.
public enum KeyRegistry {
    /// The longest a wall-clock limit may be: a week. Larger values are typos, and a time in seconds is
    /// turned into whole microseconds and rlimits downstream, where `1e300` would trap.
    public static let longestSeconds = 604_800.0
    /// FLOP budgets become `Int64` in `budget.json`; this keeps them below `Int64.max` (≈ 9.22e18).
    public static let largestFLOPs = 9.0e18

    typealias K = ConfigKey

    public static let all: [ConfigKey] = program + sections + run + compute + database + featureDimension + evaluator + llm + model
        + prompt + benchmark + ignored

    static let program: [ConfigKey] = [
        K(.top, "language", .text, "the candidate's language (`swift` for TRM kernels); informational"),
        K(.top, "entry", .text, "the seed's file with the EVOLVE-BLOCKs (e.g. `kernel.swift`); a seed without it is an error"),
        K(.top, "brief", .text, default: "`BRIEF.md`", "the research brief shown to the LLM, a file relative to this file's folder"),
        K(.top, "seed", .whole, at: .atLeast(0), default: "required for TRM benchmarks", "data seed of the splits; never shown to a candidate"),
        K(.top, "data_key", .whole, at: .atLeast(0), default: "drawn by `evolve run` when absent",
          "secret mixed into `seed`: without it a kernel that knows the seed cannot regenerate the splits"),
        K(.top, "benchmarks", .list, "the TRM benchmarks every program is trained and scored on"),
        K(.top, "transfer", .list, default: "none",
          "benchmarks (entries as in `benchmarks`) never used for selection: the best is scored on them at the end to see whether its gain transfers"),
    ]

    static let sections: [ConfigKey] = [
        K(.top, "llm", .section, "the proposer's model(s)"),
        K(.top, "database", .section, "islands, grids, archive"),
        K(.top, "evaluator", .section, "scoring with your own command"),
        K(.top, "evolution", .section, "the run keys, as at the top level"),
        K(.top, "mutations", .section, "ranges for the offline mutator, by constant name"),
        K(.top, "proposer", .ignored, "OpenEvolve's section; its contents are not read"),
        K(.top, "prompt", .section, "the LLM prompt's size and contents"),
    ]

    static let run: [ConfigKey] = [
        K(.run, "max_iterations", .whole, at: .atLeast(0), default: "no limit", "child programs to propose (`--iterations`)"),
        K(.run, "max_hours", .number, at: .above(0), default: "no limit", "total hours over all sessions of the run (`--hours`)"),
        K(.run, "max_spend_usd", .number, at: .atLeast(0), default: "no limit", "stop once the LLM spend reaches this (`--budget-usd`)"),
        K(.run, "target_score", .number, at: Bounds(), "stop once a program's validation score reaches this"),
        K(.run, "random_seed", .whole, at: .atLeast(0), default: "42", "seeds parent sampling and crossover picks"),
        K(.run, "strategy", .choice(["map-elites", "best-of-n", "hill-climb"]), default: "`map-elites`", "how parents are chosen"),
        K(.run, "parallel", .whole, at: .atLeast(1), default: "the number of cores", "evaluations in flight at once (`--parallel`)"),
        K(.run, "proposal_lookahead", .whole, at: .atLeast(0), default: "half of `parallel`, at least 1",
          "proposals started ahead of free evaluation slots; 0 proposes only when a slot is free"),
        K(.run, "crossover_rate", .number, at: .within(0, 1), default: "0.1", "probability that a child is a crossover (map-elites)"),
        K(.run, "max_outage_seconds", .number, at: .aboveUpTo(0, longestSeconds), default: "1800",
          "stop cleanly after the LLM has failed this long without a success"),
        K(.run, "max_evaluations", .whole, at: .atLeast(0), default: "no limit", "stop once this many selection evaluations have run"),
        K(.run, "repeats", .whole, at: .atLeast(1), default: "3", "training seeds a program needs before it may displace an elite"),
        K(.run, "margin", .number, at: .atLeast(0), default: "1.0", "standard errors a challenger's mean must win by"),
        K(.run, "noise_floor", .number, at: .atLeast(0), default: "0.03", "the smallest per-evaluation standard deviation assumed"),
        K(.run, "end_decided_races", .flag, default: "true", "stop a race once its remaining evaluations cannot change who it displaces"),
        K(.run, "fresh_seeds", .whole, at: .atLeast(0), default: "`repeats`, at least 3", "training seeds the best is re-scored with at the end"),
        K(.run, "scale_check", .choice(["auto", "on", "off"]), default: "`auto`",
          "retrain the best and its seed at 4× every train_flops when the run ends (auto: when the time limit is ≥ 4 h)"),
        K(.run, "drift_threshold", .number, at: .atLeast(0), default: "0.1", "flag the best when selection minus fresh validation exceeds this"),
        K(.run, "gap_threshold", .number, at: .atLeast(0), default: "0.1", "flag the best when fresh validation and test differ by more"),
        K(.run, "control_runs", .whole, at: .atLeast(1), default: "3", "permutation-control runs that must all collapse to flag a best"),
        K(.run, "max_file_bytes", .whole, at: .atLeast(1), default: "65536", "a child with a larger changed file is rejected unevaluated"),
    ]

    static let compute: [ConfigKey] = [
        K(.top, "compute_check", .choice(["reject", "flag", "off"]), default: "`reject`", "what a run with unexplained CPU time gets"),
        K(.top, "compute_factor", .number, at: .atLeast(1), default: "3", "how many times the explained CPU time a run may use"),
        K(.top, "wall_factor", .number, at: .above(0), default: "3", "the wall-clock net as a multiple of the budget's honest time"),
        K(.top, "suite", .text, "a file holding a `benchmarks:` list, used as this file's `benchmarks:`"),
    ]

    static let database: [ConfigKey] = [
        K(.database, "num_islands", .whole, at: .within(1, 1000), default: "4", "islands evolve apart and exchange their best"),
        K(.database, "migration_interval", .whole, at: .atLeast(1), default: "20", "island generations between ring migrations"),
        K(.database, "migration_rate", .number, at: .within(0, 1), default: "0.1", "fraction of an island's best copied at a migration"),
        K(.database, "population_size", .whole, at: .atLeast(1), default: "1000", "evaluated programs kept for sampling"),
        K(.database, "archive_size", .whole, at: .atLeast(0), default: "50", "the elite archive exploitation samples from"),
        K(.database, "exploration_ratio", .number, at: .within(0, 1), default: "0.2", "probability a parent is a uniform pick"),
        K(.database, "exploitation_ratio", .number, at: .within(0, 1), default: "0.7", "probability a parent is drawn by confirmed mean from the island's elites"),
        K(.database, "stagnation_generations", .whole, at: .atLeast(1), default: "10", "island generations without a new best before the island is reseeded"),
        K(.database, "island_floor", .number, at: .within(0, 1), default: "0.1", "the smallest share of proposals an island gets, however stale"),
        K(.database, "selection_temperature", .number, at: .above(0), default: "0.05", "score gap that makes a parent e times less likely"),
        K(.database, "feature_dimensions", .list, default: "TRM: `parameters` × `flops_per_step`", "the grid's axes"),
    ]

    static let featureDimension: [ConfigKey] = [
        K(.featureDimension, "name", .text, default: "required", "the descriptor the axis reads"),
        K(.featureDimension, "min", .number, at: Bounds(), default: "0", "the low edge of the first bin"),
        K(.featureDimension, "max", .number, at: Bounds(), default: "1", "the high edge of the last bin"),
        K(.featureDimension, "bins", .whole, at: .within(1, 1000), default: "10", "bins along the axis"),
        K(.featureDimension, "scale", .choice(["linear", "log"]), default: "`linear`", "bin widths equal in the value or in its logarithm"),
    ]

    static let evaluator: [ConfigKey] = [
        K(.evaluator, "command", .words, "score programs with this command instead of the TRM benchmarks"),
        K(.evaluator, "timeout", .number, at: .aboveUpTo(0, longestSeconds), default: "120",
          "wall-clock and CPU seconds per evaluation of that command"),
        K(.evaluator, "parallel_evaluations", .whole, at: .atLeast(1), default: "–", "the same as `parallel`"),
        K(.evaluator, "queue", .text, default: "–",
          "a PostgreSQL queue (`postgresql://user@host/db`, or `env:NAME`) whose `evolve worker`s run the evaluations; no password in it"),
        K(.evaluator, "early_stop", .choice(["off", "on", "shadow"]), default: "`shadow`",
          "stop a child between benchmarks when the value function shows it cannot become a contender; `shadow` only records it"),
        K(.evaluator, "early_stop_min_finished", .whole, at: .atLeast(2), default: "20", "finished selection evaluations before the first stop"),
        K(.evaluator, "early_stop_z", .number, at: .within(0, 10), default: "2", "standard errors added to the predicted final score"),
    ]

    static let llm: [ConfigKey] = [
        K(.llm, "api_base", .text, "an OpenAI-compatible endpoint (`…/v1`) or Anthropic's"),
        K(.llm, "models", .list, "an ensemble of `{name, weight}`"),
        K(.llm, "api_key_env", .text, default: "the endpoint's usual variable", "the name of the variable that holds the key"),
        K(.llm, "temperature", .number, at: .within(0, 2), default: "the client's", "sampling temperature"),
        K(.llm, "max_tokens", .whole, at: .atLeast(1), default: "the client's", "the longest answer"),
        K(.llm, "timeout", .number, at: .aboveUpTo(0, longestSeconds), default: "the client's", "seconds for one answer"),
    ]

    static let model: [ConfigKey] = [
        K(.model, "name", .text, default: "required", "the model name sent to the endpoint"),
        K(.model, "weight", .number, at: .above(0), default: "1", "prior multiplier of the model in the bandit's pick"),
    ]

    static let prompt: [ConfigKey] = [
        K(.prompt, "token_budget", .whole, at: .atLeast(1), default: "16000", "estimated tokens the LLM prompt may use"),
        K(.prompt, "num_top_programs", .whole, at: .within(0, 20), default: "3", "the island's best programs shown in the prompt"),
    ]

    static let benchmark: [ConfigKey] = [
        K(.benchmark, "name", .text, default: "required", "scores are kept by this name"),
        K(.benchmark, "generator", .choice(["sudoku", "maze", "arc"]), default: "required", "the kind of puzzle"),
        K(.benchmark, "data", .text, "real puzzles from files instead of generated ones"),
        K(.benchmark, "size", .whole, "maze cells per side; ARC canvas side"),
        K(.benchmark, "difficulty", .text, default: "`minimal`", "generated Sudoku: `minimal` or a number of blanks"),
        K(.benchmark, "train", .whole, at: .atLeast(0), default: "required", "training puzzles (ARC: tasks)"),
        K(.benchmark, "augmentations", .whole, at: .atLeast(0), default: "0", "symmetric copies of each training puzzle"),
        K(.benchmark, "validation", .whole, at: .atLeast(0), default: "required", "puzzles selection is scored on"),
        K(.benchmark, "test", .whole, at: .atLeast(0), default: "required", "held-out puzzles, for reports only"),
        K(.benchmark, "box_rows", .whole, default: "3", "Sudoku box rows"),
        K(.benchmark, "box_columns", .whole, default: "3", "Sudoku box columns"),
        K(.benchmark, "train_flops", .number, at: .aboveUpTo(0, largestFLOPs), default: "required", "training budget in FLOPs"),
        K(.benchmark, "eval_flops", .number, at: .aboveUpTo(0, largestFLOPs), default: "required", "evaluation budget in FLOPs"),
        K(.benchmark, "wall_seconds", .number, at: .aboveUpTo(0, longestSeconds), "caps the wall-clock safety net of this benchmark's runs"),
        K(.benchmark, "skip_bad_files", .flag, default: "false", "ARC with `data`: leave out task files that do not parse"),
        K(.benchmark, "min_rating", .whole, "Sudoku and Maze CSVs with `data`: only rows rated at least this"),
        K(.benchmark, "memory_mib", .whole, at: .within(256, 262_144), default: "4096", "the memory one run of this benchmark may use"),
    ]

    /// OpenEvolve's keys that evolve does its own way: accepted so an OpenEvolve config loads, never read.
    static let ignored: [ConfigKey] = ["checkpoint_interval", "diff_based_evolution", "max_code_length", "log_level"].map {
        K(.run, $0, .ignored, "OpenEvolve's; accepted and ignored")
    } + [
        "template_dir", "system_message", "evaluator_system_message", "num_diverse_programs", "use_template_stochasticity",
        "template_variations", "use_meta_prompting", "meta_prompt_weight", "include_artifacts", "max_artifact_bytes",
        "artifact_security_filter", "suggest_simplification_after_chars", "include_changes_under_chars",
        "concise_implementation_max_lines", "comprehensive_implementation_min_lines", "diff_summary_max_line_len",
        "diff_summary_max_lines",
    ].map { K(.prompt, $0, .ignored, "OpenEvolve's; accepted and ignored") }

    /// The names a mapping at `place` may hold, in registry order. The top level holds the run keys too.
    public static func names(at place: ConfigKey.Place) -> [String] {
        switch place {
        case .top: all.filter { $0.place == .top || $0.place == .run }.map(\.name)
        default: all.filter { $0.place == place }.map(\.name)
        }
    }

    /// The key `name` at `place` (the top level finds run keys too).
    public static func key(_ name: String, at place: ConfigKey.Place) -> ConfigKey? {
        all.first { $0.name == name && ($0.place == place || (place == .top && $0.place == .run)) }
    }

    typealias Bounds = ConfigKey.Bounds
}
