import EmbeddedSources
import Foundation

/// What `evolve init` writes: the TRM seed (kernel and brief, from the copy embedded in the binary) and an
/// `evolve.yaml` with every key commented. The benchmark section is the seeds' default suite,
/// `Programs/suite.yaml`, inline (a test compares them); the run sections spell out the defaults evolve uses when a key is absent.
enum SeedTemplate {
    /// Relative path → text of every file of a new seed directory.
    static var files: [String: String] {
        var files: [String: String] = [:]
        for file in EmbeddedSources.trmSeed where file.path != "evolve.yaml" { files[file.path] = file.text }
        files["evolve.yaml"] = configuration
        return files
    }

    static let configuration = """
        # evolve.yaml: how evolve evaluates and evolves this program. Every key is optional unless marked
        # required; absent keys take the value shown. OpenEvolve's names are accepted where the meaning is the
        # same (docs/configuration.md lists them). An unknown key is an error, so a typo never falls back to a
        # default silently.

        # --- The program -------------------------------------------------------------------------------------
        language: swift             # the candidate's language (TRM kernels are Swift)
        entry: kernel.swift         # the file the evaluator compiles with TRMKit
        brief: BRIEF.md             # research brief shown to the LLM in every prompt
        seed: 1                     # required: data seed that generates (or draws) the train/validation/test splits
        # data_key: 1234            # secret mixed into seed; leave unset: `evolve run` draws one (run.json keeps it), so no kernel can remake the splits

        # --- Benchmarks: what every program is trained and scored on (required, at least one) ----------------
        # Budgets are FLOPs counted by TRMKit (deterministic, machine-independent); the wall-clock safety net follows them.
        benchmarks:                 # a list; each entry is trained and scored on its own, combined_score is the mean
          # The seeds' default suite (Programs/suite.yaml; chosen by measurement, docs/default-suite.md): ~60 s of
          # CPU per evaluation of the seed. Seeds can share one list instead: replace benchmarks: by suite: FILE.
          - name: sudoku-6x6-easy     # required: scores are kept by this name
            generator: sudoku         # required: sudoku, maze or arc
            box_rows: 2               # Sudoku box shape: 2x3 boxes make a 6x6 grid
            box_columns: 3
            difficulty: 12            # a number of blanks, or "minimal" (fewest clues that keep the solution unique)
            train: 1000               # required: training puzzles
            augmentations: 3          # symmetric copies of each training puzzle
            validation: 200           # required: puzzles selection is scored on
            test: 200                 # required: held-out puzzles, for reports only (never selected on)
            train_flops: 7.5e11       # required: training budget (~16 s for the seed on one core)
            eval_flops: 1.0e11        # required: evaluation budget
            # wall_seconds: 600       # caps the wall-clock net, which otherwise follows the FLOP budget (wall_factor)
            # memory_mib: 4096        # the memory one run of this benchmark may use (256 to 262144 MiB)
            # data: path/to/sudoku-extreme  # real puzzles instead of generated ones (docs/real-data.md)
            # min_rating: 50          # with data: only CSV rows rated at least this (Sudoku, Maze)
            # skip_bad_files: true    # ARC with data: leave out task files that do not parse
          - name: sudoku-6x6-hard     # the same grids with 20 of 36 cells blank (~16 s for the seed)
            generator: sudoku         # the same keys as above
            box_rows: 2               # 2x3 boxes again
            box_columns: 3
            difficulty: 20            # blanks per puzzle
            train: 1000               # training puzzles
            augmentations: 3          # symmetric copies of each
            validation: 200           # selection is scored on these
            test: 200                 # held out
            train_flops: 7.5e11       # training budget
            eval_flops: 1.0e11        # evaluation budget
          - name: maze-9x9            # shortest path through a 4x4-cell maze, a 9x9 grid of tokens (~25 s)
            generator: maze           # generated perfect mazes
            size: 4                   # cells per side
            train: 400                # there are only ~1,100 distinct 4x4 mazes up to symmetry
            augmentations: 7          # rotated and mirrored copies (at most 7)
            validation: 200           # selection is scored on these
            test: 200                 # held out
            train_flops: 1.0e12       # training budget
            eval_flops: 1.0e12        # evaluation budget
        transfer:                   # benchmarks never selected on, entries exactly as in benchmarks: (a family or size the
                                    # list above lacks); the best and top elites are scored on them when the run ends,
                                    # beside their seed, to see whether a gain transfers (docs/evolution-loop.md, "Transfer")
          - name: sudoku-8x8          # 8x8 Sudoku, 2x4 boxes: both seeds between 0.1 and 0.9 here (~55 s for the seed)
            generator: sudoku         # the same keys as in benchmarks:
            box_rows: 2               # 2x4 boxes: an 8x8 grid
            box_columns: 4
            difficulty: 28            # blanks of 64 cells
            train: 1000               # training puzzles
            augmentations: 3          # symmetric copies of each
            validation: 200           # generated, not used by the transfer check
            test: 200                 # transfer scores are on the held-out test split
            train_flops: 2.5e12       # training budget
            eval_flops: 1.0e12        # evaluation budget

        # --- Honest compute: CPU time the metered work does not explain (docs/sandbox.md, "Compute cross-check") -
        compute_check: reject       # reject, flag (keep the score, show the evidence) or off
        compute_factor: 3           # a run may use this many times the CPU time its metered work explains (+2 s)
        wall_factor: 3              # wall-clock net: 30 s + this × the budget's CPU time at the slowest honest rate

        # --- When to stop (the command line's --iterations, --hours, --budget-usd override these) ------------
        max_iterations: 100         # child programs to propose; remove for no limit
        # max_hours: 8              # stop after this many hours in total over all sessions
        # max_spend_usd: 5          # stop once the LLM spend reaches this many dollars
        # target_score: 0.95        # stop once a program's validation score reaches this

        # --- The search -------------------------------------------------------------------------------------
        strategy: map-elites        # map-elites, best-of-n (control arm: every child from the seed) or hill-climb
        random_seed: 42             # seeds parent sampling and crossover picks (a resumed run continues the stream)
        crossover_rate: 0.1         # probability a child is a crossover of its parent and an inspiration
        max_outage_seconds: 1800    # stop cleanly after the LLM has failed for this long without a success
        # parallel: 2               # evaluations in flight at once (default: the number of cores)
        # proposal_lookahead: 1     # proposals started ahead of free slots (default: half of parallel, at least 1)

        # --- Training noise: repeats and racing (docs/evolution-loop.md#repeats-and-racing) --------------------
        repeats: 3                  # training seeds a program needs before it may displace an elite or the best; 1: one evaluation decides
        margin: 1.0                 # standard errors (of the difference of means) a challenger must win by
        noise_floor: 0.03           # the smallest per-evaluation SD the rule assumes
        # end_decided_races: true   # stop a race once its remaining seeds cannot change whom it displaces
        drift_threshold: 0.1        # flag the best when its selection score exceeds its mean over fresh seeds by more
        gap_threshold: 0.1          # flag the best when its fresh validation and test means differ by more
        control_runs: 3             # permutation-control runs that must all collapse before a new best is flagged
        # fresh_seeds: 3            # fresh training seeds the best is re-scored with at the end (default: repeats)
        # scale_check: auto         # retrain the best and its seed at 4x every train_flops at the end (auto: when max_hours >= 4)
        # max_evaluations: 300      # stop after this many selection evaluations (first ones plus racing repeats)

        # --- Children and prompts ---------------------------------------------------------------------------
        max_file_bytes: 65536       # a child with a changed file larger than this (UTF-8 bytes) is rejected unevaluated
        prompt:                     # OpenEvolve's prompt section (its other keys are accepted and ignored)
          token_budget: 16000       # estimated tokens of the LLM prompt; the least useful parts are cut to fit
          num_top_programs: 3       # the island's best programs shown in the prompt

        # --- The program database: islands, MAP-Elites grids, archive ----------------------------------------
        database:                   # OpenEvolve's database section, same key names
          num_islands: 4            # islands evolve apart and exchange their best at migrations
          migration_interval: 20    # island generations between ring migrations
          migration_rate: 0.1       # fraction of an island's best programs copied at a migration
          population_size: 1000     # evaluated programs kept for sampling; the weakest beyond it are evicted
          archive_size: 50          # elite archive that exploitation samples from
          exploration_ratio: 0.2    # probability a parent is a uniform pick from its island
          exploitation_ratio: 0.7   # probability a parent is drawn by confirmed mean from the island's elites (else its top one)
          selection_temperature: 0.05 # score gap that makes a parent e times less likely in that draw
          island_floor: 0.1         # smallest share of proposals an island gets (the rest follows confirmed progress)
          stagnation_generations: 10 # island generations without a new best before the island is reseeded
          # feature_dimensions:     # the grid's axes (default for TRM: parameters and effective depth)
          #   - {name: parameters, min: 1e4, max: 1e7, bins: 6, scale: log}

        # --- The evaluator ----------------------------------------------------------------------------------
        # evaluator:                # your own scoring command, or a queue of workers
        #   command: [python3, evaluate.py]  # score with your own command instead of the TRM benchmarks
        #   timeout: 600                     # wall-clock and CPU seconds per evaluation of that command (default 120)
        #   parallel_evaluations: 2          # same as parallel above
        #   queue: postgresql://evolve@db/evolve  # evaluate on `evolve worker`s through PostgreSQL (no password here; docs/distributed.md)
        #   early_stop: shadow               # stop a hopeless child between benchmarks (on), only record it (shadow), or neither (off)
        #   early_stop_min_finished: 20      # finished evaluations before the first stop
        #   early_stop_z: 2                  # standard errors added to the predicted final score before comparing

        # --- The LLM (environment variables EVOLVE_LLM_BASE_URL, EVOLVE_LLM_MODEL, EVOLVE_LLM_API_KEY_ENV win) -
        # Without an endpoint the offline mutator proposes children (it moves the kernel's numeric constants).
        # llm:                      # OpenEvolve's llm section, same key names
        #   api_base: http://127.0.0.1:8080/v1   # an OpenAI-compatible endpoint
        #   models:                              # an ensemble; weight multiplies a model's score in the bandit's pick
        #     - {name: qwen2.5-coder-7b, weight: 1.0}
        #   api_key_env: OPENAI_API_KEY          # the variable holding the key (never the key itself)
        #   temperature: 0.7                     # sampling temperature
        #   max_tokens: 4096                     # longest answer
        #   timeout: 300                         # seconds for one answer

        # --- The offline mutator's ranges, by constant name in an EVOLVE-BLOCK (or a trailing // evolve: comment)
        # mutations:                # constant name: where the offline mutator may move it
        #   hidden: 16...256, log     # an interval; log moves by factors
        #   heads: [1, 2, 4, 8]       # one of these values
        #   puzzlePrefix: fixed       # never moved

        """
}
