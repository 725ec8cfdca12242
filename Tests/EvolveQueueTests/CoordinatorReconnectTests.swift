import Evaluators
import EvolveCore
import Foundation
import Sandbox
import Synchronization
import TestSupport
import Testing
@testable import EvolveQueue

/// The coordinator outlives its database sessions: cut by `pg_terminate_backend`, or the whole server
/// restarted, while evaluations wait on their jobs. Every evaluation still returns its own job's score, no
/// job is enqueued twice or lost, and the run's lock is held again afterwards.
@Suite(.serialized, .enabled(if: PrivatePostgres.enabled)) final class CoordinatorReconnectTests {
    let server: PrivatePostgres
    let workRoot = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-reconnect-\(UUID().uuidString.prefix(8))")

    init() async throws { server = try await PrivatePostgres.start() }
    deinit { try? FileManager.default.removeItem(at: workRoot) }

    /// A worker whose command prints `value.txt`'s number after `sleep` seconds.
    func worker(_ name: String, sleep: Double, staleAfter: Double) throws -> QueueWorker {
        let evaluator = CommandEvaluator(
            sandbox: Sandbox(), workRoot: workRoot,
            command: ["/bin/sh", "-c", "sleep \(sleep); printf '{\"combined_score\": %s}\\n' $(cat \"$1/value.txt\")", "sh"])
        return QueueWorker(
            address: try server.address(), name: name, slots: 2, host: "test-host", layers: [], heartbeatSeconds: 0.5,
            staleAfter: staleAfter, idleSeconds: 0.05) { _ in evaluator }
    }

    static let values = ["0.125", "0.25", "0.375", "0.5"]

    /// Evaluates one program per value through `evaluator`, calls `cut` once a job runs, and returns the
    /// scores in the values' order.
    func evaluateAcrossACut(_ evaluator: QueueEvaluator, run: String, cut: @escaping @Sendable () async throws -> Void) async throws -> [Double?] {
        let queue = try JobQueue(address: try server.address())
        let cutting = Task {
            for _ in 0..<400 {
                let running = try queue.db.query("SELECT count(*) AS n FROM evolve_jobs WHERE run = $1 AND state = 'running'", [run]).first?["n"]
                if running != "0" { break }
                try await Task.sleep(nanoseconds: 25_000_000)
            }
            try await cut()
        }
        let scores = try await withThrowingTaskGroup(of: (Int, Double?).self) { group in
            for (index, value) in Self.values.enumerated() {
                group.addTask {
                    let report = try await evaluator.evaluate(Program(files: ["value.txt": value]), EvaluationRequest(trainingSeed: 9))
                    return (index, report.metrics?.combinedScore)
                }
            }
            var scores = [Double?](repeating: nil, count: Self.values.count)
            for try await (index, score) in group { scores[index] = score }
            return scores
        }
        try await cutting.value
        return scores
    }

    func jobs(run: String) throws -> [(id: String, state: String, attempts: Int)] {
        try JobQueue(address: try server.address()).db.query(
            "SELECT id, state, attempts FROM evolve_jobs WHERE run = $1 ORDER BY id", [run]).map {
            ($0["id"] ?? "", $0["state"] ?? "", Int($0["attempts"] ?? "") ?? 0)
        }
    }

    @Test func theCoordinatorReconnectsAfterItsSessionsAreTerminatedAndLosesNoJob() async throws {
        let worker = try worker("steady", sleep: 1.5, staleAfter: 120)
        let running = Task { try await worker.run() }
        let messages = Mutex<[String]>([])
        let evaluator = try QueueEvaluator(
            address: try server.address(), run: "cut", configText: "", configFile: nil, requiredLayers: [], staleAfter: 120,
            say: { line in messages.withLock { $0.append(line) } })
        let admin = try JobQueue(address: try server.address())
        let terminated = Mutex(0)
        let scores = try await evaluateAcrossACut(evaluator, run: "cut") {
            // Only the coordinator's sessions (its jobs' and its lock's): the worker keeps its own.
            let rows = try admin.db.query(
                "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'evolve coordinator'")
            terminated.withLock { $0 = rows.filter { $0["ok"] == "t" }.count }
        }
        #expect(terminated.withLock { $0 } == 2, "the coordinator's two sessions were cut")
        #expect(scores == Self.values.map(Double.init), "each evaluation got its own job's score")
        #expect(evaluator.session.reconnections >= 1)
        #expect(messages.withLock { $0 }.contains { $0.contains("reconnected to the queue database") }, "\(messages.withLock { $0 })")
        // Nothing was lost or run twice: the worker never lost a lease, so each job has one claim.
        let all = try jobs(run: "cut")
        #expect(all.count == Self.values.count && all.allSatisfy { $0.state == "done" && $0.attempts == 1 }, "\(all)")
        #expect(worker.jobsDone == Self.values.count)
        // The run's lock was taken again with the new session: a second coordinator is still refused.
        #expect(throws: CoordinatorLock.Taken.self) { _ = try CoordinatorLock(address: try self.server.address(), run: "cut") }
        worker.requestStop()
        try await running.value
        withExtendedLifetime(evaluator) {}
    }

    @Test func theCoordinatorCarriesOnAcrossADatabaseServerRestart() async throws {
        // The worker loses its sessions too: its job's lease goes stale and is reaped, then run again.
        // A stale limit of 15 s: short enough to reap the lost job soon, long enough that the late heartbeats of
        // a machine under the whole suite (load average 60 on 2 cores was seen) do not lose it again.
        let worker = try worker("restarted", sleep: 1, staleAfter: 15)
        let running = Task { try await worker.run() }
        let evaluator = try QueueEvaluator(
            address: try server.address(), run: "restart", configText: "", configFile: nil, requiredLayers: [], staleAfter: 15)
        let server = server
        let scores = try await evaluateAcrossACut(evaluator, run: "restart") { try await server.restart(downSeconds: 2) }
        #expect(scores == Self.values.map(Double.init), "each evaluation got its own job's score")
        #expect(evaluator.session.reconnections >= 1)
        let all = try jobs(run: "restart")
        #expect(all.count == Self.values.count && all.allSatisfy { $0.state == "done" }, "\(all)")
        #expect(all.allSatisfy { $0.attempts <= 2 }, "a job was claimed again at most once, after the restart: \(all)")
        #expect(throws: CoordinatorLock.Taken.self) { _ = try CoordinatorLock(address: try self.server.address(), run: "restart") }
        worker.requestStop()
        try await running.value
        withExtendedLifetime(evaluator) {}
    }
}
