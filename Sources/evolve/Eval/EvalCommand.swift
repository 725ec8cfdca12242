import ArgumentParser
import Evaluators
import EvolveCore
import Foundation
import Sandbox

/// `evolve eval <program dir>`: compile a program, train and score it on its benchmarks, print the table.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate one program directory on its benchmarks (sandboxed) and print its scores.",
        discussion: "Reads <program dir>/evolve.yaml. Validation is what evolution selects on; the held-out test split is for reports.")

    @Argument(help: "A program directory with Swift files and an evolve.yaml, e.g. Programs/trm.")
    var programDir: String

    @Option(help: "Which split to score: validation or test.")
    var split: String = "validation"

    @Option(help: "Training seed of this evaluation (weight init, batch order); the data seed is evolve.yaml's `seed`.")
    var trainingSeed: UInt64 = 1

    @OptionGroup var output: OutputOptions
    var json: Bool { output.json }

    @Option(help: "Where work directories go (kept with --keep).")
    var workDir: String?

    @Flag(help: "Keep the work directories (data, binaries, predictions) for inspection.")
    var keep = false

    func run() async throws {
        let directory = URL(fileURLWithPath: programDir)
        guard let chosen = Split(rawValue: split) else {
            throw ValidationError("--split must be validation or test, got '\(split)'")
        }
        @Sendable func say(_ text: String) { StandardError.write("\(text)\n") }
        // A mistake in the directory, its evolve.yaml or its data: exit 2, like every user mistake.
        // (Exit 1 means the program itself was evaluated and failed.)
        try await UserMistakes.reported {
            let stale = StaleWorkRoots.remove(in: FileManager.default.temporaryDirectory)
            if !stale.directories.isEmpty {
                say("evolve: removed \(stale.mounts) sandbox mounts and \(stale.directories.count) work dirs killed `evolve eval`s left in \(FileManager.default.temporaryDirectory.path)")
            }
            // Mistakes in the directory, its config or its data are found before the module is prepared.
            let config = try ProgramConfig.load(programDir: directory)
            let data = try config.loadData()
            try config.checkGenerators()
            if let note = Self.publicSplitsNote(config, path: directory.appendingPathComponent("evolve.yaml").path) { say(note) }
            let program = Program(files: try ProgramFiles.read(directory: directory))
            let cache = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/evolve")
            let sources = try TRMKitModule.locateSources()
            say("evolve: preparing the TRMKit module (built once per TRMKit version, cached in \(cache.path))")
            let moduleStart = Date()
            let module = try TRMKitModule.prepare(sources: sources, cacheRoot: cache)
            let moduleSeconds = Date().timeIntervalSince(moduleStart)
            let root = URL(fileURLWithPath: workDir ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("evolve-eval-\(getpid())").path)
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            defer { if !keep { try? FileManager.default.removeItem(at: root) } }
            let evaluator = CandidateEvaluator(sandbox: Sandbox(), module: module, config: config, workRoot: root, keepWork: keep)
            let report = try await evaluator.evaluate(program, EvaluationRequest(split: chosen, trainingSeed: trainingSeed)) {
                say("evolve: \($0)")
            }
            if json {
                print(try Self.json(report, data: data))
            } else {
                print(Self.table(report, program: programDir, moduleSeconds: moduleSeconds, data: DataRecord.lines(config, sources: data)))
            }
            if report.outcome != .evaluated { throw ExitCode(1) }
        }
    }

    /// Said when the file has no `data_key`: its splits are then the seed's alone, and a seed written in a file
    /// (the committed seeds' 1) is public, so a kernel could have remade them (docs/configuration.md).
    static func publicSplitsNote(_ config: ProgramConfig, path: String) -> String? {
        guard config.dataKey == nil else { return nil }
        return "evolve: note: \(path) has no data_key, so the splits are seed \(config.seed)'s alone, which a kernel that knows the seed can remake (docs/configuration.md); to score as a run did, add the data_key from its run.json"
    }

    /// The human-readable result. Artifacts (which quote candidate output) come first, every line of
    /// them indented behind `  | ` and escaped; evolve's own lines — the table and the score — start at
    /// the left margin and come last, so `grep '^combined_score'` (or `grep combined_score | tail -1`)
    /// always finds evolve's score, never a line a candidate printed. `data` (`DataRecord.lines`) says what data
    /// each benchmark's score is on, including every bad file skipped.
    static func table(_ report: EvaluationReport, program: String, moduleSeconds: Double, data: [String] = []) -> String {
        var lines: [String] = []
        for (key, text) in report.artifacts.sorted(by: { $0.key < $1.key }) {
            lines.append("--- artifact \(Artifacts.escape(key)):")
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append("  | " + Artifacts.escape(line))
            }
        }
        lines += data
        lines.append(String(format: "time: %.1f s total, of which compiling the program %.1f s (%.0f%%); TRMKit module %.1f s (cached after the first run)",
                            report.totalSeconds, report.buildSeconds, 100 * report.buildSeconds / max(report.totalSeconds, 0.001), moduleSeconds))
        switch report.outcome {
        case .buildFailed:
            lines.append("\(program): does not compile")
        case .rejected:
            // Stage 1 (crash, timeout, malformed answers) or an integrity check on the scored run.
            let checks = report.artifacts.keys.filter { $0.hasPrefix(EvaluationReport.flagArtifactPrefix) }.sorted()
            lines.append(checks.isEmpty ? "\(program): rejected at stage 1" : "\(program): rejected by \(checks.joined(separator: ", ")) (see the artifact above)")
        case .stopped:
            // `evolve eval` passes no checkpoint; a stop comes only from the loop's value function.
            lines.append("\(program): stopped early (see the artifact above)")
        case .evaluated:
            guard let metrics = report.metrics else { break }
            lines.append("benchmark                    exact   token   train FLOPs   params   wall s   cpu s")
            for (name, m) in metrics.benchmarks.sorted(by: { $0.key < $1.key }) {
                lines.append(String(format: "%@ %6.3f  %6.3f   %11.3g  %7d  %7.1f  %6.1f",
                                    name.padding(toLength: 27, withPad: " ", startingAt: 0), m.exactAccuracy, m.tokenAccuracy,
                                    m.trainFLOPs, m.parameters, m.wallSeconds, m.cpuSeconds))
            }
            lines.append(String(format: "combined_score (mean exact accuracy, %@ split): %.4f", metrics.split, metrics.combinedScore))
        }
        return lines.joined(separator: "\n")
    }

    /// `data`: the real data of each `data:` benchmark, by name (generated benchmarks have no entry).
    static func json(_ report: EvaluationReport, data: [String: DataSource] = [:]) throws -> String {
        struct Output: Encodable {
            let outcome: String
            let combined_score: Double?
            let metrics: MetricsJSON?
            let artifacts: [String: String]
            let build_seconds: Double
            let total_seconds: Double
            let data: [String: DataRecord.JSON]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let output = Output(
            outcome: "\(report.outcome)", combined_score: report.metrics?.combinedScore, metrics: report.metrics.map(MetricsJSON.init),
            artifacts: report.artifacts, build_seconds: report.buildSeconds, total_seconds: report.totalSeconds,
            data: data.mapValues(DataRecord.JSON.init))
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }
}
