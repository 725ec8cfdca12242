import Evaluators
import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import EvolveQueue

/// The coordinator's evaluator and the worker loop against a private PostgreSQL server, with the command
/// evaluator (a shell command in the sandbox) doing the work.
@Suite(.serialized, .enabled(if: PrivatePostgres.enabled)) final class QueueEvaluatorTests {
    let server: PrivatePostgres
    let workRoot = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-qe-\(UUID().uuidString.prefix(8))")

    init() async throws { server = try await PrivatePostgres.start() }
    deinit { try? FileManager.default.removeItem(at: workRoot) }

    /// Scores `value.txt`'s number after sleeping `sleep` seconds.
    func command(sleep: Double = 0) -> CommandEvaluator {
        CommandEvaluator(
            sandbox: Sandbox(), workRoot: workRoot,
            command: ["/bin/sh", "-c", "sleep \(sleep); printf '{\"combined_score\": %s}\\n' $(cat \"$1/value.txt\")", "sh"])
    }

    /// Heartbeats every second and a stale limit of four: loose enough for a loaded 2-core machine, where a
    /// heartbeat task can wait a second for a thread.
    /// A test that is not about reaping gives a long `staleAfter`: under the whole suite the job may wait minutes
    /// for a sandbox uid (a pool every process on the machine shares) while its heartbeat task waits for a thread.
    func worker(_ name: String, layers: [String], sleep: Double = 0, heartbeat: Double = 1, staleAfter: Double? = nil) throws -> QueueWorker {
        let evaluator = command(sleep: sleep)
        return QueueWorker(
            address: try server.address(), name: name, slots: 1, host: "test-host", layers: layers, heartbeatSeconds: heartbeat,
            staleAfter: staleAfter ?? heartbeat * 4, idleSeconds: 0.05) { _ in evaluator }
    }

    func coordinator(run: String, required: [String] = ["pid-namespace"], staleAfter: Double = 10) throws -> QueueEvaluator {
        try QueueEvaluator(address: try server.address(), run: run, configText: "", configFile: nil, requiredLayers: required, staleAfter: staleAfter)
    }

    @Test func aWorkerEvaluatesAJobAndAResumedCoordinatorReattachesInsteadOfRunningItAgain() async throws {
        let program = Program(files: ["value.txt": "0.75"])
        let request = EvaluationRequest(split: .validation, trainingSeed: 7)
        let worker = try worker("w1", layers: ["pid-namespace", "dedicated-uid"], staleAfter: 300)
        let running = Task { try await worker.run() }
        var evaluator: QueueEvaluator? = try coordinator(run: "r1", staleAfter: 300)
        let report = try await evaluator!.evaluate(program, request)
        #expect(report.outcome == .evaluated && report.metrics?.combinedScore == 0.75, "\(report.artifacts)")
        #expect(report.artifacts["worker"]?.contains("worker w1 on test-host") == true)
        worker.requestStop()
        try await running.value
        #expect(worker.jobsDone == 1)
        // The coordinator is gone and comes back (a resume): the same evaluation re-attaches to the done job,
        // with no worker running at all.
        evaluator = nil
        let resumed = try coordinator(run: "r1", staleAfter: 300)
        let again = try await resumed.evaluate(program, request)
        #expect(again.metrics?.combinedScore == 0.75)
        let queue = try JobQueue(address: try server.address())
        let id = JobPayload.id(run: "r1", programID: program.id, request: request)
        #expect(try queue.job(id)?.attempts == 1, "evaluated once")
    }

    @Test func aWorkerKeepsItsRosterRowWhileItRunsAndMarksItStoppedAtTheEnd() async throws {
        let roster = try WorkerRoster(address: try server.address())
        // The job sleeps 8 s: the coordinator refreshes the status line every 2 s while it waits, so several
        // refreshes fall inside the job. The test reads the line while the evaluation runs (a refresh can be
        // late on a loaded machine, and the last one before the result may already see the job done).
        let worker = try worker("listed", layers: ["pid-namespace"], sleep: 8, staleAfter: 300)
        let running = Task { try await worker.run() }
        for _ in 0..<200 where try roster.workers().isEmpty { try await Task.sleep(nanoseconds: 25_000_000) }
        let joined = try #require(try roster.workers().first { $0.name == "listed" })
        #expect(joined.host == "test-host" && joined.slots == 1 && !joined.stopped && joined.state(staleAfter: 30) == "idle")
        let evaluator = try coordinator(run: "r4", staleAfter: 300)
        #expect(evaluator.workersText == nil, "nothing shown before the queue was read")
        // The status line's part, read while the job waited: the one live worker and the job.
        let watcher = Task { () -> [String] in
            var shown: [String] = []
            while !Task.isCancelled {
                if let text = evaluator.workersText, shown.last != text { shown.append(text) }
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
            return shown
        }
        _ = try await evaluator.evaluate(Program(files: ["value.txt": "0.5"]), EvaluationRequest(trainingSeed: 4))
        watcher.cancel()
        let shown = await watcher.value
        func showsTheJob(_ text: String) -> Bool {
            text.hasPrefix("workers 1 live · jobs ") && (text.hasSuffix("1 running, 0 queued") || text.hasSuffix("0 running, 1 queued"))
        }
        #expect(shown.contains(where: showsTheJob), "\(shown)")
        worker.requestStop()
        try await running.value
        let counts = try WorkerRoster.counts(on: roster.db, run: "r4", staleAfter: 30)
        #expect(counts == WorkerRoster.Counts(live: 0, running: 0, queued: 0), "a stopped worker is not live: \(counts)")
        let ended = try #require(try roster.workers().first { $0.name == "listed" })
        #expect(ended.stopped && ended.jobsDone == 1 && ended.running == 0 && ended.state(staleAfter: 30) == "stopped", "\(ended)")
    }

    @Test func aResultFromAWorkerWhoseSandboxLackedARequiredLayerIsRefused() async throws {
        let worker = try worker("weak", layers: ["process-group", "rlimits"])
        let running = Task { try await worker.run() }
        defer { worker.requestStop() }
        let evaluator = try coordinator(run: "r2", required: ["pid-namespace", "dedicated-uid"])
        let error = await #expect(throws: QueueEvaluator.Failure.self) {
            _ = try await evaluator.evaluate(Program(files: ["value.txt": "0.5"]), EvaluationRequest(trainingSeed: 1))
        }
        #expect(error?.description.contains("worker weak on test-host") == true)
        #expect(error?.description.contains("dedicated-uid, pid-namespace") == true, "\(String(describing: error))")
        worker.requestStop()
        try await running.value
    }

    @Test func aWorkerThatLosesItsDatabaseConnectionLosesItsJobToAnotherWorker() async throws {
        let queue = try JobQueue(address: try server.address())
        let program = Program(files: ["value.txt": "0.25"])
        let request = EvaluationRequest(trainingSeed: 3)
        let id = JobPayload.id(run: "r3", programID: program.id, request: request)
        let payload = JobPayload(run: "r3", program: program, request: request, configText: "", configFile: nil)
        try queue.enqueue(id: id, run: "r3", payload: try payload.jsonText())
        let cut = try worker("cut-off", layers: [], sleep: 8)
        let cutRunning = Task { try await cut.run() }
        for _ in 0..<200 where try queue.job(id)?.state != .running { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(try queue.job(id)?.worker == "cut-off")
        // The server ends the worker's sessions, as a network partition or a restarted database would.
        try queue.db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = 'postgres'")
        cut.requestStop()
        let other = try worker("other", layers: [])
        let otherRunning = Task { try await other.run() }
        for _ in 0..<1200 where try queue.job(id)?.state != .done { try await Task.sleep(nanoseconds: 25_000_000) }
        let job = try #require(try queue.job(id))
        #expect(job.state == .done && job.worker == "other" && job.attempts == 2, "\(job)")
        #expect(cut.jobsDone == 0, "the cut-off worker delivered nothing")
        other.requestStop()
        try await otherRunning.value
        try await cutRunning.value
    }
}
