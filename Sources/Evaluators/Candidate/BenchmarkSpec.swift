import EvolveConfig
import EvolveCore
import Foundation

/// One benchmark entry of `evolve.yaml`: puzzles made by a generator, or — with `data:` — real puzzles drawn
/// from files (Sudoku-Extreme, Maze-Hard, ARC-AGI; see docs/real-data.md).
///
/// ```yaml
/// - name: arc-agi-1
///   generator: arc            # the kind: sudoku, maze or arc
///   data: ARC-AGI/data        # relative to this file's folder; training/ trains, evaluation/ validates and tests
///   train: 400                # tasks (ARC) or puzzles drawn per split
///   validation: 50
///   test: 50
///   train_flops: 2.0e13
///   eval_flops: 1.0e12
/// ```
@dynamicMemberLookup
public struct BenchmarkSpec: Sendable {
    /// The entry as `evolve.yaml`'s one reader typed and bounded it; its keys read as the spec's own
    /// (`spec.train`, `spec.trainFLOPs`: what each means is documented on `EvolveFile.Benchmark`).
    public var entry: EvolveFile.Benchmark
    /// `data` as an absolute path, resolved against the folder of the `evolve.yaml` it came from (set by
    /// `ProgramConfig.parse`; without it, against the current directory).
    public var dataPath: String?

    public subscript<Value>(dynamicMember key: WritableKeyPath<EvolveFile.Benchmark, Value>) -> Value {
        get { entry[keyPath: key] }
        set { entry[keyPath: key] = newValue }
    }

    /// Every key a benchmark entry may hold: the registry's.
    public static let keys = KeyRegistry.names(at: .benchmark)

    public static let generators = ["sudoku", "maze", "arc"]

    /// The entry, refused with one line naming the file (`path`) and the entry when its keys do not go
    /// together for its generator.
    public init(_ entry: EvolveFile.Benchmark, in path: String) throws {
        self.entry = entry
        if let problem = combinationProblem {
            throw EvaluationError("\(path): \(entry.location): \(problem)")
        }
    }

    /// Why the keys do not go together (a key that would silently do nothing is an error), or nil.
    var combinationProblem: String? {
        guard Self.generators.contains(entry.generator) else {
            return "unknown generator \"\(entry.generator)\" (available: \(Self.generators.joined(separator: ", ")))"
        }
        guard let data = entry.data else {
            if entry.skipBadFiles { return "skip_bad_files applies only to ARC data (data:); generated tasks have no files" }
            if entry.minRating != nil { return "min_rating applies only with data: (it filters the rows of a CSV)" }
            return nil
        }
        if data.trimmingCharacters(in: .whitespaces).isEmpty { return "data is empty; give a file or folder, or remove the key to generate puzzles" }
        switch entry.generator {
        case "sudoku":
            if entry.difficulty != nil { return "difficulty has no effect with data: (the puzzles come from the file); remove it" }
        case "maze":
            if entry.size != nil { return "size has no effect with data: (the grid side comes from the file); remove it" }
        default:
            if let size = entry.size, !(1...30).contains(size) { return "size (the canvas side) must be 1 to 30 for ARC, got \(size)" }
        }
        if entry.skipBadFiles, entry.generator != "arc" { return "skip_bad_files applies only to ARC task files; a bad CSV row is always an error" }
        if entry.minRating != nil, entry.generator == "arc" { return "min_rating applies only to Sudoku and Maze CSVs (ARC tasks have no rating)" }
        return nil
    }

    /// Resolves `data` against `folder` (the folder of the evolve.yaml it came from); `~` is the home folder.
    mutating func resolveData(relativeTo folder: URL) {
        guard let data = entry.data else { return }
        dataPath = EvolveFile.resolve(data, relativeTo: folder)
    }

    /// The puzzles of this benchmark (training examples and the requested split) and how to score them.
    /// Generated tasks depend only on `seed`; `data:` tasks are drawn from the files with `seed` and carry a
    /// `dataSource` record.
    public func instantiate(split: Split, seed: UInt64) throws -> (task: TaskData, scorer: PredictionScorer) {
        if entry.data != nil { return try instantiateData(split: split, seed: seed) }
        // Generation is deterministic in the entry and the seed, and a run asks for the same few tasks at
        // every evaluation: made once per process (generating the 6×6 tier's 4,000 puzzles each time cost
        // a tenth of the coordinator's own CPU).
        let made = try Self.generated.value(for: TaskKey(entry: entry, path: nil, seed: seed, split: split)) { GeneratedTask(try generate(split: split, seed: seed)) }
        return (made.task, made.scorer)
    }

    private struct GeneratedTask: Sendable {
        let task: TaskData, scorer: PredictionScorer
        init(_ made: (task: TaskData, scorer: PredictionScorer)) { (task, scorer) = made }
    }

    /// What a generated task or a draw of real data is made from: the whole entry (every key it was typed
    /// with), the resolved data path, the seed, and for generated tasks the split.
    private struct TaskKey: Hashable, Sendable {
        let entry: EvolveFile.Benchmark, path: String?, seed: UInt64, split: Split?
    }

    private static let generated = ProcessCache<TaskKey, GeneratedTask>()
    /// Real data is drawn once per process and key for all three splits (the evaluator instantiates every
    /// benchmark for every program, and re-reading Sudoku-Extreme's 3.8M rows each time would cost seconds
    /// per evaluation). Files are assumed not to change during a run (the recorded hash is of the first read).
    private static let drawn = ProcessCache<TaskKey, LoadedData>()

    private func generate(split: Split, seed: UInt64) throws -> (task: TaskData, scorer: PredictionScorer) {
        switch entry.generator {
        case "sudoku":
            let rows = entry.boxRows ?? 3, columns = entry.boxColumns ?? 3
            guard rows >= 1, columns >= 1, (2...16).contains(rows * columns) else {
                throw EvaluationError("benchmark \(entry.name): box_rows × box_columns must make a grid side from 2 to 16 (both at least 1), got \(rows) × \(columns)")
            }
            let level: SudokuGenerator.Difficulty
            switch entry.difficulty ?? "minimal" {
            case "minimal": level = .minimal
            case let text:
                guard let blanks = Int(text), blanks > 0 else {
                    throw EvaluationError("benchmark \(entry.name): difficulty must be \"minimal\" or a number of blanks, got \"\(text)\"")
                }
                level = .blanks(blanks)
            }
            let bench = SudokuBenchmark(
                boxRows: rows, boxColumns: columns, difficulty: level, trainCount: entry.train, validationCount: entry.validation,
                testCount: entry.test, augmentations: entry.augmentations ?? 0)
            return try named(bench.scorer) { try bench.taskData(split: split, seed: seed) }
        case "maze":
            guard let cells = entry.size, cells >= 2 else {
                throw EvaluationError("benchmark \(entry.name): a maze needs size (cells per side) of at least 2, got \(entry.size.map(String.init) ?? "none")")
            }
            let bench = MazeBenchmark(
                size: cells, trainCount: entry.train, validationCount: entry.validation, testCount: entry.test, augmentations: entry.augmentations ?? 0)
            return try named(bench.scorer) { try bench.taskData(split: split, seed: seed) }
        case "arc":
            let side = entry.size ?? 10
            guard (3...30).contains(side) else {
                throw EvaluationError("benchmark \(entry.name): an ARC canvas needs size (canvas side) from 3 to 30, got \(side)")
            }
            let bench = ARCBenchmark(
                canvas: side, trainCount: entry.train, validationCount: entry.validation, testCount: entry.test, augmentations: entry.augmentations ?? 0)
            return try named(bench.scorer) { try bench.taskData(split: split, seed: seed) }
        default:
            throw EvaluationError("benchmark \(entry.name): unknown generator \"\(entry.generator)\" (available: \(Self.generators.joined(separator: ", ")))")
        }
    }

    /// What real data this benchmark draws with `seed` (reading the files on first use; cached), or nil for a
    /// generated benchmark. Throws the first problem with the files.
    public func loadData(seed: UInt64) throws -> DataSource? {
        guard entry.data != nil else { return nil }
        return try loaded(seed: seed).source
    }

    /// The ARC canvas side: `size`, else 30 for real data (ARC grids are up to 30×30) and 10 for generated tasks.
    var canvas: Int { entry.size ?? (entry.data == nil ? 10 : 30) }

    private var resolvedDataPath: String {
        if let dataPath { return dataPath }
        var copy = self
        copy.resolveData(relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return copy.dataPath ?? ""
    }

    private func loaded(seed: UInt64) throws -> LoadedData {
        if let problem = combinationProblem { throw EvaluationError("benchmark \(entry.name): \(problem)") }
        let path = resolvedDataPath
        guard FileManager.default.fileExists(atPath: path) else {
            let written = entry.data ?? ""
            let how = written == path ? "" : " (data: \(written), resolved against the folder of evolve.yaml)"
            throw EvaluationError("benchmark \(entry.name): data path \(path)\(how) does not exist; check the path or download the data set (see docs/real-data.md)")
        }
        let counts = DataSource.Counts(train: entry.train, validation: entry.validation, test: entry.test)
        do {
            return try Self.drawn.value(for: TaskKey(entry: entry, path: path, seed: seed, split: nil)) {
                switch entry.generator {
                case "sudoku":
                    let format = SudokuCSV.Format(boxRows: entry.boxRows ?? 3, boxColumns: entry.boxColumns ?? 3)
                    return .sudoku(try PuzzleCSVDataset.load(format, path: path, counts: counts, minRating: entry.minRating, seed: seed))
                case "maze":
                    return .maze(try PuzzleCSVDataset.load(MazeCSV.Format(), path: path, counts: counts, minRating: entry.minRating, seed: seed))
                default:
                    return .arc(try ARCDataset.load(path: path, canvas: canvas, counts: counts, skipBadFiles: entry.skipBadFiles, seed: seed))
                }
            }
        } catch let error as BenchmarkFileError {
            throw EvaluationError("benchmark \(entry.name): \(error.description)")
        }
    }

    private func instantiateData(split: Split, seed: UInt64) throws -> (task: TaskData, scorer: PredictionScorer) {
        let loaded = try loaded(seed: seed)
        let prefix = split == .validation ? "v" : "x"
        var task: TaskData
        let scorer: PredictionScorer
        switch loaded {
        case .sudoku(let splits):
            let rows = entry.boxRows ?? 3, columns = entry.boxColumns ?? 3
            guard rows >= 1, columns >= 1, (2...16).contains(rows * columns) else {
                throw EvaluationError("benchmark \(entry.name): box_rows × box_columns must make a grid side from 2 to 16 (both at least 1), got \(rows) × \(columns)")
            }
            task = SudokuBenchmark.taskData(
                name: entry.name, boxRows: rows, boxColumns: columns, training: splits.train,
                evaluation: split == .validation ? splits.validation : splits.test, evaluationPrefix: prefix,
                augmentations: entry.augmentations ?? 0, seed: seed)
            scorer = SudokuBenchmark(
                boxRows: rows, boxColumns: columns, difficulty: .minimal, trainCount: entry.train, validationCount: entry.validation, testCount: entry.test
            ).scorer
        case .maze(let splits):
            let side = (splits.train + splits.validation + splits.test).first?.side ?? 0
            task = MazeBenchmark.taskData(
                name: entry.name, side: side, training: splits.train, evaluation: split == .validation ? splits.validation : splits.test,
                evaluationPrefix: prefix, augmentations: entry.augmentations ?? 0, seed: seed)
            scorer = MazeBenchmark.scorer
        case .arc(let splits):
            task = try ARCBenchmark.taskData(
                name: entry.name, canvas: canvas, training: splits.train, evaluation: split == .validation ? splits.validation : splits.test,
                evaluationPrefix: prefix, augmentations: entry.augmentations ?? 0, seed: seed)
            scorer = ARCBenchmark.scorer(canvas: canvas)
        }
        task.dataSource = loaded.source
        return (task, scorer)
    }

    /// Builds a generator's task under this benchmark's name, prefixing its errors with the name.
    private func named(
        _ scorer: PredictionScorer, _ make: () throws -> TaskData
    ) throws -> (task: TaskData, scorer: PredictionScorer) {
        do {
            var task = try make()
            task.name = entry.name
            return (task, scorer)
        } catch let error as EvaluationError {
            throw EvaluationError("benchmark \(entry.name): \(error.description)")
        }
    }
}
