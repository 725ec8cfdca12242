import Foundation
import Testing
@testable import Evaluators

/// The data files are written by hand for speed; the kernel's reader must see the bytes `JSONEncoder`
/// (sorted keys) wrote before, for every example a benchmark or a real data file can produce.
@Suite struct JSONLinesTests {
    struct Train: Encodable { let input: [Int]; let label: [Int]; let puzzle: Int; let augmented: Bool? }
    struct Query: Encodable { let id: String; let input: [Int]; let puzzle: Int }

    func encoded<T: Encodable>(_ items: [T]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var out = Data()
        for item in items {
            out.append(try encoder.encode(item))
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    static let ids = [
        "v0001", "0123456789abcdef", "task/7 \"quoted\" back\\slash", "tab\there\nnew\rline\u{08}\u{0C}", "\u{01}\u{1F}\u{7F}",
        "ünïcødé ✓ 🧩", "",
    ]

    func examples() -> [TokenExample] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<60).map { index in
            let length = index % 7 == 0 ? 0 : 1 + abs(next()) % 40
            let values = (0..<length).map { _ in [0, 9, 10, 11, 99, 1000, -1, -10, Int.max - 2, Int.min][abs(next()) % 10] + (abs(next()) % 3) }
            return TokenExample(
                id: Self.ids[index % Self.ids.count], input: values, label: values.reversed(), puzzle: [0, 7, 12, 4096][index % 4],
                augmented: index % 3 == 0)
        }
    }

    @Test func trainingLinesAreTheBytesJSONEncoderWrote() throws {
        let items = examples()
        let reference = try encoded(items.map { Train(input: $0.input, label: $0.label, puzzle: $0.puzzle, augmented: $0.augmented ? true : nil) })
        #expect(JSONLines.training(items) == reference)
    }

    @Test func queryLinesAreTheBytesJSONEncoderWroteAndCarryNoLabel() throws {
        let items = examples()
        let written = JSONLines.queries(items)
        #expect(written == (try encoded(items.map { Query(id: $0.id, input: $0.input, puzzle: $0.puzzle) })))
        #expect(!String(decoding: written, as: UTF8.self).contains("label"))
    }

    @Test func aGeneratedTasksFilesAreUnchanged() throws {
        let task: TaskData = try SudokuBenchmark(
            boxRows: 2, boxColumns: 3, difficulty: .blanks(12), trainCount: 20, validationCount: 5, testCount: 5, augmentations: 2
        ).taskData(split: .validation, seed: 3)
        let train: [Train] = task.train.map { Train(input: $0.input, label: $0.label, puzzle: $0.puzzle, augmented: $0.augmented ? true : nil) }
        let queries: [Query] = task.evaluation.map { Query(id: $0.id, input: $0.input, puzzle: $0.puzzle) }
        #expect(task.train.contains { $0.augmented } && task.train.contains { !$0.augmented })
        #expect(JSONLines.training(task.train) == (try encoded(train)))
        #expect(JSONLines.queries(task.evaluation) == (try encoded(queries)))
    }
}
