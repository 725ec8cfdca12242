import EvolveCore
import Foundation
import Sandbox

/// Evaluates programs that are not TRM kernels (OpenEvolve-style problems) by running a user command on a
/// copy of the program directory in the sandbox and reading a JSON object of metrics from the last
/// non-empty line it prints on stdout.
///
/// The command gets the program's files, written into a fresh work dir, as its last argument, and
/// `EVOLVE_SPLIT` and `EVOLVE_TRAINING_SEED` in its environment. The metrics line must be a JSON object
/// whose values are all numbers, e.g. `{"combined_score": 0.7, "accuracy": 0.9}`; they become the
/// metrics' `values` under their own names and the report's descriptors (so a feature dimension may
/// name any of them). The score follows OpenEvolve's rule: `combined_score` when present, else the mean
/// of all the values.
///
/// A candidate's fault (non-zero exit, timeout, signal, a last line that is not such an object) is a
/// `.rejected` report with an artifact saying why; `evaluate` throws only when the evaluator itself
/// cannot run, e.g. the command is not installed or the program directory cannot be copied.
///
/// ```swift
/// let evaluator = CommandEvaluator(sandbox: Sandbox(), workRoot: runDir.appendingPathComponent("work"),
///                                  command: ["python3", "/opt/problem/evaluate.py"])
/// let report = try await evaluator.evaluate(program)
/// print(report.outcome, report.metrics?.combinedScore ?? 0)
/// ```
public final class CommandEvaluator: Evaluator {
    public let sandbox: Sandbox
    public let workRoot: URL
    /// Executable (name or path) and leading arguments; the copied program directory is appended.
    public let command: [String]
    public let limits: SandboxLimits
    /// The name the artifact is filed under.
    public let name: String

    public init(sandbox: Sandbox, workRoot: URL, command: [String], limits: SandboxLimits = SandboxLimits(), name: String = "command") {
        self.sandbox = sandbox
        self.workRoot = workRoot
        self.command = command
        self.limits = limits
        self.name = name
    }

    public func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void
    ) async throws -> EvaluationReport {
        let started = Date()
        let fm = FileManager.default
        try fm.createDirectory(at: workRoot, withIntermediateDirectories: true)
        // Its own filesystem as root, so the kernel enforces the work-dir quota.
        let workDir = try sandbox.makeWorkDir(at: workRoot.appendingPathComponent("eval-\(UUID().uuidString.prefix(8))"))
        defer { workDir.remove() }
        let root = workDir.url
        let copy = root.appendingPathComponent("program")
        try ProgramFiles.write(program.files, to: copy)

        var limits = self.limits
        limits.environment["EVOLVE_SPLIT"] = request.split.rawValue
        limits.environment["EVOLVE_TRAINING_SEED"] = String(request.trainingSeed)
        limits.readOnlyPaths += Self.pathsToBind(command)
        progress("running \(command.first ?? "the command")")
        let run = try await sandbox.run(command + [copy.path], in: root, limits: limits)
        func rejected(_ headline: String) -> EvaluationReport {
            EvaluationReport(
                outcome: .rejected, artifacts: [name: SandboxArtifacts.describe(run: run, problems: [], headline: headline)],
                totalSeconds: Date().timeIntervalSince(started))
        }
        guard run.succeeded else { return rejected("the evaluation command ended with \(run.verdict)") }

        let values: [String: Double]
        switch Self.parseMetrics(stdout: run.stdout.text) {
        case .failure(let problem): return rejected(problem.description)
        case .success(let parsed): values = parsed
        }
        let metrics = Metrics(values: values, split: request.split.rawValue)
        let summary = values.keys.sorted().map { "\($0) \(values[$0] ?? 0)" }.joined(separator: ", ")
        return EvaluationReport(
            outcome: .evaluated, metrics: metrics, descriptors: values,
            artifacts: [name: SandboxArtifacts.describe(run: run, problems: [], headline: "score \(metrics.combinedScore); \(summary)")],
            totalSeconds: Date().timeIntervalSince(started))
    }

    /// The host files the command needs: each absolute path among its arguments, with the directory of a
    /// file argument (a script's modules and data sit beside it). Nothing else of the host is visible.
    static func pathsToBind(_ command: [String]) -> [String] {
        command.filter { $0.hasPrefix("/") }.compactMap { path -> String? in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
            return isDirectory.boolValue ? path : URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
    }

    /// The most metrics one line may carry (each becomes a stored metric and a feature descriptor; names
    /// must pass `RunRecord.isPlainName`).
    static let maxMetrics = 32

    // MARK: - Metrics line

    /// Why the last stdout line is not a metrics object.
    enum MetricsProblem: Error, Equatable, CustomStringConvertible {
        case noOutput
        case notJSONObject(line: String)
        case nonNumeric(key: String, kind: String)
        case empty
        case tooMany(count: Int)
        case badName(key: String)

        var description: String {
            switch self {
            case .noOutput:
                "the evaluation command printed nothing on stdout; its last line must be a JSON object of metrics"
            case .notJSONObject(let line):
                "the last stdout line is not a JSON object of metrics (NaN and Infinity are not JSON); it reads (candidate output): \(Artifacts.quote(line, limit: 200))"
            case .nonNumeric(let key, let kind):
                "metric \(Artifacts.quote(key)) is \(kind), not a number"
            case .empty:
                "the metrics object on the last stdout line has no values"
            case .tooMany(let count):
                "the metrics object has \(count) values; at most \(CommandEvaluator.maxMetrics)"
            case .badName(let key):
                "metric name \(Artifacts.quote(key)) is not 1–40 letters, digits, underscores, hyphens or dots"
            }
        }
    }

    /// One value of the metrics object: a number, or the kind of thing it is instead.
    private enum Value: Decodable {
        case number(Double)
        case other(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .other("null"); return }
            if (try? container.decode(Bool.self)) != nil { self = .other("a boolean"); return }
            if let number = try? container.decode(Double.self) { self = .number(number); return }
            if let text = try? container.decode(String.self) { self = .other("a string (\(Artifacts.quote(text)))"); return }
            self = .other("an array or object")
        }
    }

    /// The numbers in the last non-empty stdout line, which must be a JSON object of numbers.
    static func parseMetrics(stdout: String) -> Result<[String: Double], MetricsProblem> {
        let lines = stdout.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let line = lines.last(where: { !$0.isEmpty }) else { return .failure(.noOutput) }
        guard let object = try? JSONDecoder().decode([String: Value].self, from: Data(line.utf8)) else {
            return .failure(.notJSONObject(line: line))
        }
        guard object.count <= maxMetrics else { return .failure(.tooMany(count: object.count)) }
        var values: [String: Double] = [:]
        for key in object.keys.sorted() {
            guard RunRecord.isPlainName(key) else { return .failure(.badName(key: key)) }
            switch object[key]! {
            case .number(let number): values[key] = number
            case .other(let kind): return .failure(.nonNumeric(key: key, kind: kind))
            }
        }
        return values.isEmpty ? .failure(.empty) : .success(values)
    }
}
