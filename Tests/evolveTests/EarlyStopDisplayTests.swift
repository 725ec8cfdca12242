import EvolveCore
import Foundation
import TestSupport
import Testing

/// A stopped child as people see it: `evolve inspect program` prints its status and the value function's
/// evidence, and the report counts it (the binary, on a run database written through the store).
@Suite(.serialized) struct EarlyStopDisplayTests {
    let scratch = ScratchDirectory("evolve-early-stop-show")
    var root: URL { scratch.url }

    func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["EVOLVE_RUNS"] = root.appendingPathComponent("runs").path
        return environment
    }

    @Test func inspectProgramAndTheReportShowAStoppedChild() async throws {
        let run = try RunDirectory.create(name: "stops", runsRoot: root.appendingPathComponent("runs"))
        let store = try ProgramStore(path: run.database.path, config: DatabaseConfig(), seed: 1)
        let seedID = try store.add(Program(files: ["kernel.swift": "let seed = 1\n"])).id
        try store.complete(seedID, status: .evaluated, metrics: Metrics(values: ["combined_score": 0.6], split: "validation"), descriptors: [:])
        let childID = try store.add(Program(files: ["kernel.swift": "let child = 2\n"], parents: [seedID])).id
        let evidence = "after a exact 0.000: predicted final 0.010 ± 0.020 (fitted on 24 finished evaluations); optimistic 0.050 (+2.0 SE) < island best 0.600"
        let report = EvaluationReport(
            outcome: .stopped, metrics: Metrics(benchmarks: ["a": BenchmarkMetrics(exactAccuracy: 0, tokenAccuracy: 0)], split: "validation"),
            artifacts: [EvaluationReport.earlyStopArtifact: evidence])
        try store.complete(
            childID, status: .stopped, metrics: nil, descriptors: [:], evaluation: EvaluationRecord(split: .validation, trainingSeed: 9, report: report),
            earlyStop: EarlyStopRecord(
                programID: childID, trainingSeed: 9, mode: .on, after: ["a"], prediction: 0.01, standardError: 0.02, optimistic: 0.05, bar: 0.6,
                samples: 24, evidence: evidence))

        let inspect = try await EvolveBinary.run(["inspect", "program", String(childID.prefix(10)), "--run", "stops"], environment: environment())
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("status stopped"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("early stop: " + evidence), "\(inspect.stdout)")

        let out = root.appendingPathComponent("report.html")
        let page = try await EvolveBinary.run(["report", "stops", "--out", out.path], environment: environment())
        #expect(page.status == 0, "\(page.stderr)")
        let html = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        #expect(html.contains("1 stopped") && html.contains("1 child(ren) stopped between benchmarks"))
    }
}
