import EvolveCore
import Foundation
import TestSupport
import Testing

/// A run whose terminal goes away: `evolve run … | head -1`, a killed `tee`, a dropped session's pipe.
/// The run must go on to its end with everything stored, not die of SIGPIPE or trap on a failed write.
@Suite struct ClosedTerminalTests {
    let scratch = ScratchDirectory("evolve-closed-terminal")

    @Test func aRunWhoseOutputPipesAreClosedFinishesAndStoresEverything() async throws {
        let seed = scratch.url.appendingPathComponent("seed"), runs = scratch.url.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(RunEndToEndTests.seed.utf8).write(to: seed.appendingPathComponent("value.txt"))
        try Data(RunEndToEndTests.config.replacingOccurrences(of: "max_iterations: 10", with: "max_iterations: 4").utf8)
            .write(to: seed.appendingPathComponent("evolve.yaml"))
        let counter = Counter()
        let server = try LoopbackHTTPServer { RunEndToEndTests.answer($0, number: counter.next()) }
        defer { server.stop() }

        let process = Process()
        process.executableURL = EvolveBinary.url
        process.arguments = ["run", "--seed", seed.path, "--name", "headless"]
        var environment = ProcessInfo.processInfo.environment
        environment["EVOLVE_RUNS"] = runs.path
        environment["EVOLVE_LLM_BASE_URL"] = server.baseURL + "/v1"
        environment["EVOLVE_LLM_MODEL"] = "scripted"
        environment["EVOLVE_LLM_API_KEY_ENV"] = ""
        process.environment = environment
        // Both readers are gone before the run writes its first line.
        let output = Pipe(), errors = Pipe()
        try output.fileHandleForReading.close()
        try errors.fileHandleForReading.close()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let ended = try await ChildExit.of(process)
        #expect(ended == .success, "\(ended)")

        let log = try String(contentsOf: runs.appendingPathComponent("headless/run.log"), encoding: .utf8)
        #expect(log.contains("stopped (iterations) after 4 iterations"), "\(log)")
        let database = runs.appendingPathComponent("headless/evolve.sqlite").path
        let store = try ProgramStore(path: database, config: try ProgramStore.storedConfiguration(path: database) ?? DatabaseConfig())
        let programs = try store.allPrograms()
        #expect(programs.count >= 2)
        #expect(programs.allSatisfy { $0.status != .queued && $0.status != .evaluating })
    }
}
