/// What real data a benchmark's score is on: the files read, one hash of their content, and how many
/// puzzles each split drew from them. Two runs whose records share `contentHash`, `seed` and `drawn` scored
/// the same puzzles.
///
/// A `data:` benchmark of `evolve.yaml` attaches one to its `TaskData` (`task.dataSource`); generated
/// benchmarks have none. The record is the same for the validation and the test split (they are drawn
/// together), so a run stores it once per benchmark.
///
/// ```swift
/// let (task, _) = try spec.instantiate(split: .validation, seed: config.seed)
/// if let source = task.dataSource { print(source.summary) }
/// // arc-agi /data/ARC-AGI/data: 800 files, content fnv1a 9c0f…; drew 400 train, 50 validation, 50 test tasks
/// ```
public struct DataSource: Sendable, Equatable, Codable {
    /// How the files were read.
    public enum Format: String, Sendable, Codable {
        /// ARC-AGI task files (`training/`, `evaluation/` or one folder of `*.json`).
        case arcTasks = "arc-agi"
        /// Kaggle's combined `…_challenges.json` + `…_solutions.json`.
        case arcKaggle = "arc-kaggle"
        /// Sudoku-Extreme style `source,question,answer,rating` CSV.
        case sudokuCSV = "sudoku-csv"
        /// Maze-Hard style `source,question,answer,rating` CSV.
        case mazeCSV = "maze-csv"
    }

    /// Puzzles (ARC: tasks) per split.
    public struct Counts: Sendable, Equatable, Codable {
        public var train: Int
        public var validation: Int
        public var test: Int
    }

    /// ARC task names (file base names or Kaggle task ids) per split, in draw order: the ids researchers quote.
    public struct TaskNames: Sendable, Equatable, Codable {
        public var train: [String]
        public var validation: [String]
        public var test: [String]
    }

    /// The `data:` path, resolved to an absolute path.
    public var path: String
    public var format: Format
    /// Every file read, relative to `path` (the file's own name when `path` is a file), in reading order.
    public var files: [String]
    /// FNV-1a (64-bit, hex) over each file's relative name and bytes in `files` order; any edit changes it.
    public var contentHash: String
    /// The data seed the sample was drawn with.
    public var seed: UInt64
    public var drawn: Counts
    /// ARC only: which tasks each split holds (CSV puzzles are identified by `contentHash`, `seed` and `drawn`).
    public var tasks: TaskNames?
    /// Puzzles in the files that passed the filter (ARC: tasks that fit the canvas; CSV: `min_rating`).
    public var available: Int
    /// One line per thing left out: a bad file skipped (`skip_bad_files`), tasks larger than the canvas,
    /// puzzles dropped because a symmetric copy or a shared input was already in another split.
    public var leftOut: [String]

    public init(
        path: String, format: Format, files: [String], contentHash: String, seed: UInt64, drawn: Counts, available: Int,
        leftOut: [String] = []
    ) {
        self.path = path
        self.format = format
        self.files = files
        self.contentHash = contentHash
        self.seed = seed
        self.drawn = drawn
        self.tasks = nil
        self.available = available
        self.leftOut = leftOut
    }

    /// One line for a report or a log.
    public var summary: String {
        var text = headline
        if !leftOut.isEmpty {
            text += "; left out: " + leftOut.prefix(3).joined(separator: "; ")
            if leftOut.count > 3 { text += "; and \(leftOut.count - 3) more" }
        }
        return text
    }

    /// `summary` without what was left out: the files, their hash and the draw.
    public var headline: String {
        let unit = format == .arcTasks || format == .arcKaggle ? "tasks" : "puzzles"
        return "\(format.rawValue) \(path): \(files.count) file\(files.count == 1 ? "" : "s"), content fnv1a \(contentHash); "
            + "drew \(drawn.train) train, \(drawn.validation) validation, \(drawn.test) test \(unit) of \(available) (seed \(seed))"
    }
}
