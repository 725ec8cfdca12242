import EvolveCore
@testable import EvolveQueue
import Foundation
import Sandbox
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `evolve run --queue` with two `evolve worker` processes on a private PostgreSQL server: the built
/// binary, the scripted LLM server, a command evaluator that takes a second per job.
@Suite(.serialized, .enabled(if: PrivatePostgres.enabled)) final class QueueRunTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-queue-\(UUID().uuidString)")
    let server: PrivatePostgres

    init() async throws { server = try await PrivatePostgres.start() }
    deinit { try? FileManager.default.removeItem(at: root) }

    static let config = """
        max_iterations: 6
        parallel: 2
        database:
          num_islands: 2
        evaluator:
          command: [/bin/sh, -c, 'sleep 1; r=$(grep -o "rate = [0-9.]*" "$1/value.txt" | cut -d" " -f3); printf "{\\"combined_score\\": %f}\\n" $(echo "1 - ($r - 0.3)^2" | bc -l)', sh]

        """

    func worker(_ name: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = EvolveBinary.url
        process.arguments = ["worker", "--queue", server.url(), "--name", name, "--heartbeat", "1", "--grace", "5"]
        process.environment = ProcessInfo.processInfo.environment
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        return (process, errors)
    }

    func jobs(_ sql: String) throws -> String { try server.psql(sql) }

    @Test func aRunEvaluatesThroughTwoWorkersAndAKilledWorkersJobRunsExactlyOnceMore() async throws {
        let seed = root.appendingPathComponent("seed"), runs = root.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(RunEndToEndTests.seed.utf8).write(to: seed.appendingPathComponent("value.txt"))
        try Data(Self.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))
        let counter = Counter()
        let llm = try LoopbackHTTPServer { RunEndToEndTests.answer($0, number: counter.next()) }
        defer { llm.stop() }
        let (doomed, _) = try worker("doomed")
        let (survivor, survivorErrors) = try worker("survivor")
        defer { for process in [doomed, survivor] where process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var environment = ProcessInfo.processInfo.environment
        environment["EVOLVE_RUNS"] = runs.path
        environment["EVOLVE_LLM_BASE_URL"] = llm.baseURL + "/v1"
        environment["EVOLVE_LLM_MODEL"] = "scripted"
        environment["EVOLVE_LLM_API_KEY_ENV"] = ""
        let coordinator = Process()
        coordinator.executableURL = EvolveBinary.url
        coordinator.arguments = ["run", "--seed", seed.path, "--name", "queued", "--queue", server.url()]
        coordinator.environment = environment
        let output = Pipe(), errors = Pipe()
        coordinator.standardOutput = output
        coordinator.standardError = errors
        let stdout = PipeDrain(output.fileHandleForReading), stderr = PipeDrain(errors.fileHandleForReading)
        try coordinator.run()

        // kill -9 of a worker in the middle of a job: the job goes back to the queue once its heartbeat is stale.
        // The worker is frozen (SIGSTOP) before the queue is asked what it runs, so that the job it is killed
        // in cannot finish between the question and the kill, however long a loaded machine takes to answer.
        var killedJob = ""
        for _ in 0..<600 where killedJob.isEmpty {
            try await Task.sleep(nanoseconds: 50_000_000)
            kill(doomed.processIdentifier, SIGSTOP)
            killedJob = (try? jobs("SELECT id FROM evolve_jobs WHERE state = 'running' AND worker = 'doomed' LIMIT 1")) ?? ""
            if killedJob.isEmpty { kill(doomed.processIdentifier, SIGCONT) }
        }
        try #require(!killedJob.isEmpty, "the doomed worker never ran a job")
        kill(doomed.processIdentifier, SIGKILL)
        _ = try await ChildExit.of(doomed)

        let ended = try await ChildExit.of(coordinator)
        let printed = await stdout.text() + "\n" + (await stderr.text())
        #expect(ended == .success, "\(ended): \(printed)")
        #expect(printed.contains("stopped (iterations) after 6 iterations"), "\(printed)")

        // The killed worker's job ran exactly once more, by the survivor; no job was delivered twice.
        let killedRow = try jobs("SELECT state || ' ' || attempts || ' ' || worker FROM evolve_jobs WHERE id = '\(killedJob)'")
        let allJobs = try jobs("SELECT id || ' ' || state || ' ' || attempts || ' ' || coalesce(worker, '-') || ' ' || coalesce(error, '') FROM evolve_jobs ORDER BY created")
        #expect(killedRow == "done 2 survivor", "job \(killedJob): \(killedRow); all jobs:\n\(allJobs)")
        #expect(try jobs("SELECT count(*) FROM evolve_jobs WHERE state <> 'done'") == "0")
        #expect(try jobs("SELECT count(*) FROM evolve_jobs WHERE attempts > 1 AND id <> '\(killedJob)'") == "0")
        let database = runs.appendingPathComponent("queued/evolve.sqlite").path
        let store = try ProgramStore(path: database, config: try ProgramStore.storedConfiguration(path: database) ?? DatabaseConfig())
        let programs = try store.allPrograms().filter { $0.migratedFrom == nil }
        #expect(programs.count >= 2)
        for program in programs {
            #expect(program.status == .evaluated, "program \(program.id) is \(program.status)")
            #expect(try store.records.trainingSeeds(of: program.id).count == (try store.records.evaluationCount(programID: program.id)), "program \(program.id)")
        }
        let evaluations = Int(try jobs("SELECT count(*) FROM evolve_jobs")) ?? 0
        #expect(evaluations == (try programs.reduce(0) { $0 + (try store.records.evaluationCount(programID: $1.id)) }), "one job per stored evaluation")

        // The password (PGPASSWORD) is in no output, log, record or row.
        let password = PrivatePostgres.password
        #expect(!printed.contains(password))
        for file in ["run.json", "run.log"] {
            let text = (try? String(contentsOf: runs.appendingPathComponent("queued/\(file)"), encoding: .utf8)) ?? ""
            #expect(!text.isEmpty && !text.contains(password), "\(file)")
        }
        #expect(try jobs("SELECT count(*) FROM evolve_jobs WHERE row_to_json(evolve_jobs)::text LIKE '%\(password)%'") == "0")

        // The next worker to start on this machine removes what the killed one left (its work root, mounts).
        let doomedRoot = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-worker-\(doomed.processIdentifier)")
        let (cleaner, _) = try worker("cleaner")
        for _ in 0..<100 where FileManager.default.fileExists(atPath: doomedRoot.path) { try await Task.sleep(nanoseconds: 50_000_000) }
        kill(cleaner.processIdentifier, SIGTERM)
        _ = try await ChildExit.of(cleaner)
        // A SIGTERM before its handler is in place ends the cleaner without its own cleanup; its root would
        // go at the next worker's start, like the doomed one's.
        try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("evolve-worker-\(cleaner.processIdentifier)"))
        #expect(!FileManager.default.fileExists(atPath: doomedRoot.path))
        #expect(RunEndToEndTests.sandboxMounts(under: doomedRoot).isEmpty)

        // SIGTERM to the idle survivor: it stops claiming and exits 0.
        kill(survivor.processIdentifier, SIGTERM)
        let survivorEnded = try await ChildExit.of(survivor)
        let workerLog = await PipeDrain(survivorErrors.fileHandleForReading).text()
        #expect(survivorEnded == .success, "\(survivorEnded): \(workerLog)")
        #expect(!workerLog.contains(password))
    }

    @Test(arguments: [SIGTERM, SIGHUP])
    func aStoppedWorkerGivesItsJobBackWithinTheGracePeriod(signal: Int32) async throws {
        let queue = try JobQueue(address: try QueueAddress(parsing: server.url()))
        let program = Program(files: ["value.txt": "rate = 0.4\n"])
        let request = EvaluationRequest(trainingSeed: 5)
        let id = JobPayload.id(run: "stop", programID: program.id, request: request)
        let config = Self.config.replacingOccurrences(of: "sleep 1;", with: "sleep 300;")
        try queue.enqueue(id: id, run: "stop", payload: try JobPayload(run: "stop", program: program, request: request, configText: config, configFile: nil).jsonText())
        let work = root.appendingPathComponent("work")
        let process = Process()
        process.executableURL = EvolveBinary.url
        process.arguments = ["worker", "--queue", server.url(), "--name", "stopping", "--grace", "1", "--work-dir", work.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 where try queue.job(id)?.state != .running { try await Task.sleep(nanoseconds: 50_000_000) }
        try #require(try queue.job(id)?.state == .running)
        try await Task.sleep(nanoseconds: 500_000_000)
        let sent = Date()
        kill(process.processIdentifier, signal)
        let ended = try await ChildExit.of(process)
        let took = Date().timeIntervalSince(sent)
        let log = await PipeDrain(errors.fileHandleForReading).text()
        #expect(ended == .success, "\(ended): \(log)")
        #expect(took < 20, "took \(took) s after the signal (grace 1 s, the job 300 s)")
        let job = try #require(try queue.job(id))
        #expect(job.state == .queued && job.attempts == 1, "\(job)")
        #expect(job.error?.contains("stopped before the job ended") == true, "\(String(describing: job.error))")
        #expect(RunEndToEndTests.sandboxMounts(under: work).isEmpty)
    }
}
