import Foundation
import Testing
@testable import Evaluators

/// Every benchmark marks its symmetric copies, and `train.jsonl` carries the mark, so TRMKit's driver
/// can probe the training curve on examples drawn as the queries are (issue 24: probing copies flagged
/// an honest HRM on 9×9 Sudoku).
@Suite struct AugmentedMarkTests {
    /// The ids of each benchmark's copies end their base id with `a<k>` (ARC: before `d<pair>`).
    static func isCopy(_ id: String) -> Bool { id.range(of: #"a[0-9]+(d[0-9]+)?$"#, options: .regularExpression) != nil }

    @Test func sudokuMazeAndARCMarkTheirCopiesAndOnlyThem() throws {
        let tasks = [
            try SudokuBenchmark(boxRows: 2, boxColumns: 3, difficulty: .blanks(10), trainCount: 6, validationCount: 2, testCount: 2, augmentations: 3)
                .taskData(split: .validation, seed: 1),
            try MazeBenchmark(size: 4, trainCount: 6, validationCount: 2, testCount: 2, augmentations: 2).taskData(split: .validation, seed: 1),
            try ARCBenchmark(canvas: 6, trainCount: 4, validationCount: 2, testCount: 2, augmentations: 2).taskData(split: .validation, seed: 1),
        ]
        for task in tasks {
            #expect(task.train.contains { $0.augmented } && task.train.contains { !$0.augmented }, "\(task.name)")
            #expect(task.train.allSatisfy { $0.augmented == Self.isCopy($0.id) }, "\(task.name)")
            #expect(!task.evaluation.contains { $0.augmented }, "\(task.name)")
        }
    }

    @Test func trainJSONLCarriesTheMarkOnCopiesOnly() throws {
        let task = TaskData(name: "t", vocabSize: 4, seqLen: 2, train: [
            TokenExample(id: "t0", input: [1, 2], label: [2, 3]),
            TokenExample(id: "t0a0", input: [2, 1], label: [3, 2], augmented: true),
        ], evaluation: [TokenExample(id: "v0", input: [1, 1], label: [2, 2])])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-mark-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try task.write(to: dir, trainFLOPs: 1, evalFLOPs: 1, seed: 1)
        let lines = try String(contentsOf: dir.appendingPathComponent("data/train.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && !lines[0].contains("augmented") && lines[1].contains(#""augmented":true"#))
        #expect(try !String(contentsOf: dir.appendingPathComponent("data/eval.jsonl"), encoding: .utf8).contains("augmented"))
        // An example stored without the field (before it existed) decodes as an original.
        let old = try JSONDecoder().decode(TokenExample.self, from: Data(#"{"id":"t1","input":[1],"label":[2],"puzzle":0}"#.utf8))
        #expect(!old.augmented)
    }
}
