import Foundation

/// One example of a benchmark split: tokens in, tokens out, and the puzzle id for the prefix embedding.
public struct TokenExample: Sendable, Equatable, Codable {
    public var id: String
    public var input: [Int]
    public var label: [Int]
    public var puzzle: Int
    /// A symmetric copy made for training (rotated, relabelled, …), not a draw from the distribution the
    /// queries come from. The driver probes the training curve on the other examples only, so the
    /// probe measures what validation measures (docs/candidate-protocol.md, "Validation far above the probes").
    public var augmented: Bool

    public init(id: String, input: [Int], label: [Int], puzzle: Int = 0, augmented: Bool = false) {
        self.id = id
        self.input = input
        self.label = label
        self.puzzle = puzzle
        self.augmented = augmented
    }

    /// `augmented` may be absent (examples stored before it existed): an original.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), input: try c.decode([Int].self, forKey: .input),
            label: try c.decode([Int].self, forKey: .label), puzzle: try c.decode(Int.self, forKey: .puzzle),
            augmented: try c.decodeIfPresent(Bool.self, forKey: .augmented) ?? false)
    }
}

/// A benchmark instance in the candidate protocol's terms: what goes into `data/` (training examples
/// with labels, evaluation queries without) and the evaluation labels, which never leave the evaluator.
public struct TaskData: Sendable {
    public var name: String
    public var vocabSize: Int
    public var seqLen: Int
    public var numPuzzleIds: Int
    public var train: [TokenExample]
    /// Evaluation examples; only their ids and inputs are written for the candidate.
    public var evaluation: [TokenExample]
    /// The real files this task was drawn from (a `data:` benchmark), nil for generated ones.
    public var dataSource: DataSource? = nil

    public init(name: String, vocabSize: Int, seqLen: Int, numPuzzleIds: Int = 1, train: [TokenExample], evaluation: [TokenExample]) {
        self.name = name
        self.vocabSize = vocabSize
        self.seqLen = seqLen
        self.numPuzzleIds = numPuzzleIds
        self.train = train
        self.evaluation = evaluation
    }

    /// Writes `data/task.json`, `data/train.jsonl`, `data/eval.jsonl` (no labels) and `budget.json`
    /// into `workDir`, and creates `out/`.
    public func write(to workDir: URL, trainFLOPs: Int64, evalFLOPs: Int64, seed: UInt64) throws {
        let data = workDir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: workDir.appendingPathComponent("out"), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Shapes only: the benchmark's name and data seed are not kernel inputs (TRMKit's TaskInfo).
        struct Task: Encodable { let vocab_size: Int; let seq_len: Int; let num_puzzle_ids: Int }
        struct BudgetFile: Encodable { let train_flops: Int64; let eval_flops: Int64; let seed: UInt64 }
        try encoder.encode(Task(vocab_size: vocabSize, seq_len: seqLen, num_puzzle_ids: numPuzzleIds))
            .write(to: data.appendingPathComponent("task.json"))
        // `augmented` only on copies: which examples the driver may probe, not a kernel input.
        try JSONLines.training(train).write(to: data.appendingPathComponent("train.jsonl"))
        try JSONLines.queries(evaluation).write(to: data.appendingPathComponent("eval.jsonl"))
        try encoder.encode(BudgetFile(train_flops: trainFLOPs, eval_flops: evalFLOPs, seed: seed))
            .write(to: workDir.appendingPathComponent("budget.json"))
    }
}

extension TaskData {
    /// This task with its evaluation queries in a random order under random opaque ids (16 hex digits),
    /// fresh for every run: nothing in `eval.jsonl` tells a validation query from a test query, or the
    /// first stage's queries from the second's. The labels stay with the renamed examples, so score the
    /// run against the returned task's `evaluation`.
    public func withOpaqueQueryIDs() -> TaskData {
        var generator = SystemRandomNumberGenerator()
        return withOpaqueQueryIDs(using: &generator)
    }

    public func withOpaqueQueryIDs<G: RandomNumberGenerator>(using generator: inout G) -> TaskData {
        var copy = self
        var used = Set<String>()
        copy.evaluation = evaluation.shuffled(using: &generator).map { example in
            var renamed = example
            repeat {
                let value = generator.next()
                renamed.id = String(repeating: "0", count: 16 - String(value, radix: 16).count) + String(value, radix: 16)
            } while !used.insert(renamed.id).inserted
            return renamed
        }
        return copy
    }
}
