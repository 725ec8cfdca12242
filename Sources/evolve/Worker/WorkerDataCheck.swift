import Evaluators
import EvolveQueue
import Foundation

/// A worker's check of a job's real data: each `data:` benchmark's files, read on this machine, must hash to
/// what the coordinator read when the run started (`JobPayload.dataHashes`), or the job is refused. A
/// different copy (another download, a file edited or truncated, an unsynced shared directory) would score
/// the program on other puzzles, and its result would sit in the run beside the coordinator's as if
/// comparable. Generated benchmarks need no check: every worker makes the same puzzles from the data seed.
enum WorkerDataCheck {
    struct Mismatch: Error, CustomStringConvertible {
        let benchmark: String
        let path: String
        let mine: String?
        let coordinators: String

        var description: String {
            let found = mine.map { "has content hash \($0.prefix(16))" } ?? "is not a data benchmark here"
            return "benchmark \(benchmark): this worker's data (\(path)) \(found), the run's coordinator read \(coordinators.prefix(16)); give this machine the run's copy of the files (see `data:` in run.json), or run the worker where they are"
        }
    }

    /// Throws `Mismatch` for the first benchmark whose data differs here (a missing or unreadable file throws
    /// the data reader's own one-line error).
    static func verify(_ payload: JobPayload, config: ProgramConfig) throws {
        guard let expected = payload.dataHashes, !expected.isEmpty else { return }
        let mine = try config.loadData()
        for (benchmark, hash) in expected.sorted(by: { $0.key < $1.key }) where mine[benchmark]?.contentHash != hash {
            throw Mismatch(benchmark: benchmark, path: mine[benchmark]?.path ?? "none", mine: mine[benchmark]?.contentHash, coordinators: hash)
        }
    }
}
