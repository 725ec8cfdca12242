import EvolveCore
import Foundation
import TestSupport
import Testing

/// Issue 28 at the command line: `inspect best` (table and `--json`) and the report carry the best's
/// transfer and scale results, and `check-scale` on a run whose evaluator has no budgets says so in one line.
/// The results are written into a real run's database here; the loop tests make them from evaluations.
@Suite(.serialized) struct InspectTransferScaleTests {
    let scratch = ScratchDirectory("evolve-inspect-transfer")
    var root: URL { scratch.url }

    func environment() -> [String: String] { EvolveBinary.environment(runs: root.appendingPathComponent("runs")) }

    func evolve(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await EvolveBinary.run(arguments, environment: environment())
    }

    @Test func inspectBestAndTheReportShowTransferAndScaleResults() async throws {
        let seed = root.appendingPathComponent("seed")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(ReportCommandTests.program.utf8).write(to: seed.appendingPathComponent("params.py"))
        try Data(ReportCommandTests.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))
        let ran = try await evolve(["run", "--seed", seed.path, "--name", "t", "--iterations", "3"])
        #expect(ran.status == 0, "\(ran.stderr)")

        // Without results: null in JSON, a line saying when they come in the table.
        let before = try await evolve(["inspect", "best", "t", "--json"])
        let empty = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any])
        #expect(empty["transfer"] is NSNull || empty["transfer"] == nil)

        // A command evaluator has no training budgets: check-scale refuses in one line, exit 2.
        let refused = try await evolve(["check-scale", "t"])
        #expect(refused.status == 2 && refused.stderr.contains("no scale check was made"), "\(refused.stderr)")

        let path = root.appendingPathComponent("runs/t/evolve.sqlite").path
        let store = try ProgramStore(path: path, config: try ProgramStore.storedConfiguration(path: path) ?? DatabaseConfig())
        let best = try #require(try store.best())
        func stats(_ mean: Double) -> ScoreStats { ScoreStats(mean: mean, sd: 0.01, n: 3) }
        try store.records.setTransfer(best.id, TransferAssessment(
            seedID: "seed-1", selection: stats(0.5), seedSelection: stats(0.2), transfer: stats(0.19), seedTransfer: stats(0.2)))
        try store.records.setScale(best.id, ScaleAssessment(
            factor: 4, seedID: "seed-1", atOne: ScoreGain(stats(0.5), minus: stats(0.2)), program: stats(0.6), seed: stats(0.6)))

        let shown = try await evolve(["inspect", "best", "t", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let transfer = try #require(json["transfer"] as? [String: Any])
        #expect(transfer["does_not_transfer"] as? Bool == true && transfer["seed"] as? String == "seed-1")
        #expect((transfer["transfer"] as? [String: Any])?["se"] is Double && (transfer["transfer_gain"] as? [String: Any])?["value"] is Double)
        let scale = try #require(json["scale"] as? [String: Any])
        #expect(scale["factor"] as? Double == 4 && (scale["gain_at_factor"] as? [String: Any])?["se"] is Double)
        #expect((scale["flag"] as? String)?.contains("does not survive scale") == true)
        let flags = try #require(json["flags"] as? [String])
        #expect(flags.contains { $0.hasPrefix("does not transfer") } && flags.contains { $0.hasPrefix("scale check: ") })

        let table = try await evolve(["inspect", "best", "t"])
        #expect(table.stdout.contains("transfer (fresh seeds) 0.1900 ± 0.0058 (n 3)"), "\(table.stdout)")
        #expect(table.stdout.contains("scale check at 4× the training budgets"), "\(table.stdout)")

        let report = try await evolve(["report", "t", "--json"])
        #expect(report.status == 0, "\(report.stderr)")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let html = try String(contentsOfFile: try #require(written["path"] as? String), encoding: .utf8)
        #expect(html.contains("id=\"transfer\"") && html.contains("does not transfer") && html.contains("its scale check"))
    }
}
