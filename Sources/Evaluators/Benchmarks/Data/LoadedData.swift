import Foundation

/// The puzzles a `data:` benchmark drew, for all three splits at once (the validation and the test split of one
/// run must come from one draw, or they could overlap).
enum LoadedData: Sendable {
    case sudoku(PuzzleCSVDataset.Splits<SudokuPuzzle>)
    case maze(PuzzleCSVDataset.Splits<MazePuzzle>)
    case arc(ARCDataset.Splits)

    var source: DataSource {
        switch self {
        case .sudoku(let splits): return splits.source
        case .maze(let splits): return splits.source
        case .arc(let splits): return splits.source
        }
    }

    /// Draws once per process and key: the evaluator instantiates every benchmark for every program, and
    /// re-reading Sudoku-Extreme's 3.8M rows each time would cost seconds per evaluation. Files are assumed not
    /// to change during a run (the recorded hash is of the first read).
    static func cached(key: String, _ load: () throws -> LoadedData) throws -> LoadedData {
        try cache.value(for: key, load)
    }

    private static let cache = ProcessCache<LoadedData>()
}
