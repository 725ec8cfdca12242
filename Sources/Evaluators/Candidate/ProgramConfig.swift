import EvolveConfig
import EvolveCore
import Foundation
import Yams

/// The run's evaluation settings, from the seed directory's `evolve.yaml`: which benchmarks score every
/// program and with what budgets, and the data seed that generates (or draws) the splits (never shown to a
/// candidate). Fixed when the run starts; a candidate's own copy of the file is ignored.
///
/// Keys are checked: a key evolve does not know is an error naming it and the nearest known key, so a typo
/// never falls back to a default silently.
public struct ProgramConfig: Decodable, Sendable {
    public var language: String?
    public var entry: String?
    public var brief: String?
    /// Every top-level key `evolve.yaml` may hold, from the one registry of keys (`KeyRegistry`).
    public static let topLevelKeys = KeyRegistry.names(at: .top)

    public var seed: UInt64
    public var benchmarks: [BenchmarkSpec]
    /// What the compute cross-check does with a run whose CPU time its metered work does not explain
    /// (`compute_check: reject | flag | off`; docs/sandbox.md, "Compute cross-check").
    public var computeCheck: ComputeCheckMode = .reject
    /// How many times the explained CPU time a run may use (`compute_factor`, default 3).
    public var computeFactor: Double = 3
    /// The wall-clock net: this multiple of a budget's expected time at the slowest calibrated rate, plus
    /// 30 s (`wall_factor`, default 3); a benchmark's `wall_seconds` caps it.
    public var wallFactor: Double = 3

    /// `compute_check`'s values.
    public enum ComputeCheckMode: String, Decodable, Sendable {
        case reject, flag, off

        /// The finding's action, nil when the check is off.
        public var action: IntegrityFinding.Action? {
            switch self {
            case .reject: .reject
            case .flag: .flag
            case .off: nil
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case seed, benchmarks
    }

    /// The benchmarks and the data seed; the other keys are `EvolveFile`'s to read (see `parse`).
    public init(from decoder: Decoder) throws {
        let misplaced = Dictionary(uniqueKeysWithValues: BenchmarkSpec.keys.filter { !Self.topLevelKeys.contains($0) }.map {
            ($0, "a benchmark key; put it inside an entry of benchmarks:")
        })
        try ConfigKeys.check(decoder, known: Self.topLevelKeys, location: "the top level", hints: misplaced)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decode(UInt64.self, forKey: .seed)
        benchmarks = try c.decode([BenchmarkSpec].self, forKey: .benchmarks)
    }

    /// The program's and the compute check's keys from the file's one model.
    mutating func take(_ file: EvolveFile) {
        language = file.program.language
        entry = file.program.entry
        brief = file.program.brief
        computeCheck = ComputeCheckMode(rawValue: file.compute.check) ?? .reject
        computeFactor = file.compute.factor
        wallFactor = file.compute.wallFactor
    }

    /// Reads `<programDir>/evolve.yaml` and reads the files of every `data:` benchmark once, so a wrong path or
    /// a malformed file stops the run before any program is compiled (the draw is cached for the evaluations).
    public static func load(programDir: URL) throws -> ProgramConfig {
        let path = programDir.appendingPathComponent("evolve.yaml").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError("\(path): missing; a program directory needs an evolve.yaml naming its benchmarks (see Programs/trm/evolve.yaml)")
        }
        let config = try parse(String(decoding: data, as: UTF8.self), path: path)
        if let entry = config.entry, !FileManager.default.fileExists(atPath: programDir.appendingPathComponent(entry).path) {
            throw EvaluationError("\(path): entry: \(programDir.path) has no file \(entry); name the file with its EVOLVE-BLOCKs, or remove the key")
        }
        _ = try config.loadData()
        return config
    }

    /// Parses the YAML text of an `evolve.yaml`; `path` names it in errors and its folder is where relative
    /// `data:` and `suite:` paths start.
    public static func parse(_ text: String, path: String) throws -> ProgramConfig {
        let text = try inliningSuite(text, path: path)
        do {
            var config = try YAMLDecoder().decode(ProgramConfig.self, from: text)
            // Every other key, at every level, is checked and read by the file's one model.
            config.take(try EvolveFile.parse(text, path: path))
            guard !config.benchmarks.isEmpty else { throw EvaluationError("\(path): no benchmarks listed") }
            var names = Set<String>()
            for spec in config.benchmarks where !names.insert(spec.name).inserted {
                throw EvaluationError("\(path): two benchmarks are named \"\(spec.name)\"; scores are kept by name, so give each its own")
            }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            for index in config.benchmarks.indices { config.benchmarks[index].resolveData(relativeTo: folder) }
            return config
        } catch let error as EvaluationError {
            throw error
        } catch let error as ConfigError {
            throw EvaluationError(error.description)
        } catch {
            throw EvaluationError("\(path): \(Self.describe(error))")
        }
    }

    /// `text` with its `suite: FILE` include replaced by FILE's `benchmarks:` (their `data:` paths made absolute,
    /// since they are relative to FILE's folder); text without `suite:` comes back unchanged. A run stores this
    /// text when it starts, so its benchmarks and budgets stay fixed even if the suite file changes later.
    /// FILE (relative to the folder of `path`) holds only a `benchmarks:` list, e.g. `Programs/suite.yaml`.
    public static func inliningSuite(_ text: String, path: String) throws -> String {
        // Text that is not YAML comes back as it is: its readers report the syntax error in their own words.
        guard let root = try? Yams.compose(yaml: text), let mapping = root.mapping, let include = mapping["suite"] else { return text }
        guard let file = include.string, !file.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw EvaluationError("\(path): suite must name a file holding a benchmarks: list, e.g. suite: ../suite.yaml")
        }
        guard mapping["benchmarks"] == nil else {
            throw EvaluationError("\(path): has both suite: and benchmarks:; keep one (suite: \(file) is a benchmarks: list of its own)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let suiteURL = URL(fileURLWithPath: BenchmarkSpec.resolve(file, relativeTo: folder))
        guard let data = FileManager.default.contents(atPath: suiteURL.path) else {
            throw EvaluationError("\(path): suite \(file) (\(suiteURL.path)) cannot be read; check the path, relative to this file's folder")
        }
        let suiteRoot: Node?
        do { suiteRoot = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) } catch {
            throw EvaluationError("\(suiteURL.path): \(describe(error))")
        }
        guard let suite = suiteRoot?.mapping, var benchmarks = suite["benchmarks"]?.sequence else {
            throw EvaluationError("\(suiteURL.path): a suite file holds a benchmarks: list (the entries evolve.yaml would list)")
        }
        let unknown = suite.keys.compactMap(\.string).filter { $0 != "benchmarks" }.sorted()
        guard unknown.isEmpty else {
            throw EvaluationError("\(suiteURL.path): unknown key \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); a suite file holds only benchmarks:")
        }
        for index in benchmarks.indices {
            guard var entry = benchmarks[index].mapping, let data = entry["data"]?.string else { continue }
            entry["data"] = Node(BenchmarkSpec.resolve(data, relativeTo: suiteURL.deletingLastPathComponent()))
            benchmarks[index] = .mapping(entry)
        }
        var merged = mapping
        merged["suite"] = nil
        merged["benchmarks"] = .sequence(benchmarks)
        do { return try Yams.serialize(node: .mapping(merged)) } catch { throw EvaluationError("\(path): \(describe(error))") }
    }

    /// One line for an error met while decoding. Yams wraps errors thrown by `init(from:)` (the key checks) in
    /// `DecodingError.dataCorrupted` ("not valid YAML"); the underlying error is the one to show.
    static func describe(_ error: Error) -> String {
        switch error {
        case let error as ConfigKeys.Unknown: return error.description
        case let error as ConfigKeys.Problem: return error.description
        case DecodingError.dataCorrupted(let context) where context.underlyingError != nil:
            return describe(context.underlyingError!)
        case let error as DecodingError: return ConfigKeys.describe(error)
        default: return String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        }
    }

    /// The data source of every `data:` benchmark, by benchmark name (reads the files on first use; cached).
    public func loadData() throws -> [String: DataSource] {
        var sources: [String: DataSource] = [:]
        for spec in benchmarks {
            if let source = try spec.loadData(seed: seed) { sources[spec.name] = source }
        }
        return sources
    }

    /// Makes every generated benchmark's puzzles once, so that a configuration its generator cannot satisfy
    /// (more distinct 4×4 Sudoku puzzles than the grid holds, a box too large) stops `evolve run` or
    /// `evolve eval` before anything is compiled, with one line naming the benchmark.
    public func checkGenerators() throws {
        for spec in benchmarks where spec.data == nil {
            _ = try spec.instantiate(split: .test, seed: seed)
        }
    }
}

/// An evaluation that cannot proceed, with the object, the cause and the next step in one line.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
