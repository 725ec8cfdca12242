import EvolveCore
import Foundation
import Yams

/// The run's evaluation settings, from the seed directory's `evolve.yaml`: which benchmarks score every
/// program and with what budgets, and the data seed that generates the splits (never shown to a
/// candidate). Fixed when the run starts; a candidate's own copy of the file is ignored.
public struct ProgramConfig: Decodable, Sendable {
    public var entry: String?
    public var brief: String?
    public var seed: UInt64
    public var benchmarks: [BenchmarkSpec]

    /// Reads `<programDir>/evolve.yaml`.
    public static func load(programDir: URL) throws -> ProgramConfig {
        let path = programDir.appendingPathComponent("evolve.yaml").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError("\(path): missing; a program directory needs an evolve.yaml naming its benchmarks (see Programs/trm/evolve.yaml)")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses the YAML text of an `evolve.yaml`; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws -> ProgramConfig {
        do {
            let config = try YAMLDecoder().decode(ProgramConfig.self, from: text)
            guard !config.benchmarks.isEmpty else { throw EvaluationError("\(path): no benchmarks listed") }
            return config
        } catch let error as EvaluationError {
            throw error
        } catch {
            throw EvaluationError("\(path): \(error)")
        }
    }
}

/// One benchmark entry of `evolve.yaml`.
public struct BenchmarkSpec: Decodable, Sendable {
    public var name: String
    public var generator: String
    public var boxRows: Int?
    public var boxColumns: Int?
    /// Maze cells per side (k; the grid is 2k+1 tokens wide); for ARC the canvas side (default 10).
    public var size: Int?
    /// "minimal" or a number of blanks.
    public var difficulty: String?
    public var train: Int
    public var augmentations: Int?
    public var validation: Int
    public var test: Int
    public var trainFLOPs: Double
    public var evalFLOPs: Double
    public var wallSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case name, generator, difficulty, size, train, augmentations, validation, test
        case boxRows = "box_rows", boxColumns = "box_columns", trainFLOPs = "train_flops", evalFLOPs = "eval_flops"
        case wallSeconds = "wall_seconds"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        generator = try c.decode(String.self, forKey: .generator)
        boxRows = try c.decodeIfPresent(Int.self, forKey: .boxRows)
        boxColumns = try c.decodeIfPresent(Int.self, forKey: .boxColumns)
        size = try c.decodeIfPresent(Int.self, forKey: .size)
        if let number = try? c.decodeIfPresent(Int.self, forKey: .difficulty) {
            difficulty = String(number)
        } else {
            difficulty = try c.decodeIfPresent(String.self, forKey: .difficulty)
        }
        train = try c.decode(Int.self, forKey: .train)
        augmentations = try c.decodeIfPresent(Int.self, forKey: .augmentations)
        validation = try c.decode(Int.self, forKey: .validation)
        test = try c.decode(Int.self, forKey: .test)
        trainFLOPs = try c.decode(Double.self, forKey: .trainFLOPs)
        evalFLOPs = try c.decode(Double.self, forKey: .evalFLOPs)
        wallSeconds = try c.decodeIfPresent(Double.self, forKey: .wallSeconds)
    }

    /// The generated task (training examples and the requested split) and how to score it.
    public func instantiate(split: Split, seed: UInt64) throws -> (task: TaskData, scorer: PredictionScorer) {
        switch generator {
        case "sudoku":
            let rows = boxRows ?? 3, columns = boxColumns ?? 3
            let level: SudokuGenerator.Difficulty
            switch difficulty ?? "minimal" {
            case "minimal": level = .minimal
            case let text:
                guard let blanks = Int(text), blanks > 0 else {
                    throw EvaluationError("benchmark \(name): difficulty must be \"minimal\" or a number of blanks, got \"\(text)\"")
                }
                level = .blanks(blanks)
            }
            let bench = SudokuBenchmark(
                boxRows: rows, boxColumns: columns, difficulty: level, trainCount: train, validationCount: validation,
                testCount: test, augmentations: augmentations ?? 0)
            var task = bench.taskData(split: split, seed: seed)
            task.name = name
            return (task, bench.scorer)
        case "maze":
            guard let cells = size, cells >= 2 else {
                throw EvaluationError("benchmark \(name): a maze needs size (cells per side) of at least 2, got \(size.map(String.init) ?? "none")")
            }
            let bench = MazeBenchmark(
                size: cells, trainCount: train, validationCount: validation, testCount: test, augmentations: augmentations ?? 0)
            return try named(bench.scorer) { try bench.taskData(split: split, seed: seed) }
        case "arc":
            let side = size ?? 10
            guard (3...30).contains(side) else {
                throw EvaluationError("benchmark \(name): an ARC canvas needs size (canvas side) from 3 to 30, got \(side)")
            }
            let bench = ARCBenchmark(
                canvas: side, trainCount: train, validationCount: validation, testCount: test, augmentations: augmentations ?? 0)
            return try named(bench.scorer) { try bench.taskData(split: split, seed: seed) }
        default:
            throw EvaluationError("benchmark \(name): unknown generator \"\(generator)\" (available: sudoku, maze, arc)")
        }
    }

    /// Builds a generator's task under this benchmark's name, prefixing its errors with the name.
    private func named(
        _ scorer: PredictionScorer, _ make: () throws -> TaskData
    ) throws -> (task: TaskData, scorer: PredictionScorer) {
        do {
            var task = try make()
            task.name = name
            return (task, scorer)
        } catch let error as EvaluationError {
            throw EvaluationError("benchmark \(name): \(error.description)")
        }
    }
}

/// An evaluation that cannot proceed, with the object, the cause and the next step in one line.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
