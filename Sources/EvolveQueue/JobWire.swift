import EvolveCore
import Foundation

/// Everything a worker needs to reproduce one evaluation, as the coordinator enqueues it: the program's
/// files, the split, the training and permutation seeds, and the run's own configuration text (its
/// benchmarks, budgets and data seed, or its command), never the candidate's copy of `evolve.yaml`. Any
/// worker given it computes the same report.
public struct JobPayload: Codable, Sendable, Equatable {
    public var run: String
    public var programID: String
    public var files: [String: String]
    public var split: String
    public var trainingSeed: UInt64
    public var permutationSeed: UInt64?
    /// The run's evolve.yaml as it started (a `suite:` include inlined) and the name it had.
    public var configText: String
    public var configFile: String?
    /// The content hash of each `data:` benchmark's files as the coordinator read them when the run started
    /// (`DataSource.contentHash`, by benchmark name): a worker whose copy hashes differently refuses the job
    /// rather than score it on other puzzles. Absent for generated benchmarks, which every worker makes alike.
    public var dataHashes: [String: String]?

    public init(
        run: String, program: Program, request: EvaluationRequest, configText: String, configFile: String?, dataHashes: [String: String]? = nil
    ) {
        self.run = run
        programID = program.id
        files = program.files
        split = request.split.rawValue
        trainingSeed = request.trainingSeed
        permutationSeed = request.permutationSeed
        self.configText = configText
        self.configFile = configFile
        self.dataHashes = dataHashes?.isEmpty == true ? nil : dataHashes
    }

    /// The job's id: the same evaluation always gets the same id, so a resumed coordinator that asks for
    /// it again re-attaches to the job (`ON CONFLICT DO NOTHING`) instead of running it twice.
    public static func id(run: String, programID: String, request: EvaluationRequest) -> String {
        "\(run)/\(programID)/\(request.split.rawValue)/\(request.trainingSeed)/\(request.permutationSeed.map(String.init) ?? "-")"
    }

    public var request: EvaluationRequest {
        EvaluationRequest(split: Split(rawValue: split) ?? .validation, trainingSeed: trainingSeed, permutationSeed: permutationSeed)
    }

    public var program: Program { Program(id: programID, files: files) }
}

/// What a worker writes back: the whole evaluation report, and where and how it ran (host, worker, the
/// sandbox layers in force, CPU seconds), so the coordinator can refuse a result from a weaker sandbox
/// and show results per host.
public struct JobResult: Codable, Sendable, Equatable {
    public var outcome: String
    public var metrics: Metrics?
    public var descriptors: [String: Double]
    public var artifacts: [String: String]
    public var buildSeconds: Double
    public var totalSeconds: Double
    public var worker: String
    public var host: String
    /// `IsolationLayer` raw values the worker's sandbox gives its runs.
    public var layers: [String]
    /// CPU seconds of the worker's sandboxed processes while the job ran (with several slots, jobs that
    /// overlap share this count).
    public var cpuSeconds: Double

    public init(report: EvaluationReport, worker: String, host: String, layers: [String], cpuSeconds: Double) {
        outcome = report.outcome.rawValue
        metrics = report.metrics
        descriptors = report.descriptors
        artifacts = report.artifacts
        buildSeconds = report.buildSeconds
        totalSeconds = report.totalSeconds
        self.worker = worker
        self.host = host
        self.layers = layers
        self.cpuSeconds = cpuSeconds
    }

    public var report: EvaluationReport {
        EvaluationReport(
            outcome: EvaluationOutcome(rawValue: outcome) ?? .rejected, metrics: metrics, descriptors: descriptors,
            artifacts: artifacts, buildSeconds: buildSeconds, totalSeconds: totalSeconds)
    }
}

extension Encodable {
    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension Decodable {
    static func fromJSON(_ text: String) throws -> Self {
        try JSONDecoder().decode(Self.self, from: Data(text.utf8))
    }
}
