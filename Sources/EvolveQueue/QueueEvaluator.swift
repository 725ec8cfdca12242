import EvolveCore
import Foundation

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

    let queue: JobQueue
    /// Held as long as this evaluator lives: no second coordinator of the run, on any machine.
    let lock: CoordinatorLock
    let run: String
    let configText: String
    let configFile: String?
    let requiredLayers: Set<String>
    let judge: (any Evaluator)?
    let pollSeconds: Double
    let staleAfter: Double
    private let lastReap = NSLock()
    nonisolated(unsafe) private var reapedAt = Date.distantPast

    /// - Parameters:
    ///   - requiredLayers: `IsolationLayer` raw values a worker's sandbox must have had for its result to count.
    ///   - judge: the local evaluator of the same configuration, for `supportsControl` and `judgeControl`
    ///     (pure functions of metrics; it evaluates nothing here).
    ///   - staleAfter: seconds without a heartbeat after which the coordinator's reaper re-queues a job.
    package init(
        address: QueueAddress, run: String, configText: String, configFile: String?, requiredLayers: [String],
        judge: (any Evaluator)? = nil, pollSeconds: Double = 0.05, staleAfter: Double = 30, maxAttempts: Int = 3
    ) throws {
        lock = try CoordinatorLock(address: address, run: run)
        queue = try JobQueue(address: address, maxAttempts: maxAttempts)
        self.run = run
        self.configText = configText
        self.configFile = configFile
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
        let payload = JobPayload(run: run, program: program, request: request, configText: configText, configFile: configFile)
        if try !queue.enqueue(id: id, run: run, payload: try payload.jsonText()) {
            progress("re-attached to queue job \(id)")
        }
        while true {
            try Task.checkCancellation()
            reapIfDue()
            if let job = try queue.job(id) {
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
        report.artifacts["worker"] = "evaluated by worker \(result.worker) on \(result.host) (\(String(format: "%.1f", result.cpuSeconds)) CPU s)"
        return report
    }

    /// The coordinator reaps too (workers do before each claim), at most every few seconds.
    func reapIfDue() {
        let due = lastReap.withLock {
            guard Date().timeIntervalSince(reapedAt) > min(5, staleAfter / 2) else { return false }
            reapedAt = Date()
            return true
        }
        if due { _ = try? queue.reap(staleAfter: staleAfter) }
    }
}
