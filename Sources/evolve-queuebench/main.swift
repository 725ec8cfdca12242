// evolve-queuebench: the PostgreSQL queue's cost (not part of `swift test`; scripts/bench-queue.sh runs it).
//   swift run evolve-queuebench [jobs per worker count=24] [sleep seconds=0.5]
// Starts a private PostgreSQL server (as the tests do), then prints:
//  1. the queue's own work per evaluation: the statements one evaluation costs (enqueue, claim, one
//     heartbeat, complete, the coordinator's read of the result), timed over 500 jobs on one connection;
//  2. end-to-end throughput of 1, 2, 4 and 8 in-process workers running a command evaluator that sleeps
//     (`sleep S` in the sandbox), each as jobs per second and as a multiple of one worker's.
import Evaluators
import EvolveCore
import EvolveQueue
import Foundation
import Sandbox
import TestSupport

let arguments = CommandLine.arguments.dropFirst()
let jobsPerRound = arguments.first.flatMap(Int.init) ?? 24
let sleepSeconds = arguments.dropFirst().first.flatMap(Double.init) ?? 0.5

let server = try PrivatePostgres()
defer { server.stop() }
let address = try QueueAddress(parsing: server.url())
let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "?"
let avx512 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains("avx512f") == true
print("CPU: \(cpu) (\(avx512 ? "avx512f" : "no avx512f")), \(ProcessInfo.processInfo.activeProcessorCount) cores")

// 1. Statements per evaluation.
let queue = try JobQueue(address: address)
let count = 500
let started = Date()
for index in 0..<count {
    let id = "overhead/\(index)"
    try queue.enqueue(id: id, run: "overhead", payload: "{\"files\":{\"value.txt\":\"0.5\"}}")
    guard let claim = try queue.claim(worker: "bench", host: "bench") else { fatalError("no job to claim") }
    _ = try queue.heartbeat(claim)
    _ = try queue.complete(claim, result: "{\"outcome\":\"evaluated\"}")
    _ = try queue.job(id)
}
let perEvaluation = Date().timeIntervalSince(started) / Double(count) * 1000
print(String(format: "queue work per evaluation (enqueue, claim, heartbeat, complete, read): %.2f ms (mean of %d)", perEvaluation, count))

// 2. Throughput with K workers.
let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-queuebench-\(getpid())")
defer { try? FileManager.default.removeItem(at: root) }
let evaluator = CommandEvaluator(
    sandbox: Sandbox(), workRoot: root, command: ["/bin/sh", "-c", "sleep \(sleepSeconds); echo '{\"combined_score\": 1}'", "sh"])
var single = 0.0
for workers in [1, 2, 4, 8] {
    let run = "throughput-\(workers)"
    let coordinator = try QueueEvaluator(
        address: address, run: run, configText: "", configFile: nil, requiredLayers: [], pollSeconds: 0.02)
    let pool = (0..<workers).map { index in
        QueueWorker(address: address, name: "w\(index)", slots: 1, host: "bench", layers: [], idleSeconds: 0.02) { _ in evaluator }
    }
    let tasks = pool.map { worker in Task { try await worker.run() } }
    let begin = Date()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<jobsPerRound {
            group.addTask {
                _ = try await coordinator.evaluate(Program(files: ["value.txt": "\(index)"]), EvaluationRequest(trainingSeed: UInt64(index)))
            }
        }
        try await group.waitForAll()
    }
    let seconds = Date().timeIntervalSince(begin)
    pool.forEach { $0.requestStop() }
    for task in tasks { try await task.value }
    let rate = Double(jobsPerRound) / seconds
    if workers == 1 { single = rate }
    print(String(format: "%d worker(s): %d jobs of sleep %.2f s in %.2f s: %.2f jobs/s, %.2f× one worker", workers, jobsPerRound, sleepSeconds, seconds, rate, rate / single))
}
