import EvolveCore
import Foundation
import Testing
@testable import Evaluators

/// ARC benchmarks on real-format files (`data:` in evolve.yaml): ARC-AGI folders, Kaggle's combined files, the
/// canvas filter, disjoint splits, the data-source record and every malformed-input message.
@Suite struct ARCDataTests {
    static func spec(_ dir: URL, _ lines: [String]) throws -> (ProgramConfig, BenchmarkSpec) {
        let file = dir.appendingPathComponent("evolve.yaml")
        try RealData.write(RealData.config(["name: arc-real", "generator: arc"] + lines), to: file)
        let config = try ProgramConfig.parse(String(contentsOf: file, encoding: .utf8), path: file.path)
        return (config, config.benchmarks[0])
    }

    @Test func anARCAGICheckoutTrainsOnTrainingAndScoresOnEvaluation() throws {
        let dir = try RealData.temporaryDirectory("arc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (training, evaluation) = try RealData.arcCheckout(at: dir.appendingPathComponent("ARC-AGI"))
        let (config, spec) = try Self.spec(dir, ["data: ARC-AGI/data", "train: 6", "validation: 3", "test: 3"])
        #expect(spec.dataPath == dir.appendingPathComponent("ARC-AGI/data").standardizedFileURL.path, "relative to evolve.yaml's folder")

        let (validation, scorer) = try spec.instantiate(split: .validation, seed: config.seed)
        let (test, _) = try spec.instantiate(split: .test, seed: config.seed)
        #expect(validation.seqLen == 900 && validation.vocabSize == 12, "real ARC uses the 30×30 canvas")
        let source = try #require(validation.dataSource)
        #expect(source == test.dataSource, "one draw serves both splits")
        #expect(source.format == .arcTasks && source.files.count == 16)
        #expect(source.files.contains("training/t000.json") && source.files.contains("evaluation/e-big.json"))
        #expect(source.drawn == DataSource.Counts(train: 6, validation: 3, test: 3) && source.available == 16)
        #expect(source.contentHash.count == 16)

        // Which tasks went where, recovered from the decoded demonstrations.
        let encoding = ARCEncoding(side: 30)
        func tasks(_ data: TaskData, puzzles: Range<Int>) -> Set<String> {
            Set(puzzles.compactMap { id -> String? in
                guard let example = data.train.first(where: { $0.puzzle == id }), let input = encoding.decode(example.input) else { return nil }
                return (training + evaluation).first { $0.train.contains { $0.input == input } }?.name
            })
        }
        let trained = tasks(validation, puzzles: 0..<6), validated = tasks(validation, puzzles: 6..<9), tested = tasks(test, puzzles: 6..<9)
        #expect(trained.count == 6 && trained.allSatisfy { $0.hasPrefix("t") }, "training tasks come from training/")
        #expect(validated.count == 3 && tested.count == 3)
        #expect((validated.union(tested)).allSatisfy { $0.hasPrefix("e") }, "validation and test tasks come from evaluation/")
        #expect(validated.isDisjoint(with: tested), "a task never straddles splits")
        #expect(tasks(test, puzzles: 0..<6) == trained, "both splits train on the same tasks")
        #expect(Set(source.tasks?.train ?? []) == trained && Set(source.tasks?.validation ?? []) == validated, "the record names the tasks")
        #expect(Set(source.tasks?.test ?? []) == tested)

        // Queries are the real test pairs: as many as the drawn tasks have, scored pass@2 on the real outputs.
        let testPairs = validated.map { name in evaluation.first { $0.name == name }!.test.count }.reduce(0, +)
        #expect(validation.evaluation.count == testPairs)
        let perfect = validation.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.label)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: perfect, expected: validation.evaluation).exactAccuracy == 1)
        let secondTry = validation.evaluation.map { "{\"id\": \"\($0.id)\", \"attempts\": [\($0.input), \($0.label)]}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: secondTry, expected: validation.evaluation).exactAccuracy == 1, "pass@2")
        let inputs = validation.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.input)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: inputs, expected: validation.evaluation).exactAccuracy == 0, "a mirror task's input is never its output")
    }

    @Test func theCheckoutRootAndTheDataFolderReadTheSameTasks() throws {
        let dir = try RealData.temporaryDirectory("arc-root")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.arcCheckout(at: dir)
        let (config, root) = try Self.spec(dir, ["data: .", "train: 4", "validation: 2", "test: 2"])
        let (_, data) = try Self.spec(dir, ["data: data", "train: 4", "validation: 2", "test: 2"])
        let a = try root.instantiate(split: .test, seed: config.seed).task, b = try data.instantiate(split: .test, seed: config.seed).task
        #expect(a.train == b.train && a.evaluation == b.evaluation)
        #expect(a.dataSource?.files.first == "data/training/t000.json", "file names are relative to the data: path")
        #expect(b.dataSource?.files.allSatisfy { !$0.hasPrefix("data/") } == true)
    }

    @Test func theDrawDependsOnTheSeedAndTheHashOnEveryByte() throws {
        let dir = try RealData.temporaryDirectory("arc-seed")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.arcCheckout(at: dir.appendingPathComponent("a"), training: 12, evaluation: 12)
        let (_, spec) = try Self.spec(dir, ["data: a", "train: 4", "validation: 3", "test: 3"])
        let one = try spec.instantiate(split: .validation, seed: 1).task, again = try spec.instantiate(split: .validation, seed: 1).task
        let other = try spec.instantiate(split: .validation, seed: 2).task
        #expect(one.train == again.train && one.evaluation == again.evaluation)
        #expect(one.train != other.train || one.evaluation != other.evaluation)
        #expect(one.dataSource?.contentHash == other.dataSource?.contentHash, "same files, same hash")

        // A copy with one colour changed hashes differently.
        try FileManager.default.copyItem(at: dir.appendingPathComponent("a"), to: dir.appendingPathComponent("b"))
        let file = dir.appendingPathComponent("b/data/training/t003.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        let index = text.firstIndex { ("0"..."8").contains($0) }!
        try RealData.write(text.replacingCharacters(in: index...index, with: String(Int(String(text[index]))! + 1)), to: file)
        let (_, changed) = try Self.spec(dir, ["data: b", "train: 4", "validation: 3", "test: 3"])
        #expect(try changed.loadData(seed: 1)?.contentHash != one.dataSource?.contentHash)
    }

    /// ARC grids go up to 30×30, the whole canvas: such a grid has no end-of-grid marker, and still loads, encodes,
    /// decodes and scores (an answer one column short is wrong).
    @Test func aFull30x30TaskLoadsAndScores() throws {
        let dir = try RealData.temporaryDirectory("arc-30")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, evaluation) = try RealData.arcCheckout(at: dir.appendingPathComponent("ARC-AGI"))
        let big = try #require(evaluation.first { $0.name == "e-big" })
        #expect(big.test.allSatisfy { $0.input.count == 30 && $0.input.allSatisfy { $0.count == 30 } }, "the fixture's grids are 30×30")
        // Every evaluation task is drawn (4 validation + 4 test of 8), so e-big is in one of the two splits.
        let (config, spec) = try Self.spec(dir, ["data: ARC-AGI/data", "train: 8", "validation: 4", "test: 4"])
        let encoding = ARCEncoding(side: 30)
        var full = 0
        for split in [Split.validation, .test] {
            let (task, scorer) = try spec.instantiate(split: split, seed: config.seed)
            let perfect = task.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.label)}" }.joined(separator: "\n")
            #expect(scorer.score(predictionsText: perfect, expected: task.evaluation).exactAccuracy == 1)
            for (index, query) in task.evaluation.enumerated() {
                guard let label = encoding.decode(query.label), label.count == 30, label.allSatisfy({ $0.count == 30 }) else { continue }
                full += 1
                #expect(label == big.test[0].output, "a full-canvas grid decodes to itself")
                #expect(!query.label.contains(ARCEncoding.endOfGrid) && !query.label.contains(ARCEncoding.pad))
                // The same answer one column short: wrong, and only this query is.
                var short = task.evaluation.map(\.label)
                short[index] = encoding.encode(label.map { Array($0.dropLast()) })
                let answers = zip(task.evaluation, short).map { "{\"id\": \"\($0.id)\", \"output\": \($1)}" }.joined(separator: "\n")
                let score = scorer.score(predictionsText: answers, expected: task.evaluation).exactAccuracy
                #expect(abs(score - Double(task.evaluation.count - 1) / Double(task.evaluation.count)) < 1e-9)
            }
        }
        #expect(full == 1, "e-big's one test pair is scored in one split")
    }

    @Test func kaggleCombinedFilesPairChallengesWithSolutions() throws {
        let dir = try RealData.temporaryDirectory("kaggle")
        defer { try? FileManager.default.removeItem(at: dir) }
        let training = (0..<6).map { RealData.mirrorTask("k\($0)", side: 4 + $0, seed: UInt64(300 + $0)) }
        // 30×29: as tall as the canvas, one column short of it.
        let evaluation = [RealData.mirrorTask("big", side: 30, demos: 2, tests: 2, seed: 9)]
            + (1..<5).map { RealData.mirrorTask("q\($0)", side: 3 + $0, seed: UInt64(400 + $0)) }
        try RealData.kaggle(training, subset: "training", in: dir)
        try RealData.kaggle(evaluation, subset: "evaluation", in: dir)
        try RealData.kaggle(evaluation, subset: "test", in: dir, solutions: false)  // Kaggle's hidden test set

        let loaded = try ARCDataset.load(
            path: dir.path, canvas: 30, counts: DataSource.Counts(train: 6, validation: 2, test: 3), skipBadFiles: false, seed: 3)
        #expect(loaded.source.format == .arcKaggle)
        #expect(Set(loaded.train) == Set(training), "challenges plus solutions rebuild the tasks exactly")
        #expect(Set(loaded.validation + loaded.test).isSubset(of: Set(evaluation)))
        #expect(Set(loaded.validation).isDisjoint(with: Set(loaded.test)))
        #expect(loaded.source.files == [
            "arc-agi_evaluation_challenges.json", "arc-agi_evaluation_solutions.json", "arc-agi_training_challenges.json",
            "arc-agi_training_solutions.json",
        ])
        #expect(loaded.source.leftOut.contains { $0.contains("arc-agi_test_challenges.json") && $0.contains("cannot be scored") })

        // One challenges file on its own: every split from it, its solutions found beside it.
        let single = try ARCDataset.load(
            path: dir.appendingPathComponent("arc-agi_evaluation_challenges.json").path, canvas: 30,
            counts: DataSource.Counts(train: 2, validation: 1, test: 1), skipBadFiles: false, seed: 3)
        #expect(Set(single.train + single.validation + single.test).isSubset(of: Set(evaluation)))
        #expect(single.train.count == 2)
        let hidden = RealData.failure {
            _ = try ARCDataset.load(
                path: dir.appendingPathComponent("arc-agi_test_challenges.json").path, canvas: 30,
                counts: DataSource.Counts(train: 1, validation: 1, test: 1), skipBadFiles: false, seed: 3)
        }
        #expect(hidden?.contains("arc-agi_test_solutions.json is missing beside it") == true, "\(hidden ?? "")")
    }

    @Test func kaggleSolutionsThatDoNotMatchAreNamed() throws {
        let dir = try RealData.temporaryDirectory("kaggle-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tasks = (0..<3).map { RealData.mirrorTask("k\($0)", side: 4, tests: 2, seed: UInt64($0)) }
        try RealData.kaggle(tasks, subset: "training", in: dir)
        let solutions = dir.appendingPathComponent("arc-agi_training_solutions.json")
        try RealData.write(#"{"k0": [[[1]], [[2]]], "k1": [[[1]]]}"#, to: solutions)
        func load(skip: Bool) throws -> ARCDataset.Splits {
            try ARCDataset.load(path: dir.path, canvas: 30, counts: DataSource.Counts(train: 1, validation: 0, test: 0), skipBadFiles: skip, seed: 1)
        }
        let message = RealData.failure { _ = try load(skip: false) }
        #expect(message?.contains("arc-agi_training_challenges.json:1:") == true, "\(message ?? "")")
        #expect(message?.contains("task k1 has 2 test inputs but arc-agi_training_solutions.json lists 1 output grid") == true, "\(message ?? "")")
        let skipped = try load(skip: true)
        #expect(skipped.train.map(\.name) == ["k0"])
        #expect(skipped.source.leftOut.contains { $0.contains("task k2 has no entry in arc-agi_training_solutions.json") })
    }

    @Test func theCanvasFiltersTasksAndTooFewIsAnError() throws {
        let dir = try RealData.temporaryDirectory("arc-canvas")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.arcCheckout(at: dir)  // evaluation holds a 30×30 task and 7 tasks of at most 7×7
        let (config, spec) = try Self.spec(dir, ["data: data", "size: 10", "train: 8", "validation: 4", "test: 3"])
        let task = try spec.instantiate(split: .validation, seed: config.seed).task
        #expect(task.seqLen == 100)
        let source = try #require(task.dataSource)
        #expect(source.available == 15)
        #expect(source.leftOut.contains("evaluation/: 1 tasks larger than the 10×10 canvas"))

        let (_, greedy) = try Self.spec(dir, ["data: data", "size: 10", "train: 8", "validation: 4", "test: 4"])
        let message = RealData.failure { _ = try greedy.instantiate(split: .validation, seed: config.seed) }
        #expect(message?.hasPrefix("benchmark arc-real: \(dir.appendingPathComponent("data").path): asked for 4 validation + 4 test tasks") == true, "\(message ?? "")")
        #expect(message?.contains("evaluation/ holds 7 tasks that fit the 10×10 canvas (1 larger left out); lower the counts or raise size") == true)
    }

    @Test func aValidationTaskSharingAnInputWithATrainingTaskIsPassedOver() throws {
        let dir = try RealData.temporaryDirectory("arc-overlap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let shared = RealData.mirrorTask("a-train", side: 4, seed: 1)
        var copy = RealData.mirrorTask("a-copy", side: 5, seed: 2)
        copy.train[0] = shared.train[0]  // ARC-AGI-2 reuses ARC-AGI-1 grids: the same input must not be on both sides
        try RealData.write(RealData.taskJSON(shared), to: dir.appendingPathComponent("training/a-train.json"))
        try RealData.write(RealData.taskJSON(copy), to: dir.appendingPathComponent("evaluation/a-copy.json"))
        for i in 0..<3 {
            try RealData.write(RealData.taskJSON(RealData.mirrorTask("b\(i)", side: 3, seed: UInt64(10 + i))), to: dir.appendingPathComponent("evaluation/b\(i).json"))
        }
        let loaded = try ARCDataset.load(path: dir.path, canvas: 30, counts: DataSource.Counts(train: 1, validation: 2, test: 1), skipBadFiles: false, seed: 4)
        #expect(!(loaded.validation + loaded.test).contains { $0.name == "a-copy" })
        #expect(loaded.source.leftOut == ["evaluation/: 1 tasks sharing an input grid with a task already drawn"])
    }
}

/// Every way an ARC data path can be wrong gives one line naming the file, where in it, and the cause.
@Suite struct ARCDataErrorTests {
    @Test func aFractionalColourNamesItsJSONPathLineAndColumn() throws {
        let dir = try RealData.temporaryDirectory("arc-frac")
        defer { try? FileManager.default.removeItem(at: dir) }
        var task = RealData.mirrorTask("frac", side: 5, seed: 3)
        task.train[0].input[2][3] = 7
        let text = RealData.taskJSON(task, pretty: true)
        // The colour at train[0].input[2][3] is on the fourth line of the file; replace it there by 1.5.
        var lines = text.components(separatedBy: "\n")
        let row = task.train[0].input[2]
        let line = lines.firstIndex { $0.contains("[" + row.map(String.init).joined(separator: ", ") + "]") }!
        var cells = row.map(String.init)
        cells[3] = "1.5"
        let before = lines[line]
        lines[line] = before.replacingOccurrences(of: row.map(String.init).joined(separator: ", "), with: cells.joined(separator: ", "))
        let column = lines[line].range(of: "1.5")!.lowerBound.utf16Offset(in: lines[line]) + 1
        let file = dir.appendingPathComponent("frac.json")
        try RealData.write(lines.joined(separator: "\n"), to: file)
        let message = RealData.failure { _ = try ARCLoader.load(path: dir.path) }
        #expect(message == "\(file.path):\(line + 1):\(column): 1.5 is not an integer colour (0 to 9) at train[0].input[2][3]")
    }

    @Test(arguments: [
        (#"{"train": [{"input": [[1] [2]], "output": [[1]]}], "test": []}"#, ":1:27: expected ',' or ']' after element 0 in train[0].input, found '['"),
        (#"{"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]], "output": [[-1]]}]}"#,
         ":1:86: -1 is not a colour (an integer 0 to 9) at test[0].output[0][0]"),
        (#"{"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]], "output": [["3"]]}]}"#,
         ":1:86: a string (\"3\") is not a colour (an integer 0 to 9) at test[0].output[0][0]"),
        (#"{"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]], "output": [[1]]}]} x"#,
         ":1:93: expected the end of the file after the task object in the top level, found 'x'"),
        ("{\"train\": [{\"input\": [[1]],\n \"output\": [[1]]}],\n \"test\": [{\"input\": [[1]]}]}",
         ":3:11: test[0] has no \"output\" grid"),
        ("", "the file is empty; an ARC task file holds {\"train\": [...], \"test\": [...]}"),
        (#"{"train": [{"input": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]], "output": [[1]]}], "test": []}"#,
         ":1:23: train[0].input[0] has 31 colours; an ARC row has at most 30"),
    ])
    func malformedTaskFilesSayWhere(text: String, problem: String) throws {
        let dir = try RealData.temporaryDirectory("arc-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.json")
        try RealData.write(text, to: file)
        let message = RealData.failure { _ = try ARCLoader.load(path: file.path) }
        #expect(message?.hasPrefix(file.path + (problem.hasPrefix(":") ? "" : ": ")) == true, "\(message ?? "")")
        #expect(message?.hasSuffix(problem) == true, "\(message ?? "")")
    }

    @Test func oneBadFileAmongManyFailsTheFolderUnlessSkipped() throws {
        let dir = try RealData.temporaryDirectory("arc-skip")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RealData.arcCheckout(at: dir, training: 30, evaluation: 8)
        let bad = dir.appendingPathComponent("data/training/t017.json")
        try RealData.write(#"{"train": [{"input": [[1, 2]], "output": [[1.5]]}], "test": [{"input": [[1]], "output": [[1]]}]}"#, to: bad)
        func spec(_ extra: [String]) throws -> BenchmarkSpec {
            try ARCDataTests.spec(dir, ["data: data", "train: 20", "validation: 3", "test: 3"] + extra).1
        }
        let message = RealData.failure { _ = try spec([]).instantiate(split: .validation, seed: 1) }
        #expect(message == "benchmark arc-real: \(bad.path):1:44: 1.5 is not an integer colour (0 to 9) at train[0].output[0][0]")

        let skipping = try spec(["skip_bad_files: true"])
        let task = try skipping.instantiate(split: .validation, seed: 1).task
        let source = try #require(task.dataSource)
        #expect(source.available == 37 && source.files.count == 38, "the bad file was read (and hashed) but left out")
        #expect(source.leftOut == ["skipped \(bad.path):1:44: 1.5 is not an integer colour (0 to 9) at train[0].output[0][0]"])
        #expect(source.summary.contains("left out: skipped \(bad.path)"))
    }

    @Test func aMissingDataPathNamesTheResolvedPathAndTheKey() throws {
        let dir = try RealData.temporaryDirectory("arc-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (config, spec) = try ARCDataTests.spec(dir, ["data: ARC-AGI/data", "train: 1", "validation: 1", "test: 1"])
        let message = RealData.failure { _ = try spec.instantiate(split: .validation, seed: config.seed) }
        let resolved = dir.appendingPathComponent("ARC-AGI/data").standardizedFileURL.path
        #expect(message == "benchmark arc-real: data path \(resolved) (data: ARC-AGI/data, resolved against the folder of evolve.yaml) does not exist; check the path or download the data set (see docs/real-data.md)")
    }

    @Test func otherBenchmarksFilesAreNamedAsSuch() throws {
        let dir = try RealData.temporaryDirectory("arc-wrong")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("sudoku/train.csv")
        try RealData.write(([RealData.sudokuHeader] + RealData.sudokuRows(RealData.sudokuPuzzles(2, seed: 1))).joined(separator: "\n"), to: csv)
        let file = RealData.failure { _ = try ARCDataset.load(path: csv.path, canvas: 30, counts: .init(train: 1, validation: 0, test: 0), skipBadFiles: false, seed: 1) }
        #expect(file == "\(csv.path): not JSON: it starts like a CSV (\"source,question,answer,rating\"); Sudoku and Maze CSVs go with generator: sudoku or generator: maze")
        let folder = RealData.failure {
            _ = try ARCDataset.load(path: csv.deletingLastPathComponent().path, canvas: 30, counts: .init(train: 1, validation: 0, test: 0), skipBadFiles: false, seed: 1)
        }
        #expect(folder?.hasSuffix("it holds CSV files: Sudoku and Maze data go with generator: sudoku or generator: maze") == true, "\(folder ?? "")")
    }
}
