import EvolveSupport
import Foundation
import Testing
@testable import Evaluators

@Suite struct ARCBenchmarkTests {
    static func decodedInputs(_ examples: [TokenExample], side: Int) -> Set<ARCGrid> {
        Set(examples.map { ARCEncoding(side: side).decode($0.input)! })
    }

    @Test func examplesFollowTheTasks() throws {
        let bench = ARCBenchmark(canvas: 10, trainCount: 14, validationCount: 7, testCount: 7)
        let data = try bench.taskData(split: .validation, seed: 4)
        #expect(data.vocabSize == 12 && data.seqLen == 100 && data.numPuzzleIds == 21)
        #expect(data.train.count == 21 * 3, "three demonstrations of every training and validation task")
        #expect(data.evaluation.count == 7 && data.evaluation.map(\.puzzle) == Array(14..<21))
        #expect(Set(data.train.map(\.id)).count == data.train.count)
        for query in data.evaluation {
            #expect(data.train.filter { $0.puzzle == query.puzzle }.count == 3, "the query's task contributes its demonstrations")
        }
        #expect(data.train.allSatisfy { $0.input.count == 100 && $0.label.count == 100 })
        // Every demonstration of a task obeys one rule with its query: recolour tasks stay cell-wise recolourings.
        let encoding = ARCEncoding(side: 10)
        for query in data.evaluation {
            let demos = data.train.filter { $0.puzzle == query.puzzle }
                .map { ARCPair(input: encoding.decode($0.input)!, output: encoding.decode($0.label)!) }
            let test = ARCPair(input: encoding.decode(query.input)!, output: encoding.decode(query.label)!)
            #expect(!demos.contains(test), "the test pair is not among the demonstrations")
        }
    }

    @Test func splitsAreDisjointByTask() throws {
        let bench = ARCBenchmark(canvas: 8, trainCount: 21, validationCount: 14, testCount: 14)
        let validation = try bench.taskData(split: .validation, seed: 9)
        let test = try bench.taskData(split: .test, seed: 9)
        #expect(validation.train.filter { $0.puzzle < 21 } == test.train.filter { $0.puzzle < 21 }, "the same training tasks")
        let trainingInputs = Self.decodedInputs(validation.train.filter { $0.puzzle < 21 }, side: 8)
        let validationInputs = Self.decodedInputs(validation.train.filter { $0.puzzle >= 21 } + validation.evaluation, side: 8)
        let testInputs = Self.decodedInputs(test.train.filter { $0.puzzle >= 21 } + test.evaluation, side: 8)
        #expect(trainingInputs.isDisjoint(with: validationInputs))
        #expect(trainingInputs.isDisjoint(with: testInputs))
        #expect(validationInputs.isDisjoint(with: testInputs))
        #expect(validationInputs.count == 14 * 4 && testInputs.count == 14 * 4, "no input repeats within a split")
    }

    @Test func dataIsDeterministicPerSeed() throws {
        let bench = ARCBenchmark(canvas: 10, trainCount: 7, validationCount: 3, testCount: 3, augmentations: 2)
        let one = try bench.taskData(split: .test, seed: 8), two = try bench.taskData(split: .test, seed: 8)
        #expect(one.train == two.train && one.evaluation == two.evaluation)
        #expect(try bench.taskData(split: .test, seed: 9).train != one.train)
    }

    @Test func augmentedCopiesAreTasksOfTheirOwn() throws {
        let bench = ARCBenchmark(canvas: 10, trainCount: 7, validationCount: 3, testCount: 3, augmentations: 2)
        let data = try bench.taskData(split: .validation, seed: 1)
        #expect(data.numPuzzleIds == 10 * 3)
        #expect(data.train.count == 10 * 3 * 3)
        #expect(Set(data.train.map(\.puzzle)) == Set(0..<30))
        #expect(data.train.filter { $0.id.hasPrefix("t0a1d") }.count == 3)
        let originals = data.train.filter { $0.puzzle < 10 }.map(\.input), copies = data.train.filter { $0.puzzle >= 10 }.map(\.input)
        #expect(copies.count == 2 * originals.count)
        #expect(Set(copies).count > copies.count / 2, "copies are transformed, not repeated")
    }

    @Test func scorerComparesDecodedGrids() {
        let encoding = ARCEncoding(side: 5)
        let answer: ARCGrid = [[1, 2], [3, 0]]
        let example = TokenExample(id: "v0q0", input: encoding.encode([[0]]), label: encoding.encode(answer))
        let scorer = ARCBenchmark(canvas: 5, trainCount: 0, validationCount: 1, testCount: 1).scorer
        func exact(_ output: [Int]) -> Double {
            scorer.score(predictionsText: "{\"id\": \"v0q0\", \"output\": \(output)}\n", expected: [example]).exactAccuracy
        }
        #expect(exact(example.label) == 1)
        var noisyPadding = example.label
        noisyPadding[24] = 7  // outside the grid and its markers
        #expect(exact(noisyPadding) == 1, "only the decoded grid counts")
        var wrongColour = example.label
        wrongColour[0] = 4
        #expect(exact(wrongColour) == 0)
        #expect(exact(encoding.encode([[1, 2, 0], [3, 0, 0]])) == 0, "a wider grid is wrong")
        #expect(exact(Array(repeating: 0, count: 25)) == 0)
    }

    @Test func wiredAsTheArcGenerator() throws {
        let dir = try ARCFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
            seed: 3
            benchmarks:
              - name: arc-small
                generator: arc
                train: 14
                validation: 7
                test: 7
                train_flops: 1.0e10
                eval_flops: 1.0e9
              - name: arc-wide
                generator: arc
                size: 31
                train: 1
                validation: 1
                test: 1
                train_flops: 1.0e10
                eval_flops: 1.0e9
            """
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("evolve.yaml"))
        let config = try ProgramConfig.load(programDir: dir)
        let (task, scorer) = try config.benchmarks[0].instantiate(split: .validation, seed: config.seed)
        #expect(task.name == "arc-small" && task.seqLen == 100 && task.vocabSize == 12 && task.numPuzzleIds == 21)
        let predictions = task.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.label)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: predictions, expected: task.evaluation).exactAccuracy == 1)
        let copies = task.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.input)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: copies, expected: task.evaluation).exactAccuracy == 0, "copying the input is never right")
        #expect(throws: EvaluationError.self) { try config.benchmarks[1].instantiate(split: .validation, seed: 1) }
    }
}
