import EvolveConfig
import EvolveCore
import EvolveSupport
import Foundation

/// The run's evaluation settings, from the seed directory's `evolve.yaml`: which benchmarks score every
/// program and with what budgets, and the data seed that generates (or draws) the splits (never shown to a
/// candidate). Fixed when the run starts; a candidate's own copy of the file is ignored.
///
/// Keys are checked: a key evolve does not know is an error naming it and the nearest known key, so a typo
/// never falls back to a default silently.
public struct ProgramConfig: Sendable {
    public var language: String?
    public var entry: String?
    public var brief: String?
    /// Every top-level key `evolve.yaml` may hold, from the one registry of keys (`KeyRegistry`).
    public static let topLevelKeys = KeyRegistry.names(at: .top)

    public var seed: UInt64
    /// The secret mixed into `seed` (`data_key`; `evolve run` draws one when the file has none).
    ///
    /// Why: the generators are deterministic and a seed written in a committed evolve.yaml is public, so
    /// a kernel can port a generator, make every split itself in plain Swift at `init` and answer by a
    /// metered table lookup of each query — which no other layer tells from learning (it learns the
    /// permutation control's renaming, tables the probed training puzzles, and plays dumb on stage 1's 16
    /// queries; `PublicDataSeedTests`). Without the key the splits cannot be remade.
    public var dataKey: UInt64?
    /// The seed the benchmarks' splits are made from: `seed`, keyed by `dataKey` when there is one.
    public var dataSeed: UInt64 { dataKey.map { Self.keyed(seed: seed, key: $0) } ?? seed }
    public var benchmarks: [BenchmarkSpec]
    /// Benchmarks selection never sees (`transfer:`): scored only on `Split.transfer` requests, on their
    /// held-out test split, when the run ends (docs/evolution-loop.md, "Transfer").
    public var transfer: [BenchmarkSpec] = []
    /// What the compute cross-check does with a run whose CPU time its metered work does not explain
    /// (`compute_check: reject | flag | off`; docs/sandbox.md, "Compute cross-check").
    public var computeCheck: ComputeCheckMode = .reject
    /// How many times the explained CPU time a run may use (`compute_factor`, default 3).
    public var computeFactor: Double = 3
    /// The wall-clock net: this multiple of a budget's expected time at the slowest calibrated rate, plus
    /// 30 s (`wall_factor`, default 3); a benchmark's `wall_seconds` caps it.
    public var wallFactor: Double = 3

    /// `compute_check`'s values.
    public enum ComputeCheckMode: String, Sendable {
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

    /// The program's keys, the data seed, the benchmarks and the compute check's keys from the file's one
    /// model (`EvolveFile`); the seed and at least one benchmark are required here, where they are used.
    init(_ file: EvolveFile, path: String) throws {
        guard let seed = file.program.seed else { throw EvaluationError("\(path): the top level has no \"seed\", which is required") }
        guard let entries = file.benchmarks else { throw EvaluationError("\(path): the top level has no \"benchmarks\", which is required") }
        self.seed = seed
        dataKey = file.program.dataKey
        benchmarks = try entries.map { try BenchmarkSpec($0, in: path) }
        transfer = try (file.transfer ?? []).map { try BenchmarkSpec($0, in: path) }
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
        let file: EvolveFile
        do { file = try EvolveFile.parse(text, path: path) } catch let error as ConfigError { throw EvaluationError(error.description) }
        var config = try ProgramConfig(file, path: path)
        guard !config.benchmarks.isEmpty else { throw EvaluationError("\(path): no benchmarks listed") }
        var names = Set<String>()
        for spec in config.benchmarks + config.transfer where !names.insert(spec.name).inserted {
            throw EvaluationError("\(path): two benchmarks are named \"\(spec.name)\"; scores are kept by name, so give each its own")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        for index in config.benchmarks.indices { config.benchmarks[index].resolveData(relativeTo: folder) }
        for index in config.transfer.indices { config.transfer[index].resolveData(relativeTo: folder) }
        return config
    }

    /// `text` with its `suite: FILE` include replaced by FILE's benchmarks (`EvolveFile.inliningSuite`), the
    /// text a run stores so that its benchmarks stay fixed; a mistake in the include is an `EvaluationError`.
    public static func inliningSuite(_ text: String, path: String) throws -> String {
        do { return try EvolveFile.inliningSuite(text, path: path) } catch let error as ConfigError { throw EvaluationError(error.description) }
    }

    /// `text` with a `data_key` drawn from the system's generator appended, when it names a data seed and
    /// no key: what `evolve run` stores when it starts, so the run (resumed, or on a queue's workers) makes
    /// its splits from a seed no candidate can know. Text without a seed, or with a key, is returned as is.
    public static func keyingData(_ text: String, path: String) throws -> String {
        let file: EvolveFile
        do { file = try EvolveFile.parse(text, path: path) } catch let error as ConfigError { throw EvaluationError(error.description) }
        guard file.program.seed != nil, file.program.dataKey == nil else { return text }
        let key = UInt64.random(in: 1...UInt64(Int64.max))
        return text + (text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
            + "# drawn by `evolve run`: the secret mixed into `seed` (docs/configuration.md); copy it to reproduce a score\n"
            + "data_key: \(key)\n"
    }

    /// The data source of every `data:` benchmark, by benchmark name (reads the files on first use; cached).
    public func loadData() throws -> [String: DataSource] {
        var sources: [String: DataSource] = [:]
        for spec in benchmarks + transfer {
            if let source = try spec.loadData(seed: dataSeed) { sources[spec.name] = source }
        }
        return sources
    }

    /// Makes every generated benchmark's puzzles once, so that a configuration its generator cannot satisfy
    /// (more distinct 4×4 Sudoku puzzles than the grid holds, a box too large) stops `evolve run` or
    /// `evolve eval` before anything is compiled, with one line naming the benchmark.
    public func checkGenerators() throws {
        for spec in benchmarks + transfer where spec.data == nil {
            _ = try spec.instantiate(split: .test, seed: dataSeed)
        }
    }

    /// `seed` and `key` mixed (two SplitMix64 outputs): no split made from the result resembles the
    /// splits of `seed` alone, and knowing `seed` says nothing about it without `key`.
    static func keyed(seed: UInt64, key: UInt64) -> UInt64 {
        var mix = SplitMix64(seed: seed ^ 0x6A09_E667_F3BC_C908)
        let first = mix.next()
        var secret = SplitMix64(seed: key &+ mix.next())
        return first ^ secret.next()
    }
}

/// An evaluation that cannot proceed, with the object, the cause and the next step in one line.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
