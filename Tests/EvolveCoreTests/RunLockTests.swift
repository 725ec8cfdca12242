import EvolveCore
import Foundation
import Testing

@Suite struct RunLockTests {
    @Test func aRunHeldByOneProcessIsRefusedToASecondUntilReleased() throws {
        let runs = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: runs) }
        let run = try RunDirectory.create(name: "held", runsRoot: runs)
        var first: RunLock? = try run.lock()
        #expect(first != nil)
        // flock belongs to the open file, so a second open in this process stands in for a second process.
        do {
            _ = try run.lock()
            Issue.record("a second lock of a held run succeeded")
        } catch {
            #expect("\(error)".contains("in use by another evolve process (pid \(getpid()))"))
            #expect("\(error)".contains("STOP"))
        }
        first = nil
        #expect(throws: Never.self) { _ = try run.lock() }
    }
}
