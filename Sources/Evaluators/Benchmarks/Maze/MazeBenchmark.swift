import EvolveCore
import EvolveSupport
/// A maze benchmark tier: generated k×k-cell perfect mazes split into train / validation / test, with the
/// training split optionally augmented by rotated and mirrored copies.
public struct MazeBenchmark: Sendable {

    /// Cells per side (k); the token grid is (2k+1)×(2k+1).
    public var size: Int
    public var trainCount: Int
    public var validationCount: Int
    public var testCount: Int
    /// Rotated or mirrored copies added per training maze (0 = none). There are 7 non-identity transforms,
    /// so at most 7 copies are added, each a different transform.
    public var augmentations: Int

    public init(size: Int, trainCount: Int, validationCount: Int, testCount: Int, augmentations: Int = 0) {
        self.size = size
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.testCount = testCount
        self.augmentations = augmentations
    }

    public var side: Int { 2 * size + 1 }
    public var name: String { "maze-\(side)x\(side)" }

    /// Training examples plus the requested evaluation split, deterministic from `seed`. The splits are
    /// disjoint by `symmetryKey`: no maze has a rotated or mirrored copy in another split (validation excludes
    /// train's keys, test excludes train's and validation's), and no split holds two copies of one maze.
    /// Throws when k is below 2 or there are too few distinct mazes of this size for the counts asked.
    public func taskData(split: Split, seed: UInt64) throws -> TaskData {
        guard size >= 2 else { throw EvaluationError("\(name): a maze needs at least 2×2 cells, got size \(size)") }
        let generator = MazeGenerator(size: size)
        let trainMazes = try Self.generate(trainCount, generator, seed: seed &* 3 &+ 1, excluding: [])
        var excluded = Set(trainMazes.map(\.symmetryKey))
        let validation = try Self.generate(validationCount, generator, seed: seed &* 3 &+ 2, excluding: excluded)
        let evalMazes: [MazePuzzle]
        if split == .validation {
            evalMazes = validation
        } else {
            excluded.formUnion(validation.map(\.symmetryKey))
            evalMazes = try Self.generate(testCount, generator, seed: seed &* 3 &+ 3, excluding: excluded)
        }
        return Self.taskData(
            name: name, side: side, training: trainMazes, evaluation: evalMazes, evaluationPrefix: split == .validation ? "v" : "x",
            augmentations: augmentations, seed: seed)
    }

    /// Examples from given mazes of one side (generated, or drawn from a Maze-Hard CSV): training examples `t<i>`,
    /// each followed by up to 7 rotated or mirrored copies `t<i>a<k>` (distinct transforms drawn from `seed`), and
    /// queries `<prefix><i>`.
    public static func taskData(
        name: String, side: Int, training: [MazePuzzle], evaluation: [MazePuzzle], evaluationPrefix: String, augmentations: Int,
        seed: UInt64
    ) -> TaskData {
        var rng = SplitMix64(seed: seed ^ 0xA076_1D64_78BD_642F)
        var train: [TokenExample] = []
        for (i, maze) in training.enumerated() {
            train.append(TokenExample(id: "t\(i)", input: maze.inputTokens, label: maze.labelTokens))
            guard augmentations > 0 else { continue }
            var transforms = Array(1..<8)
            for j in stride(from: transforms.count - 1, to: 0, by: -1) {  // Fisher–Yates with the stable draw
                transforms.swapAt(j, MazeGenerator.below(j + 1, &rng))
            }
            for (a, t) in transforms.prefix(augmentations).enumerated() {
                let copy = MazeSymmetry(index: t).apply(maze)
                train.append(TokenExample(id: "t\(i)a\(a)", input: copy.inputTokens, label: copy.labelTokens, augmented: true))
            }
        }
        let queries = evaluation.enumerated().map {
            TokenExample(id: "\(evaluationPrefix)\($0.offset)", input: $0.element.inputTokens, label: $0.element.labelTokens)
        }
        return TaskData(name: name, vocabSize: MazeToken.vocabularySize, seqLen: side * side, train: train, evaluation: queries)
    }

    /// Any shortest path from start to goal is right, not only the stored one.
    public var scorer: PredictionScorer { Self.scorer }

    /// Any shortest path is right, for mazes of any side (generated or Maze-Hard's 30×30).
    public static let scorer = PredictionScorer { example, output in MazeVerifier.isShortestPath(input: example.input, output: output) }

    /// `count` mazes whose keys avoid `excluded` and each other, drawn in index order from `seed`.
    static func generate(_ count: Int, _ generator: MazeGenerator, seed: UInt64, excluding excluded: Set<String>) throws -> [MazePuzzle] {
        var seen = excluded
        var result: [MazePuzzle] = []
        var index: UInt64 = 0
        while result.count < count {
            var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ index)
            index += 1
            let maze = generator.puzzle(using: &rng)
            if seen.insert(maze.symmetryKey).inserted { result.append(maze) }
            if result.count < count, index >= UInt64(count) * 1000 + 10_000 {
                throw EvaluationError(
                    "maze-\(generator.side)x\(generator.side): found only \(result.count) of \(count) distinct mazes after \(index) draws; use a larger size or fewer mazes")
            }
        }
        return result
    }
}
