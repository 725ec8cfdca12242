import Evaluators
import EvolveCore
import Foundation

/// What a run started from (written to `run.json` when it starts, read on every resume): the seed, the
/// configuration's text, the command line's overrides and the data the scores are on.
struct RunManifest: Codable {
    var name: String
    /// Absolute path of the seed directory the run started from.
    var seed: String
    /// The configuration file the run started with, and its text as read then: a resumed run uses the
    /// same settings even if the file has changed since.
    var configFile: String?
    var configText: String
    var created: Date
    /// Command-line overrides, applied over the file's settings on every resume.
    var overrides: Overrides
    /// The real data of each `data:` benchmark, by name, as drawn when the run started (files, content hash,
    /// counts, what was left out): what the run's scores are on. Nil for a command evaluator and for runs
    /// made before it was recorded; generated benchmarks have no entry.
    var data: [String: DataSource]? = nil

    struct Overrides: Codable {
        var iterations: Int?
        var hours: Double?
        var budgetUSD: Double?
        var parallel: Int?
        var strategy: String?
        /// `--queue`: kept so a resume uses the same queue (an address with a password is refused).
        var queue: String? = nil
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    func save(to run: RunDirectory) throws {
        try encoded().write(to: run.manifest, options: .atomic)
    }

    static func load(from run: RunDirectory) throws -> RunManifest {
        guard let data = FileManager.default.contents(atPath: run.manifest.path) else {
            throw CommandError("\(run.manifest.path): missing; this run directory was not made by `evolve run`")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RunManifest.self, from: data)
    }
}
