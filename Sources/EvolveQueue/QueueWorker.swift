import EvolveCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `evolve worker`: claims jobs from the queue, one per slot, runs each with the local evaluator its
/// payload's configuration describes (in this machine's sandbox), heartbeats while it runs and writes the
/// report back under its lease. It never touches a run's SQLite database, git lineage or selection.
///
/// ```swift
/// let worker = QueueWorker(address: address, name: "node3-1", slots: 2, host: "node3", layers: layers) { payload in
///     try makeEvaluator(payload.configText)
/// }
/// try await worker.run()   // until requestStop(); cancel the task to give running jobs back at once
/// ```
///
/// A job whose lease is lost (a reaper gave it to another worker after missed heartbeats, the database
/// went away) is dropped: its evaluation is cancelled and nothing is written. An evaluator that throws
/// (evolve's fault, not the candidate's) gives the job back; so does cancelling the worker.
package final class QueueWorker: Sendable {
    let address: QueueAddress
    let name: String
    let slots: Int
    let host: String
    let layers: [String]
    let heartbeatSeconds: Double
    let staleAfter: Double
    let idleSeconds: Double
    let evaluatorFor: @Sendable (JobPayload) async throws -> any Evaluator
    let say: @Sendable (String) -> Void
    private let stopping = Atomic<Bool>(false)
    private let done = Atomic<Int>(0)

    package init(
        address: QueueAddress, name: String, slots: Int, host: String, layers: [String], heartbeatSeconds: Double = 5,
        staleAfter: Double = 30, idleSeconds: Double = 0.2, say: @escaping @Sendable (String) -> Void = { _ in },
        evaluatorFor: @escaping @Sendable (JobPayload) async throws -> any Evaluator
    ) {
        self.address = address
        self.name = name
        self.slots = max(1, slots)
        self.host = host
        self.layers = layers
        self.heartbeatSeconds = heartbeatSeconds
        self.staleAfter = staleAfter
        self.idleSeconds = idleSeconds
        self.say = say
        self.evaluatorFor = evaluatorFor
    }

    /// Jobs this worker finished and delivered.
    package var jobsDone: Int { done.load(ordering: .relaxed) }

    /// Stop claiming; the jobs running finish (or are given back when the task is cancelled).
    package func requestStop() { stopping.store(true, ordering: .releasing) }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Runs the slots until `requestStop()` and every running job has ended.
    package func run() async throws {
        let roster = Task { await self.keepRosterRow() }
        defer { roster.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slot in 0..<slots {
                group.addTask { try await self.slot(slot) }
            }
            try await group.waitForAll()
        }
        roster.cancel()
        await roster.value
    }

    /// This worker's row in `evolve_workers` (what `evolve inspect workers` shows), renewed every heartbeat
    /// and marked stopped when the slots end. Best effort: a worker without its row still evaluates.
    func keepRosterRow() async {
        var roster: WorkerRoster?
        var starting = true
        while !Task.isCancelled {
            do {
                let current = try roster ?? WorkerRoster(address: address)
                roster = current
                try current.seen(name: name, host: host, slots: slots, starting: starting)
                starting = false
            } catch {
                roster = nil
            }
            try? await Task.sleep(nanoseconds: UInt64(heartbeatSeconds * 1e9))
        }
        _ = try? (roster ?? WorkerRoster(address: address)).stopped(name: name, host: host)
    }

    /// One slot: reap, claim, run, deliver; reconnects after losing the database.
    func slot(_ index: Int) async throws {
        var queue: JobQueue?
        while !isStopping && !Task.isCancelled {
            do {
                let current = try queue ?? JobQueue(address: address)
                queue = current
                try current.reap(staleAfter: staleAfter)
                guard let claim = try current.claim(worker: name, host: host) else {
                    try? await Task.sleep(nanoseconds: UInt64(idleSeconds * 1e9))
                    continue
                }
                await run(claim, on: current)
            } catch {
                // The connection is gone or the server refuses: a job of this slot is reaped by others.
                say("worker \(name): queue unavailable (\(error)); retrying in 1 s")
                queue = nil
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        }
    }

    enum Ending: Sendable {
        case report(EvaluationReport)
        case failed(String)
        case leaseLost
        case cancelled
    }

    func run(_ claim: JobQueue.Claim, on queue: JobQueue) async {
        let payload: JobPayload
        do {
            payload = try JobPayload.fromJSON(claim.payload)
        } catch {
            _ = try? queue.release(claim, reason: "worker \(name) cannot read the job (\(error)); a different evolve version?")
            return
        }
        let cpuBefore = Self.childrenCPUSeconds()
        let ending = await withTaskGroup(of: Ending.self) { group -> Ending in
            group.addTask {
                do {
                    let evaluator = try await self.evaluatorFor(payload)
                    return .report(try await evaluator.evaluate(payload.program, payload.request) { _ in })
                } catch is CancellationError {
                    return .cancelled
                } catch {
                    return Task.isCancelled ? .cancelled : .failed("\(error)")
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(self.heartbeatSeconds * 1e9))
                    if Task.isCancelled { break }
                    if (try? queue.heartbeat(claim)) != true { return .leaseLost }
                }
                return .cancelled
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
        switch ending {
        case .report(let report):
            let result = JobResult(
                report: report, worker: name, host: host, layers: layers, cpuSeconds: Self.childrenCPUSeconds() - cpuBefore)
            if (try? queue.complete(claim, result: result.jsonText())) == true {
                done.add(1, ordering: .relaxed)
            } else {
                say("worker \(name): the result of job \(claim.id) was refused (its lease had expired); another worker runs it")
            }
        case .failed(let reason):
            _ = try? queue.release(claim, reason: "worker \(name) on \(host): \(reason)")
            say("worker \(name): job \(claim.id) given back: \(reason)")
        case .leaseLost:
            say("worker \(name): lost the lease of job \(claim.id) (missed heartbeats or the database went away); dropped it")
        case .cancelled:
            _ = try? queue.release(claim, reason: "worker \(name) on \(host) stopped before the job ended")
        }
    }

    /// CPU seconds of this process's reaped children (the sandboxed runs) so far.
    static func childrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
