import Foundation
import TestSupport
import Testing
@testable import EvolveCore

@Suite struct SQLiteConnectionTests {
    let scratch = ScratchDirectory("evolve-sqlite")
    var directory: URL { scratch.url }

    @Test func writesInWALAndReadsBackFromASecondConnection() throws {
        let path = directory.appendingPathComponent("test.sqlite").path
        let writer = try SQLiteConnection(path: path)
        try writer.execute("CREATE TABLE programs (id INTEGER PRIMARY KEY, name TEXT, score REAL, code BLOB, note TEXT)")
        let insert = try writer.prepare("INSERT INTO programs (name, score, code, note) VALUES (?, ?, ?, ?)")
        try writer.transaction {
            for i in 0..<100 {
                _ = try insert.rows([.text("p\(i) — ünïcode"), .real(Double(i) / 4), .blob([0, 1, UInt8(i % 256), 0]), .null])
            }
        }
        #expect(writer.lastInsertRowID == 100)
        // The WAL file exists beside the database while the writer is open: WAL mode is really on.
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))

        let reader = try SQLiteConnection(path: path)
        #expect(try reader.query("PRAGMA journal_mode").first?.first == .text("wal"))
        let rows = try reader.query("SELECT name, score, code, note FROM programs WHERE id = ?", [.integer(42)])
        #expect(rows == [[.text("p41 — ünïcode"), .real(10.25), .blob([0, 1, 41, 0]), .null]])
        #expect(try reader.query("SELECT count(*), sum(score) FROM programs").first == [.integer(100), .real(1237.5)])
    }

    @Test func aConnectionThatRanQueriesClosesItsFilesWhenReleased() throws {
        let path = directory.appendingPathComponent("released.sqlite").path
        func descriptors() -> Int {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)"))?.hasPrefix(path) == true }.count
        }
        try SQLiteConnection(path: path).execute("CREATE TABLE t (k INTEGER)")
        for index in 0..<20 {
            let db = try SQLiteConnection(path: path)
            try db.run("INSERT INTO t VALUES (?)", [.integer(Int64(index))])
            _ = try db.rows("SELECT count(*) AS n FROM t")
            let statement = try db.prepare("SELECT k FROM t")
            _ = try statement.rows([])
        }
        // A statement from `prepare` keeps its connection usable after the last other reference is gone.
        let kept = try SQLiteConnection(path: path).prepare("SELECT count(*) FROM t")
        #expect(try kept.rows([]) == [[.integer(20)]])
        #expect(descriptors() <= 3, "descriptors still open on \(path): \(descriptors())")
    }

    @Test func aThrowingTransactionRollsBackEverything() throws {
        let db = try SQLiteConnection(path: directory.appendingPathComponent("rollback.sqlite").path)
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (?)", [.text("a")])
                throw Abort()
            }
        }
        #expect(try db.query("SELECT count(*) FROM t").first == [.integer(0)])
        // A constraint violation reports the file and the statement.
        try db.run("INSERT INTO t VALUES (?)", [.text("a")])
        do {
            try db.run("INSERT INTO t VALUES (?)", [.text("a")])
            Issue.record("duplicate primary key was accepted")
        } catch let error as SQLiteError {
            #expect(error.description.contains("rollback.sqlite"))
            #expect(error.description.contains("INSERT INTO t"))
        }
    }

    @Test func wrongBindingCountIsAnError() throws {
        let db = try SQLiteConnection(path: directory.appendingPathComponent("bind.sqlite").path)
        #expect(throws: SQLiteError.self) { try db.query("SELECT ?, ?", [.integer(1)]) }
    }

    @Test func unopenablePathNamesTheFile() throws {
        let bad = directory.appendingPathComponent("missing-folder/x.sqlite").path
        do {
            _ = try SQLiteConnection(path: bad)
            Issue.record("opened a database in a folder that does not exist")
        } catch let error as SQLiteError {
            #expect(error.description.contains("missing-folder/x.sqlite"))
        }
    }
}
