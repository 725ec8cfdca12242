import EvolveCore
import Foundation
import Synchronization

/// The coordinator's evaluator when the run has a queue (`evaluator.queue`, `--queue`): each evaluation
/// becomes a job on PostgreSQL that some `evolve worker` runs in its own sandbox, and the loop sees the
/// report the worker wrote back, exactly as from a local evaluator. `parallel` then means jobs
/// outstanding. Selection, racing, the control and the lineage stay with the coordinator.
///
/// ```swift
/// let evaluator = try QueueEvaluator(
///     address: address, run: "run-1", configText: yaml, configFile: "evolve.yaml",
///     requiredLayers: ["dedicated-uid", "pid-namespace"], judge: localEvaluator)
/// let report = try await evaluator.evaluate(program, EvaluationRequest(split: .validation, trainingSeed: 7))
/// ```
///
/// A job that fails for lack of workers or infrastructure after the queue's bounded attempts throws (the
/// loop records an evaluator failure); so does a result from a worker whose sandbox lacked a required
/// layer. Cancelling the calling task leaves the job in the queue, where a resumed coordinator finds it.
public final class QueueEvaluator: Evaluator {
    public enum Failure: Error, CustomStringConvertible {
        case jobFailed(id: String, reason: String)
        case weakSandbox(id: String, host: String, worker: String, missing: [String])
        case unreadableResult(id: String, reason: String)

        public var description: String {
            switch self {
            case .jobFailed(let id, let reason):
                "queue job \(id) failed: \(reason); check that `evolve worker` processes are running against this queue"
            case .weakSandbox(let id, let host, let worker, let missing):
                "queue job \(id): refused the result of worker \(worker) on \(host): its sandbox lacked \(missing.joined(separator: ", ")), which this run requires; run that worker as root with bubblewrap (see `evolve doctor`), or lower evaluator.required_layers"
            case .unreadableResult(let id, let reason):
                "queue job \(id): the worker's result cannot be read (\(reason)); check that workers and coordinator run the same evolve version"
            }
        }
    }

    /// The jobs' session and the run's lock (held as long as this evaluator lives: no second coordinator of
    /// the run, on any machine), both made again when the server drops them.
    let session: CoordinatorSession
    let run: String
    let configText: String
    let configFile: String?
    let dataHashes: [String: String]
    let requiredLayers: Set<String>
    let judge: (any Evaluator)?
    let pollSeconds: Double
    let staleAfter: Double
    private let lastReap = NSLock()
    nonisolated(unsafe) private var reapedAt = Date.distantPast
    /// The workers' part of the status line, refreshed while evaluations wait (`workersText`).
    private let workers = Mutex<String?>(nil)

    /// - Parameters:
    ///   - requiredLayers: `IsolationLayer` raw values a worker's sandbox must have had for its result to count.
    ///   - judge: the local evaluator of the same configuration, for `supportsControl` and `judgeControl`
    ///     (pure functions of metrics; it evaluates nothing here).
    ///   - staleAfter: seconds without a heartbeat after which the coordinator's reaper re-queues a job.
    ///   - patience: seconds an evaluation waits for a lost database to come back before it fails.
    ///   - dataHashes: the content hash of each `data:` benchmark's files as this run read them; workers check theirs.
    ///   - say: the run's log, for reconnections.
    package init(
        address: QueueAddress, run: String, configText: String, configFile: String?, requiredLayers: [String],
        judge: (any Evaluator)? = nil, pollSeconds: Double = 0.05, staleAfter: Double = 30, maxAttempts: Int = 3,
        patience: Double = 300, dataHashes: [String: String] = [:], say: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        session = try CoordinatorSession(address: address, run: run, maxAttempts: maxAttempts, patience: patience, say: say)
        self.run = run
        self.configText = configText
        self.configFile = configFile
        self.dataHashes = dataHashes
        self.requiredLayers = Set(requiredLayers)
        self.judge = judge
        self.pollSeconds = pollSeconds
        self.staleAfter = staleAfter
    }

    public var supportsControl: Bool { judge?.supportsControl ?? false }

    /// Workers read the same evolve.yaml, so they have the transfer benchmarks the local judge has.
    public var supportsTransfer: Bool { judge?.supportsTransfer ?? false }

    public func judgeControl(ordinary: Metrics, control: Metrics) -> String? {
        judge?.judgeControl(ordinary: ordinary, control: control)
    }

    public func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void
    ) async throws -> EvaluationReport {
        let id = JobPayload.id(run: run, programID: program.id, request: request)
        let payload = JobPayload(run: run, program: program, request: request, configText: configText, configFile: configFile,
                                 dataHashes: dataHashes)
        let text = try payload.jsonText()
        // Repeated after a lost session, an enqueue may find the job its first try made: "re-attached" then.
        if try await !session.perform({ try $0.enqueue(id: id, run: run, payload: text) }) {
            progress("re-attached to queue job \(id)")
        }
        while true {
            try Task.checkCancellation()
            await reapIfDue()
            if let job = try await session.perform({ try $0.job(id) }) {
                switch job.state {
                case .done:
                    return try accept(job, id: id)
                case .failed:
                    throw Failure.jobFailed(id: id, reason: job.error ?? "no reason recorded")
                case .queued, .running:
                    break
                }
            }
            try await Task.sleep(nanoseconds: UInt64(pollSeconds * 1e9))
        }
    }

    /// The worker's report, if its sandbox had every required layer.
    func accept(_ job: JobQueue.Job, id: String) throws -> EvaluationReport {
        let result: JobResult
        do {
            result = try JobResult.fromJSON(job.result ?? "")
        } catch {
            throw Failure.unreadableResult(id: id, reason: "\(error)")
        }
        let missing = requiredLayers.subtracting(result.layers).sorted()
        guard missing.isEmpty else { throw Failure.weakSandbox(id: id, host: result.host, worker: result.worker, missing: missing) }
        var report = result.report
        report.artifacts[WorkerStamp.key] = WorkerStamp(worker: result.worker, host: result.host, cpuSeconds: result.cpuSeconds).text
        return report
    }

    /// The coordinator reaps too (workers do before each claim), at most every few seconds, and then
    /// refreshes the workers' part of the status line.
    func reapIfDue() async {
        let due = lastReap.withLock {
            guard Date().timeIntervalSince(reapedAt) > min(2, staleAfter / 2) else { return false }
            reapedAt = Date()
            return true
        }
        guard due else { return }
        _ = try? await session.perform { try $0.reap(staleAfter: staleAfter) }
        if let counts = try? await session.perform({ try WorkerRoster.counts(on: $0.db, run: run, staleAfter: staleAfter) }) {
            workers.withLock { $0 = counts.text }
        }
    }

    /// `workers 2 live · jobs 2 running, 1 queued`: the queue as the status line shows it (the workers heard
    /// from within the stale limit, this run's jobs), as of the last refresh; nil before the first.
    public var workersText: String? { workers.withLock { $0 } }
}
