// evolve-loopbench: the evolution loop's own overhead per iteration (not part of `swift test`).
//   swift run -c release evolve-loopbench [iterations=500] [store sizes…=1000 10000 100000]
// For 1k, 10k and 100k programs already in the store, runs `iterations` iterations of the real loop with
// the real LLM proposer against a loopback OpenAI-style stub that answers at once, and an in-process
// evaluator that scores instantly. Prints wall time per iteration minus the evaluator's time: what the
// engine itself costs (sampling, prompt, patch, SQLite transactions, git commit) plus one loopback round
// trip.
import EvolveCore
import EvolveSupport
import Foundation
import LLMClient
import TestSupport
import Proposers

/// A program is a file with a number in its EVOLVE-BLOCK; the score is that number.
func value(_ program: Program) -> Double {
    let text = program.files["kernel.swift"] ?? ""
    guard let range = text.range(of: #"rate = [0-9.]+"#, options: .regularExpression) else { return 0 }
    return Double(text[range].dropFirst(7)) ?? 0
}

func source(_ rate: Double, filler: Int) -> String {
    "// a program of the benchmark\n" + String(repeating: "// filler line\n", count: filler)
        + "// EVOLVE-BLOCK-START constants\nlet rate = \(String(format: "%.4f", rate))\n// EVOLVE-BLOCK-END\n"
}

final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0.0
    func add(_ seconds: Double) { lock.withLock { total += seconds } }
    var seconds: Double { lock.withLock { total } }
}

/// Times the proposer, to tell the engine's cost from the loopback round trip and prompt work.
struct TimedProposer: Proposer {
    let inner: any Proposer
    let clock: Clock
    func propose(_ context: ProposalContext) async throws -> ProposalResult {
        let start = Date()
        defer { clock.add(Date().timeIntervalSince(start)) }
        return try await inner.propose(context)
    }
    func observe(_ feedback: ProposalFeedback) async { await inner.observe(feedback) }
    func snapshot() async -> Data? { await inner.snapshot() }
    func restore(_ snapshot: Data) async throws { try await inner.restore(snapshot) }
}

struct InstantEvaluator: Evaluator {
    let clock: Clock
    func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        let start = Date()
        defer { clock.add(Date().timeIntervalSince(start)) }
        let v = value(program)
        return EvaluationReport(
            outcome: .evaluated, metrics: Metrics(values: ["combined_score": v], split: request.split.rawValue),
            descriptors: ["parameters": 1e4 + 1e6 * v, "effective_depth": 1 + 60 * v])
    }
}

/// Answers every request with an edit of the `rate` line it finds in the prompt.
func answer(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
    let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
    let prompt = ((body?["messages"] as? [[String: Any]]) ?? []).compactMap { $0["content"] as? String }.joined(separator: "\n")
    let current = prompt.range(of: #"rate = [0-9.]+"#, options: .regularExpression).map { String(prompt[$0]) } ?? "rate = 0.5000"
    let next = (Double(current.dropFirst(7)) ?? 0.5) * Double.random(in: 0.9...1.1)
    let content = "Summary: nudge\nkernel.swift\n<<<<<<< SEARCH\nlet \(current)\n=======\nlet rate = \(String(format: "%.4f", min(next, 0.999)))\n>>>>>>> REPLACE\n"
    let payload: [String: Any] = [
        "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
        "usage": ["prompt_tokens": 1000, "completion_tokens": 50],
    ]
    return .json(200, String(decoding: (try? JSONSerialization.data(withJSONObject: payload)) ?? Data(), as: UTF8.self))
}

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 500 : 500
let server = try LoopbackHTTPServer(handler: answer)
var environment = ProcessInfo.processInfo.environment
environment["EVOLVE_LLM_BASE_URL"] = server.baseURL + "/v1"
environment["EVOLVE_LLM_MODEL"] = "stub"
environment["EVOLVE_LLM_API_KEY_ENV"] = ""
let endpoint = try Endpoint.fromEnvironment(environment)!

print("evolution loop overhead per iteration (wall minus evaluator), \(iterations) iterations, parallel 1, no lookahead")
let sizes = CommandLine.arguments.count > 2 ? CommandLine.arguments.dropFirst(2).compactMap { Int($0) } : [1_000, 10_000, 100_000]
for size in sizes {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-loopbench-\(size)-\(getpid())")
    try? FileManager.default.removeItem(at: root)
    defer { try? FileManager.default.removeItem(at: root) }
    let run = try RunDirectory.create(name: "bench", runsRoot: root)
    var database = DatabaseConfig()
    database.islands = 4
    database.populationCap = 1_000_000
    // Fill the store directly (the loop would take hours to make 100k programs at real speed).
    let fillStart = Date()
    do {
        let store = try ProgramStore(path: run.database.path, config: database, seed: 42)
        var rng = SplitMix64(seed: 7)
        for i in 0..<size {
            let v = rng.unit() * 0.9
            let id = try store.add(Program(files: ["kernel.swift": source(v, filler: 60 + i % 7)], island: i % 4)).id
            _ = try store.complete(id, status: .evaluated, metrics: Metrics(values: ["combined_score": v], split: "validation"),
                                   descriptors: ["parameters": 1e4 + 1e6 * v, "effective_depth": 1 + 60 * v])
        }
    }
    let fillSeconds = Date().timeIntervalSince(fillStart)
    var config = RunConfig()
    config.maxIterations = 0
    config.parallel = 1
    config.proposalLookahead = 0
    config.testElites = false
    let proposer = TimedProposer(inner: await LLMProposer(clients: [ChatClient(endpoint: endpoint, environment: environment)]), clock: Clock())
    // A first session evaluates the seed and commits the filled programs to the lineage (a one-off
    // repair of programs without a commit); the measured session resumes the run.
    // Filler 59 never occurs in the filled store, so the seed is never a duplicate of a filled program.
    let setupStart = Date()
    _ = try await EvolutionLoop(run: run, config: config, database: database, evaluator: InstantEvaluator(clock: Clock()), proposer: proposer, brief: "bench")
        .run(seeds: [Program(files: ["kernel.swift": source(0.5, filler: 59)])])
    let setupSeconds = Date().timeIntervalSince(setupStart)
    config.maxIterations = iterations
    let clock = Clock(), proposing = Clock()
    let measured = TimedProposer(inner: proposer.inner, clock: proposing)
    let loop = try EvolutionLoop(run: run, config: config, database: database, evaluator: InstantEvaluator(clock: clock), proposer: measured, brief: "bench")
    let start = Date()
    let summary = try await loop.run(seeds: [])
    let wall = Date().timeIntervalSince(start)
    let perIteration = (wall - clock.seconds) / Double(max(summary.iterations, 1))
    let engine = (wall - clock.seconds - proposing.seconds) / Double(max(summary.iterations, 1))
    print(String(format: "%7d programs: %.2f ms per iteration, of which the proposer (prompt, loopback call, patch) %.2f ms and the rest of the engine %.2f ms (%d iterations, %.2f s wall; filling the store took %.0f s, committing it %.0f s)",
                 size, perIteration * 1000, proposing.seconds * 1000 / Double(max(summary.iterations, 1)), engine * 1000,
                 summary.iterations, wall, fillSeconds, setupSeconds))
}
server.stop()
