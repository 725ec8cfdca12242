import EvolveSupport
import Foundation
import TestSupport
import Testing
@testable import EvolveCore

@Suite struct CrashSafetyTests {
    static var writer: URL {
        let products = Bundle.main.bundleURL
        return [products, products.deletingLastPathComponent()].map { $0.appendingPathComponent("evolve-dbbench") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? products.appendingPathComponent("evolve-dbbench")
    }

    @Test func twentySIGKILLsAtRandomMomentsLeaveAConsistentDatabase() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("evolve.sqlite").path
        var rng = SplitMix64(seed: 2026)
        var counts: [Int] = []
        for _ in 0..<20 {
            let process = Process()
            process.executableURL = Self.writer
            process.arguments = ["crash-writer", path]
            process.standardError = FileHandle.nullDevice
            // A crash must fail this test, not hang the suite: Swift's crash backtracer ptraces the crashed
            // writer and was seen to hang on it, holding it as a zombie that nothing could reap.
            process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
            try process.run()
            usleep(UInt32(30_000 + rng.next() % 170_000))
            kill(process.processIdentifier, SIGKILL)
            #expect(ChildExit.wait(for: process) == ChildExit(exited: false, status: SIGKILL))
            counts.append(try check(path))
        }
        // The writer made progress across the kills, and every reopen found a consistent database.
        #expect(counts.last! > counts.first!)
    }

    /// Opens the store as a resumed run would and checks that nothing is half-written.
    func check(_ path: String) throws -> Int {
        // The writer's settings (Sources/evolve-dbbench): a run reopens only with its own configuration.
        var config = DatabaseConfig()
        config.islands = 4
        config.migrationInterval = 7
        config.stagnationGenerations = 25
        config.populationCap = 300
        let store = try ProgramStore(path: path, config: config, seed: 3)
        #expect(try store.db.query("PRAGMA integrity_check").first?.first == .text("ok"))
        let rows = try store.db.query("SELECT id, status, metrics, score, cell, files FROM programs")
        for row in rows {
            let status = ProgramStatus(rawValue: row[1].text ?? "")
            #expect(status != nil)
            #expect(row[5].text.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } != nil)
            if status == .evaluated {
                // An evaluated program has its metrics, score and cell, written in the same transaction.
                #expect(row[2].text != nil && row[3].real != nil && row[4].text != nil, "half-written program \(row[0].text!)")
            }
        }
        let dangling = try store.db.query("SELECT count(*) FROM cells WHERE program_id NOT IN (SELECT id FROM programs WHERE status = 'evaluated')")
        #expect(dangling.first?.first == .integer(0))
        let archive = try store.db.query("SELECT count(*) FROM archive WHERE program_id NOT IN (SELECT id FROM programs)")
        #expect(archive.first?.first == .integer(0))
        return rows.count
    }
}
