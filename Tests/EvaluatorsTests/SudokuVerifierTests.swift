import Testing
@testable import Evaluators

@Suite struct SudokuVerifierTests {
    // A valid 4×4 solution (2×2 boxes) and a puzzle with some givens.
    let solution = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1]
    let puzzle = [1, 0, 0, 4, 0, 4, 0, 0, 0, 0, 4, 0, 4, 0, 0, 1]
    let verifier = SudokuVerifier(boxRows: 2, boxColumns: 2)

    @Test func acceptsAValidCompletion() {
        #expect(verifier.isValidCompletion(puzzle: puzzle, answer: solution))
    }

    @Test func acceptsAnyValidCompletionNotOnlyTheStoredOne() {
        // With no givens, a different valid grid is also right.
        let other = [2, 1, 4, 3, 4, 3, 2, 1, 1, 2, 3, 4, 3, 4, 1, 2]
        #expect(verifier.isValidCompletion(puzzle: Array(repeating: 0, count: 16), answer: other))
        #expect(!verifier.isValidCompletion(puzzle: puzzle, answer: other))  // contradicts givens
    }

    @Test func rejectsDuplicatesBlanksAndWrongLengths() {
        var boxClash = solution
        boxClash.swapAt(0, 1)  // rows stay valid, columns and boxes break
        #expect(!verifier.isValidCompletion(puzzle: Array(repeating: 0, count: 16), answer: boxClash))
        var blank = solution
        blank[5] = 0
        #expect(!verifier.isValidCompletion(puzzle: puzzle, answer: blank))
        #expect(!verifier.isValidCompletion(puzzle: puzzle, answer: Array(solution.dropLast())))
        #expect(!verifier.isValidCompletion(puzzle: puzzle, answer: solution.map { $0 == 4 ? 5 : $0 }))
    }

    @Test func boxesOfRectangularSudokuCoverEachCellOnce() {
        let six = SudokuVerifier(boxRows: 2, boxColumns: 3)
        let boxes = six.units.suffix(6)
        #expect(boxes.flatMap { $0 }.sorted() == Array(0..<36))
        // The first 2×3 box: rows 0–1, columns 0–2.
        #expect(boxes.first == [0, 1, 2, 6, 7, 8])
    }
}
