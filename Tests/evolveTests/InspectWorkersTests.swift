@testable import EvolveQueue
import Foundation
import TestSupport
import Testing

/// `evolve inspect workers` against a private PostgreSQL server: the built binary reads the roster the
/// workers keep and the jobs table, as a table and as JSON.
@Suite(.serialized, .enabled(if: PrivatePostgres.enabled)) final class InspectWorkersTests {
    let server: PrivatePostgres

    init() async throws { server = try await PrivatePostgres.start() }

    func inspect(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = EvolveBinary.url
        process.arguments = ["inspect", "workers", "--queue", server.url()] + arguments
        process.environment = ProcessInfo.processInfo.environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let outText = PipeDrain(out.fileHandleForReading), errText = PipeDrain(err.fileHandleForReading)
        try process.run()
        let text = outText.waitForText(), errors = errText.waitForText()
        return (ChildExit.wait(for: process).shellStatus, text, errors)
    }

    @Test func workersShowTheirSlotsJobsDoneRunningJobAndWhetherTheyStopped() throws {
        let address = try QueueAddress(parsing: server.url())
        let queue = try JobQueue(address: address)
        let roster = try WorkerRoster(address: address)
        #expect(try inspect([]).out.contains("no worker has joined"))
        try roster.seen(name: "w1", host: "node1", slots: 2, starting: true)
        try roster.seen(name: "w2", host: "node2", slots: 1, starting: true)
        for index in 0..<4 { try queue.enqueue(id: "r/p\(index)", run: "r", payload: "{}") }
        // w1 delivers two and holds one; w2 delivers one, then stops cleanly.
        for _ in 0..<2 {
            let claim = try #require(try queue.claim(worker: "w1", host: "node1"))
            #expect(try queue.complete(claim, result: "{}"))
        }
        _ = try #require(try queue.claim(worker: "w1", host: "node1"))
        let other = try #require(try queue.claim(worker: "w2", host: "node2"))
        #expect(try queue.complete(other, result: "{}"))
        try roster.stopped(name: "w2", host: "node2")

        let json = try inspect(["--json"])
        #expect(json.status == 0, "\(json.err)")
        struct Row: Decodable { let name: String; let host: String; let slots: Int; let jobs_done: Int; let running: Int; let last_heartbeat: String; let state: String }
        let rows = try JSONDecoder().decode([Row].self, from: Data(json.out.utf8))
        #expect(rows.map(\.name) == ["w1", "w2"])
        let first = try #require(rows.first), last = try #require(rows.last)
        #expect(first.host == "node1" && first.slots == 2 && first.jobs_done == 2 && first.running == 1 && first.state == "working", "\(first)")
        #expect(last.slots == 1 && last.jobs_done == 1 && last.running == 0 && last.state == "stopped", "\(last)")
        #expect(rows.allSatisfy { $0.last_heartbeat.hasSuffix("Z") && $0.last_heartbeat.count == 20 })

        // A worker that stops renewing its row and did not stop is silent once the stale limit passes.
        Thread.sleep(forTimeInterval: 1.2)
        let table = try inspect(["--stale", "1"])
        #expect(table.status == 0, "\(table.err)")
        let lines = table.out.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("worker") && lines[1].hasPrefix("w1") && lines[1].hasSuffix("silent"), "\(table.out)")
        #expect(!table.out.contains(PrivatePostgres.password) && !table.err.contains(PrivatePostgres.password))
    }
}
