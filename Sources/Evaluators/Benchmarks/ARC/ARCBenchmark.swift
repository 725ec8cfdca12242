import EvolveCore
import EvolveSupport
/// An ARC benchmark tier: synthetic rule-family tasks (or loaded ARC-AGI tasks) turned into TRM-style examples.
///
/// Every task has its own puzzle id. Training examples are all demonstration pairs of the training tasks and
/// the demonstration pairs of the evaluation tasks (they carry no answer to the test, and TRM trains on them);
/// the evaluation queries are the test inputs of the evaluation tasks. A query is exact when its decoded output
/// grid equals the test output, scored pass@2: a prediction may offer two attempts (for example the two most
/// voted answers across augmentations) and counts when either is right.
public struct ARCBenchmark: Sendable {

    /// Canvas side: sequences are `canvas * canvas` tokens; synthetic grids are at most `min(canvas, 10)` wide.
    public var canvas: Int
    public var trainCount: Int
    public var validationCount: Int
    public var testCount: Int
    /// Augmented copies (dihedral transform and colour permutation, see `ARCAugmentation`) added per task whose
    /// demonstrations are trained on; each copy is a task of its own with its own puzzle id.
    public var augmentations: Int

    public init(canvas: Int = 10, trainCount: Int, validationCount: Int, testCount: Int, augmentations: Int = 0) {
        self.canvas = canvas
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.testCount = testCount
        self.augmentations = augmentations
    }

    public var name: String { "arc-synthetic-\(canvas)x\(canvas)" }

    /// Training examples plus the requested evaluation split of generated tasks, deterministic from `seed`.
    /// The splits are disjoint by task: no input grid of a validation task occurs in a training task, and none of
    /// a test task in a training or validation task (nor twice within a split).
    public func taskData(split: Split, seed: UInt64) throws -> TaskData {
        guard (3...30).contains(canvas) else { throw EvaluationError("\(name): the canvas side must be 3 to 30, got \(canvas)") }
        let generator = ARCGenerator(maxSide: min(canvas, 10))
        let training = try Self.generate(trainCount, generator, seed: seed &* 3 &+ 1, excluding: [])
        var excluded = Set(training.flatMap(Self.inputKeys))
        let validation = try Self.generate(validationCount, generator, seed: seed &* 3 &+ 2, excluding: excluded)
        let evaluation: [ARCGeneratedTask]
        if split == .validation {
            evaluation = validation
        } else {
            excluded.formUnion(validation.flatMap(Self.inputKeys))
            evaluation = try Self.generate(testCount, generator, seed: seed &* 3 &+ 3, excluding: excluded)
        }
        return try Self.taskData(
            name: name, canvas: canvas, training: training.map(\.task), evaluation: evaluation.map(\.task),
            evaluationPrefix: split == .validation ? "v" : "x", augmentations: augmentations, seed: seed)
    }

    /// Examples from given tasks (generated or loaded with `ARCLoader`). Puzzle ids: training tasks 0..<t, then
    /// evaluation tasks, then augmented copies in order. Example ids are `t<task>d<pair>` for training
    /// demonstrations, `<prefix><task>d<pair>` for evaluation demonstrations, `<prefix><task>q<pair>` for queries,
    /// and `…a<copy>` before `d` for augmented copies. Throws when a grid does not fit the canvas.
    public static func taskData(
        name: String, canvas: Int, training: [ARCTask], evaluation: [ARCTask], evaluationPrefix: String = "v",
        augmentations: Int = 0, seed: UInt64 = 0
    ) throws -> TaskData {
        guard (1...30).contains(canvas) else { throw EvaluationError("\(name): the canvas side must be 1 to 30, got \(canvas)") }
        let encoding = ARCEncoding(side: canvas)
        for task in training + evaluation {
            if let problem = task.problem { throw EvaluationError("\(name): task \(task.name): \(problem)") }
            if let grid = task.grids.first(where: { !encoding.fits($0) }) {
                throw EvaluationError(
                    "\(name): task \(task.name) has a \(grid.count)×\(grid[0].count) grid, larger than the \(canvas)×\(canvas) canvas; use a larger size or leave the task out")
            }
        }
        var rng = SplitMix64(seed: seed ^ 0xA076_1D64_78BD_642F)
        var train: [TokenExample] = []
        var nextPuzzle = training.count + evaluation.count
        var copies: [(prefix: String, task: ARCTask)] = []
        func demonstrations(_ task: ARCTask, id: String, puzzle: Int, augmented: Bool) {
            for (j, pair) in task.train.enumerated() {
                train.append(TokenExample(
                    id: "\(id)d\(j)", input: encoding.encode(pair.input), label: encoding.encode(pair.output), puzzle: puzzle, augmented: augmented))
            }
        }
        let sources = training.enumerated().map { ("t\($0.offset)", $0.element) }
            + evaluation.enumerated().map { ("\(evaluationPrefix)\($0.offset)", $0.element) }
        for (puzzle, (id, task)) in sources.enumerated() {
            demonstrations(task, id: id, puzzle: puzzle, augmented: false)
            var used: Set<ARCAugmentation> = [.identity]
            for a in 0..<augmentations {
                var augmentation = ARCAugmentation.random(using: &rng)
                while !used.insert(augmentation).inserted { augmentation = ARCAugmentation.random(using: &rng) }
                copies.append(("\(id)a\(a)", augmentation.apply(task, suffix: "a\(a)")))
            }
        }
        for (id, task) in copies {
            demonstrations(task, id: id, puzzle: nextPuzzle, augmented: true)
            nextPuzzle += 1
        }
        var queries: [TokenExample] = []
        for (i, task) in evaluation.enumerated() {
            for (j, pair) in task.test.enumerated() {
                queries.append(TokenExample(
                    id: "\(evaluationPrefix)\(i)q\(j)", input: encoding.encode(pair.input), label: encoding.encode(pair.output),
                    puzzle: training.count + i))
            }
        }
        return TaskData(
            name: name, vocabSize: ARCEncoding.vocabularySize, seqLen: encoding.seqLen, numPuzzleIds: nextPuzzle, train: train,
            evaluation: queries)
    }

    /// Exact when either of up to two attempts decodes (see `ARCEncoding.decode`) to the test output grid.
    public var scorer: PredictionScorer { Self.scorer(canvas: canvas) }

    public static func scorer(canvas: Int) -> PredictionScorer {
        let encoding = ARCEncoding(side: canvas)
        return PredictionScorer(attempts: 2) { example, output in
            guard let grid = encoding.decode(output) else { return false }
            return grid == encoding.decode(example.label)
        }
    }

    static func inputKeys(_ generated: ARCGeneratedTask) -> [String] {
        (generated.task.train + generated.task.test).map { ARCTask.key($0.input) }
    }

    /// `count` tasks whose input grids avoid `excluded` and each other, drawn in index order from `seed`.
    static func generate(_ count: Int, _ generator: ARCGenerator, seed: UInt64, excluding excluded: Set<String>) throws -> [ARCGeneratedTask] {
        var seen = excluded
        var result: [ARCGeneratedTask] = []
        var index = 0
        while result.count < count {
            let candidate = generator.task(index: index, seed: seed)
            index += 1
            let keys = inputKeys(candidate)
            if keys.allSatisfy({ !seen.contains($0) }) {
                seen.formUnion(keys)
                result.append(candidate)
            }
            if result.count < count, index >= count * 100 + 1000 {
                throw EvaluationError("arc: found only \(result.count) of \(count) distinct tasks after \(index) draws; use fewer tasks")
            }
        }
        return result
    }
}
