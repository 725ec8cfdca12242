import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The queue changes where an evaluation runs, never what it scores: `evolve run --queue` on a real (tiny)
/// TRM benchmark with two `evolve worker` processes, then `evolve eval` of every stored (program, split,
/// training seed) on this machine must give the same scores to the last bit. By default (the short variant,
/// in the suite) the run evaluates one seed and nothing else; `EVOLVE_QUEUE_TRM_ITERATIONS=N` (by hand) gives
/// it two seeds, so both workers take a job at once, and N iterations of the offline mutator (children,
/// races, the best's test score): N=2 took 2–3 minutes on a loaded 2-core machine. Both variants audit every
/// displacement against the run's racing rule (`RacingAudit`); the long one must have at least one (N=2: 3
/// and 6 in two runs, the two seeds' race for the cell and the bests, then a child's).
@Suite(.serialized, .enabled(if: PrivatePostgres.enabled)) final class QueueTRMRunTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-queue-trm-\(UUID().uuidString.prefix(8))")
    let server: PrivatePostgres

    init() async throws { server = try await PrivatePostgres.start() }
    deinit { try? FileManager.default.removeItem(at: root) }

    /// One small 6×6 Sudoku benchmark; the offline mutator moves the learning rate.
    static let iterations = ProcessInfo.processInfo.environment["EVOLVE_QUEUE_TRM_ITERATIONS"].flatMap(Int.init)

    static let config = """
        max_iterations: \(iterations ?? 0)
        parallel: 2
        seed: 3
        database:
          num_islands: 1
        mutations:
          rate: 1e-3...1e-1, log
        benchmarks:
          - name: sudoku-6x6
            generator: sudoku
            box_rows: 2
            box_columns: 3
            train: 40
            validation: 20
            test: 20
            train_flops: 2.0e9
            eval_flops: 1.0e10

        """

    static func kernel(rate: String) -> String {
        Fixtures.kernel(extra: """
            // EVOLVE-BLOCK-START hyperparameters
            enum Hyper {
                static let rate: Float = \(rate)
            }
            // EVOLVE-BLOCK-END
            """).replacingOccurrences(of: "learningRate: 0.01", with: "learningRate: Hyper.rate")
    }

    func start(_ arguments: [String], environment: [String: String]) throws -> (Process, PipeDrain) {
        let process = Process()
        process.executableURL = EvolveBinary.url
        process.arguments = arguments
        process.environment = environment
        let errors = Pipe()
        process.standardOutput = errors
        process.standardError = errors
        let drain = PipeDrain(errors.fileHandleForReading)
        try process.run()
        return (process, drain)
    }

    /// The scores `evolve eval --json` prints, or the stored metrics, as comparable numbers.
    struct Scores: Equatable, CustomStringConvertible {
        var combined: Double?
        var benchmarks: [String: [Double]]
        var description: String { "combined \(combined.map { "\($0)" } ?? "–") \(benchmarks)" }
    }

    struct EvalOutput: Decodable {
        struct Benchmark: Decodable { let exact_accuracy: Double; let token_accuracy: Double }
        struct Metrics: Decodable { let benchmarks: [String: Benchmark] }
        let outcome: String
        let combined_score: Double?
        let metrics: Metrics?
    }

    @Test func everyScoreOfARunThroughTwoWorkersEqualsEvolveEvalOfTheSameProgramAndSeed() async throws {
        let seed = root.appendingPathComponent("seed"), runs = root.appendingPathComponent("runs")
        // One seed (short), or two so that both workers take a job at once.
        for (name, rate) in [("slow", "0.003"), ("fast", "0.03")].prefix(Self.iterations == nil ? 1 : 2) {
            let folder = seed.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(Self.kernel(rate: rate).utf8).write(to: folder.appendingPathComponent("kernel.swift"))
        }
        try Data(Self.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("EVOLVE_LLM_") { environment[key] = nil }
        environment["EVOLVE_RUNS"] = runs.path
        let workers = try ["w1", "w2"].map {
            try start(["worker", "--queue", server.url(), "--name", $0, "--heartbeat", "2", "--grace", "5"], environment: environment)
        }
        defer { for (process, _) in workers where process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let (coordinator, coordinatorOutput) = try start(
            ["run", "--seed", seed.path, "--name", "trm", "--queue", server.url()], environment: environment)
        let ended = try await ChildExit.of(coordinator)
        let printed = await coordinatorOutput.text()
        #expect(ended == .success, "\(ended): \(printed)")
        for (process, _) in workers { kill(process.processIdentifier, SIGTERM) }
        for (process, log) in workers {
            let ended = try await ChildExit.of(process)
            let text = await log.text()
            #expect(ended == .success, "\(ended): \(text)")
        }

        // Both workers evaluated, and the run stored exactly what the queue delivered.
        let byWorker = try psql("SELECT worker || ' ' || count(*) FROM evolve_jobs WHERE state = 'done' GROUP BY worker ORDER BY worker")
        // Even one seed makes several jobs (its race's extra training seeds, its test score): both workers take some.
        #expect(byWorker.split(separator: "\n").count == 2, "jobs by worker: \(byWorker)")
        #expect(try psql("SELECT count(*) FROM evolve_jobs WHERE state <> 'done'") == "0")
        let database = runs.appendingPathComponent("trm/evolve.sqlite").path
        let rows = try sqlite(database, """
            SELECT program_id, split, training_seed, outcome, coalesce(metrics, '') FROM evaluations
            WHERE kind = 'ordinary' ORDER BY id
            """)
        try #require(rows.count >= (Self.iterations == nil ? 1 : 2), "the seeds at least: \(rows)")
        #expect(rows.contains { $0[3] == "evaluated" }, "no evaluated program to compare: \(rows)")
        let jobs = Int(try psql("SELECT count(*) FROM evolve_jobs")) ?? 0
        let stored = Int(try sqlite(database, "SELECT count(*) FROM evaluations").first?.first ?? "") ?? -1
        #expect(jobs == stored, "one job per stored evaluation")

        // Every (program, split, training seed) again with `evolve eval` on this machine: the same scores.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: runs.appendingPathComponent("trm/run.json"))) as? [String: Any]
        let runConfig = try #require(manifest?["configText"] as? String)
        #expect(runConfig.contains("data_key:"), "the run keeps the data key it drew: \(runConfig)")
        let store = try ProgramStore(path: database, config: try ProgramStore.storedConfiguration(path: database) ?? DatabaseConfig())
        for row in rows {
            let program = try #require(try store.program(row[0]))
            let directory = root.appendingPathComponent("eval-\(row[0].prefix(12))-\(row[1])-\(row[2])")
            for (path, text) in program.files {
                let url = directory.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
            // The run's own configuration, with the data key `evolve run` drew: the same splits.
            try Data(runConfig.utf8).write(to: directory.appendingPathComponent("evolve.yaml"))
            // SQLite keeps the 64-bit seed as a signed integer.
            let trainingSeed = UInt64(bitPattern: try #require(Int64(row[2])))
            let eval = try await EvolveBinary.run(
                ["eval", directory.path, "--split", row[1], "--training-seed", "\(trainingSeed)", "--json"], environment: environment)
            guard let output = try? JSONDecoder().decode(EvalOutput.self, from: Data(eval.stdout.utf8)) else {
                Issue.record("evolve eval of program \(row[0]) seed \(row[2]) printed no report (exit \(eval.status)): \(eval.stderr)")
                continue
            }
            #expect(output.outcome == row[3], "program \(row[0]) seed \(row[2]): \(eval.stderr)")
            let fromEval = Scores(
                combined: output.combined_score,
                benchmarks: output.metrics?.benchmarks.mapValues { [$0.exact_accuracy, $0.token_accuracy] } ?? [:])
            let metrics = row[4].isEmpty ? nil : try JSONDecoder().decode(Metrics.self, from: Data(row[4].utf8))
            let fromRun = Scores(
                combined: metrics?.combinedScore,
                benchmarks: metrics?.benchmarks.mapValues { [$0.exactAccuracy, $0.tokenAccuracy] } ?? [:])
            #expect(fromRun == fromEval, "program \(row[0]) \(row[1]) seed \(row[2]): run \(fromRun), eval \(fromEval)")
        }

        // The report says where the evaluations ran: this host, by both workers, every evaluation.
        let page = root.appendingPathComponent("report.html")
        let report = try await EvolveBinary.run(["report", "trm", "--out", page.path], environment: environment)
        #expect(report.status == 0, "\(report.stderr)")
        let html = (try? String(contentsOf: page, encoding: .utf8)) ?? ""
        let host = ProcessInfo.processInfo.hostName
        #expect(html.contains("<h2>Evaluations by host</h2>"), "no host section")
        #expect(html.contains("<tr><td>\(host)</td><td>\(stored)</td><td>2</td>"), "host row of \(stored) evaluations by 2 workers missing")

        // The run's own bookkeeping: one evaluation per training seed, races ended, integrity and git clean.
        for program in try store.allPrograms() where program.migratedFrom == nil {
            #expect(program.status != .queued && program.status != .evaluating, "program \(program.id) is \(program.status)")
            let validation = try store.records.evaluationCount(programID: program.id, split: .validation)
            #expect(validation == 1 || validation == 3, "program \(program.id): \(validation) validation evaluations")
            #expect(try store.records.trainingSeeds(of: program.id).count == (try store.records.evaluationCount(programID: program.id)))
        }
        #expect(try store.pendingRaces().isEmpty)
        // Every displacement obeys the racing rule of the run's stored configuration, recomputed from the
        // evaluations the workers delivered; the long variant must have some to check.
        let audit = try RacingAudit.check(runs: runs, name: "trm")
        #expect(audit.violations.isEmpty, "\(audit.displacements) displacements: \(audit.violations.joined(separator: "\n"))")
        if Self.iterations != nil { #expect(audit.displacements > 0, "a long run with no displacement checks nothing") }
        print("queue TRM run: \(audit.displacements) displacements (\(audit.kinds)) checked against the racing rule, \(stored) evaluations")
        #expect(try sqlite(database, "PRAGMA integrity_check").first?.first == "ok")
        let fsck = try await onOwnThread { try Self.git(runs.appendingPathComponent("trm/lineage"), ["fsck", "--strict"]) }
        #expect(!fsck.contains("error"), "\(fsck)")
    }

    func psql(_ sql: String) throws -> String { try server.psql(sql) }

    /// Rows of `sql` on the run's SQLite file, read with the sqlite3 tool (columns split at tabs).
    func sqlite(_ path: String, _ sql: String) throws -> [[String]] {
        try Self.output("/usr/bin/sqlite3", ["-readonly", "-separator", "\t", path, sql])
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    static func git(_ directory: URL, _ arguments: [String]) throws -> String {
        try output("/usr/bin/git", ["-C", directory.path] + arguments, errorsToo: true)
    }

    static func output(_ tool: String, _ arguments: [String], errorsToo: Bool = false) throws -> String {
        try Subprocess.run(tool, arguments, errors: errorsToo ? .merged : .discarded).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
