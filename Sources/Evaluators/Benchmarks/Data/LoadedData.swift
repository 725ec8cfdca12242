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
}
