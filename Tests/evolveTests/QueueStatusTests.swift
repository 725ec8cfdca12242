@testable import EvolveCore
import EvolveQueue
import Foundation
import Testing
@testable import evolve

/// What a queue run shows of its workers: the live status line's part, and the report's per-host table read
/// back from the evaluations' worker stamps in the run's SQLite file.
@Suite struct QueueStatusTests {
    @Test func theStatusLineCarriesTheQueuePartOnATerminalAndInPlainLines() throws {
        let status = EvolutionLoop.Status(
            iteration: 3, evaluations: 7, inFlight: 2, bestScore: 0.5, bestTestScore: nil, islandBests: [0.5], promptTokens: 0,
            completionTokens: 0, costUSD: 0, elapsedSeconds: 60, maxIterations: 10, maxSeconds: nil, maxSpendUSD: nil)
        let extra = "workers 2 live · jobs 2 running, 0 queued"
        let now = Date()
        let terminal = try #require(ProgressPrinter.text(for: .status(status), terminal: true, now: now, lastPlainStatus: now, extra: extra))
        #expect(terminal.hasSuffix(" · " + extra), "\(terminal)")
        let plain = try #require(ProgressPrinter.text(for: .status(status), terminal: false, now: now, lastPlainStatus: .distantPast, extra: extra))
        #expect(plain.contains("islands [0.500] · eta") && plain.hasSuffix(" · \(extra)\n"), "\(plain)")
        let local = try #require(ProgressPrinter.text(for: .status(status), terminal: true, now: now, lastPlainStatus: now))
        #expect(!local.contains("workers"), "a local run's line has no queue part")
    }

    @Test func theReportCountsEvaluationsAndCPUSecondsPerHost() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-hosts-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: path) }
        let db = try SQLiteConnection(path: path.path)
        try db.run("CREATE TABLE evaluations (id INTEGER PRIMARY KEY, artifacts TEXT NOT NULL)")
        let stamps = [("w1", "node-a", 10.0), ("w2", "node-a", 5.5), ("w1", "node-a", 4.5), ("w9", "node-b", 30.0)]
        for (worker, host, cpu) in stamps {
            let artifacts = [WorkerStamp.key: WorkerStamp(worker: worker, host: host, cpuSeconds: cpu).text, "stderr": "…"]
            let json = String(decoding: try JSONEncoder().encode(artifacts), as: UTF8.self)
            try db.run("INSERT INTO evaluations (artifacts) VALUES (?)", [.text(json)])
        }
        try db.run("INSERT INTO evaluations (artifacts) VALUES (?)", [.text("{\"compile\": \"local\"}")])
        let table = try HostTable.load(database: path)
        #expect(table.rows == [
            HostTable.Row(host: "node-a", evaluations: 3, workers: ["w1", "w2"], cpuSeconds: 20),
            HostTable.Row(host: "node-b", evaluations: 1, workers: ["w9"], cpuSeconds: 30),
        ])
        #expect(table.local == 1)
        let html = try #require(table.html)
        #expect(html.contains("<tr><td>node-a</td><td>3</td><td>2</td><td>20.0</td><td>6.7</td></tr>"), "\(html)")
        #expect(html.contains("1 evaluations have no worker record"))
        #expect(HostTable(rows: [], local: 4).html == nil, "a local run has no host section")
    }
}
