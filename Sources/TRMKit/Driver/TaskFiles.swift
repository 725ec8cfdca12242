#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a kernel knows about the task: shapes and vocabulary sizes (`data/task.json`).
///
/// Not the benchmark's name, nor the seed its data came from: task identity is not a kernel input, so
/// a kernel cannot choose a hand-written solver by name (issue 24, class 3). Shapes still tell the
/// default benchmarks apart; the learning control, not this type, answers a kernel keyed to a shape.
public struct TaskInfo: Sendable, Equatable {
    public var vocabSize: Int
    public var seqLen: Int
    public var numPuzzleIds: Int

    public init(vocabSize: Int, seqLen: Int, numPuzzleIds: Int = 1) {
        self.vocabSize = vocabSize
        self.seqLen = seqLen
        self.numPuzzleIds = numPuzzleIds
    }
}

/// The compute the candidate may spend (`budget.json`); `seed` seeds the model's initialisation, the
/// order of the training stream and the trainer's random stream.
package struct Budget: Sendable, Equatable {
    package var trainFLOPs: Int64
    package var evalFLOPs: Int64
    package var seed: UInt64

    package init(trainFLOPs: Int64, evalFLOPs: Int64, seed: UInt64) {
        self.trainFLOPs = trainFLOPs
        self.evalFLOPs = evalFLOPs
        self.seed = seed
    }
}

/// One line of `data/train.jsonl` (with a label) or `data/eval.jsonl` (with an id, no label).
package struct Example: Sendable, Equatable {
    package var id: String?
    package var input: [Int]
    package var label: [Int]?
    package var puzzle: Int?
    /// A training example the evaluator marked as a symmetric copy (`"augmented": true`): trained on,
    /// never probed, because the queries are never copies.
    package var augmented: Bool

    package init(id: String? = nil, input: [Int], label: [Int]? = nil, puzzle: Int? = nil, augmented: Bool = false) {
        self.id = id
        self.input = input
        self.label = label
        self.puzzle = puzzle
        self.augmented = augmented
    }
}

/// A malformed input file, named with its line: the driver prints it and exits non-zero.
package struct DriverError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}

/// Reads and validates the protocol's input files, and writes its outputs (plain libc: no Foundation).
enum TaskFiles {
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw DriverError(message: "\(path): missing or unreadable") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        if ferror(file) != 0 { throw DriverError(message: "\(path): missing or unreadable") }
        return bytes
    }

    static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "wb") else { throw DriverError(message: "\(path): cannot be written") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard fclose(file) == 0, written == bytes.count else { throw DriverError(message: "\(path): cannot be written") }
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw DriverError(message: "\(path): cannot create the directory") }
    }

    static func readObject(at path: String, kind: String) throws -> JSON {
        do {
            let value = try JSON.parse(try read(path))
            guard case .object = value else { throw JSON.ParseError(message: "not an object") }
            return value
        } catch let error as JSON.ParseError {
            throw DriverError(message: "\(path): not valid \(kind) JSON (\(error.message))")
        }
    }

    static func readTask(at path: String) throws -> TaskInfo {
        let json = try readObject(at: path, kind: "TaskInfo")
        func need(_ key: String) throws -> Int {
            guard let value = json[key]?.int else { throw DriverError(message: "\(path): not valid TaskInfo JSON (missing \"\(key)\")") }
            return value
        }
        // Any other key (a name, a data seed) is ignored: the kernel gets shapes only.
        return TaskInfo(vocabSize: try need("vocab_size"), seqLen: try need("seq_len"), numPuzzleIds: json["num_puzzle_ids"]?.int ?? 1)
    }

    static func readBudget(at path: String) throws -> Budget {
        let json = try readObject(at: path, kind: "Budget")
        func need<T>(_ key: String, _ convert: (JSON) -> T?) throws -> T {
            guard let value = json[key].flatMap(convert) else { throw DriverError(message: "\(path): not valid Budget JSON (missing \"\(key)\")") }
            return value
        }
        // Budgets are often written as 5e12: accept numbers in either form.
        let train = try need("train_flops", \.double), eval = try need("eval_flops", \.double)
        guard train >= 0, eval >= 0, train < 9e18, eval < 9e18 else { throw DriverError(message: "\(path): not valid Budget JSON (budgets must be in [0, 9e18))") }
        return Budget(trainFLOPs: Int64(train), evalFLOPs: Int64(eval), seed: try need("seed", \.uint64))
    }

    /// Reads a JSONL file of examples and checks every line against the task.
    static func readExamples(at path: String, task: TaskInfo, needsLabel: Bool) throws -> [Example] {
        let data = try read(path)
        var examples: [Example] = []
        var seenIds = Set<String>()
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            let where_ = "\(path):\(index + 1)"
            let json: JSON
            do {
                json = try JSON.parse(line)
            } catch {
                throw DriverError(message: "\(where_): not a valid example (\(error.message))")
            }
            guard case .object = json else { throw DriverError(message: "\(where_): not a valid example (not an object)") }
            func tokens(_ key: String) throws -> [Int]? {
                guard let value = json[key], value != .null else { return nil }
                guard let items = value.array, case let ints = items.compactMap(\.int), ints.count == items.count else {
                    throw DriverError(message: "\(where_): not a valid example (\"\(key)\" is not a list of integers)")
                }
                return ints
            }
            guard let input = try tokens("input") else { throw DriverError(message: "\(where_): not a valid example (missing \"input\")") }
            if let flag = json["augmented"], flag != .null, flag.bool == nil {
                throw DriverError(message: "\(where_): not a valid example (\"augmented\" is not true or false)")
            }
            let example = Example(
                id: json["id"]?.string, input: input, label: try tokens("label"), puzzle: json["puzzle"]?.int,
                augmented: json["augmented"]?.bool ?? false)
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
}
