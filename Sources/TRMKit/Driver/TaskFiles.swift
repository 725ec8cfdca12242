import Foundation

/// What the evaluator says about the task (`data/task.json`).
public struct TaskInfo: Codable, Sendable, Equatable {
    public var name: String
    public var vocabSize: Int
    public var seqLen: Int
    public var numPuzzleIds: Int

    public init(name: String, vocabSize: Int, seqLen: Int, numPuzzleIds: Int = 1) {
        self.name = name
        self.vocabSize = vocabSize
        self.seqLen = seqLen
        self.numPuzzleIds = numPuzzleIds
    }

    enum CodingKeys: String, CodingKey {
        case name
        case vocabSize = "vocab_size"
        case seqLen = "seq_len"
        case numPuzzleIds = "num_puzzle_ids"
    }
}

/// The compute the candidate may spend (`budget.json`).
public struct Budget: Codable, Sendable, Equatable {
    public var trainFLOPs: Int64
    public var evalFLOPs: Int64
    public var seed: UInt64

    public init(trainFLOPs: Int64, evalFLOPs: Int64, seed: UInt64) {
        self.trainFLOPs = trainFLOPs
        self.evalFLOPs = evalFLOPs
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case trainFLOPs = "train_flops"
        case evalFLOPs = "eval_flops"
        case seed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Budgets are often written as 5e12: accept numbers in either form.
        trainFLOPs = Int64(try c.decode(Double.self, forKey: .trainFLOPs))
        evalFLOPs = Int64(try c.decode(Double.self, forKey: .evalFLOPs))
        seed = try c.decode(UInt64.self, forKey: .seed)
    }
}

/// One line of `data/train.jsonl` (with a label) or `data/eval.jsonl` (with an id, no label).
public struct Example: Codable, Sendable, Equatable {
    public var id: String?
    public var input: [Int]
    public var label: [Int]?
    public var puzzle: Int?

    public init(id: String? = nil, input: [Int], label: [Int]? = nil, puzzle: Int? = nil) {
        self.id = id
        self.input = input
        self.label = label
        self.puzzle = puzzle
    }
}

/// A malformed input file, named with its line: the driver prints it and exits non-zero.
public struct DriverError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Reads and validates the protocol's input files.
enum TaskFiles {
    static func readJSON<T: Decodable>(_ type: T.Type, at path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DriverError(message: "\(path): missing or unreadable")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw DriverError(message: "\(path): not valid \(T.self) JSON (\(describe(error)))")
        }
    }

    /// Reads a JSONL file of examples and checks every line against the task.
    static func readExamples(at path: String, task: TaskInfo, needsLabel: Bool) throws -> [Example] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DriverError(message: "\(path): missing or unreadable")
        }
        let decoder = JSONDecoder()
        var examples: [Example] = []
        var seenIds = Set<String>()
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            let where_ = "\(path):\(index + 1)"
            let example: Example
            do {
                example = try decoder.decode(Example.self, from: Data(line))
            } catch {
                throw DriverError(message: "\(where_): not a valid example (\(describe(error)))")
            }
            try check(example.input, name: "input", at: where_, task: task)
            if needsLabel {
                guard let label = example.label else { throw DriverError(message: "\(where_): training example without \"label\"") }
                try check(label, name: "label", at: where_, task: task)
            } else {
                guard let id = example.id else { throw DriverError(message: "\(where_): eval example without \"id\"") }
                guard seenIds.insert(id).inserted else { throw DriverError(message: "\(where_): duplicate id \"\(id)\"") }
            }
            if let puzzle = example.puzzle, !(0..<task.numPuzzleIds).contains(puzzle) {
                throw DriverError(message: "\(where_): puzzle \(puzzle) outside [0, \(task.numPuzzleIds))")
            }
            examples.append(example)
        }
        guard !examples.isEmpty else { throw DriverError(message: "\(path): no examples") }
        return examples
    }

    private static func check(_ tokens: [Int], name: String, at place: String, task: TaskInfo) throws {
        guard tokens.count == task.seqLen else {
            throw DriverError(message: "\(place): \(name) has \(tokens.count) tokens, task seq_len is \(task.seqLen)")
        }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= task.vocabSize }) {
            throw DriverError(message: "\(place): \(name) token \(bad) outside [0, \(task.vocabSize))")
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context): context.debugDescription
        default: "\(error)"
        }
    }
}
