import EvolveCore
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM (Slurm at its time limit, Kubernetes, `docker stop`) and SIGHUP (a closed terminal) stop
/// `evolve run` like the first Ctrl-C: the built binary, a scripted LLM server, a command evaluator whose
/// children outlast the grace period, a real run directory.
@Suite(.serialized) struct StopSignalTests {
    let scratch = ScratchDirectory("evolve-signal")
    var root: URL { scratch.url }

    /// The seed itself scores at once; every child (even one that keeps the seed's rate) sleeps 300 s
    /// first, so it is in flight when the signal comes.
    static let config = """
        max_iterations: 40
        parallel: 2
        database:
          num_islands: 2
        evaluator:
          command: [/bin/sh, -c, 'r=$(grep -o "rate = [0-9.]*" "$1/value.txt" | cut -d" " -f3); grep -q "config for the scripted" "$1/value.txt" && [ "$r" = 0.5 ] || sleep 300; printf "{\\"combined_score\\": %f}\\n" $(echo "1 - ($r - 0.3)^2" | bc -l)', sh]

        """

    func environment(_ server: LoopbackHTTPServer, runs: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["EVOLVE_RUNS"] = runs.path
        environment["EVOLVE_LLM_BASE_URL"] = server.baseURL + "/v1"
        environment["EVOLVE_LLM_MODEL"] = "scripted"
        environment["EVOLVE_LLM_API_KEY_ENV"] = ""
        return environment
    }

    func count(_ database: String, _ sql: String) -> Int {
        guard FileManager.default.fileExists(atPath: database), let db = try? SQLiteConnection(path: database) else { return 0 }
        return Int((try? db.query(sql))?.first?.first?.integer ?? 0)
    }

    @Test(arguments: [SIGTERM, SIGHUP])
    func aStopSignalReleasesWhatOutlastsTheGracePeriodAndTheRunResumes(signal: Int32) async throws {
        let seed = root.appendingPathComponent("seed"), runs = root.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(RunEndToEndTests.seed.utf8).write(to: seed.appendingPathComponent("value.txt"))
        try Data(Self.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))
        let counter = Counter()
        let server = try LoopbackHTTPServer { RunEndToEndTests.answer($0, number: counter.next()) }
        defer { server.stop() }

        let process = Process()
        process.executableURL = EvolveBinary.url
        process.arguments = ["run", "--seed", seed.path, "--name", "signalled", "--grace", "2"]
        process.environment = environment(server, runs: runs)
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdout = PipeDrain(output.fileHandleForReading), stderr = PipeDrain(errors.fileHandleForReading)
        try process.run()
        let database = runs.appendingPathComponent("signalled/evolve.sqlite").path
        // Signal once the seed is scored and a child is in its 300-s evaluation (up to 290 s: on a 2-core
        // machine loaded by three searches beside the suite, none was in flight after 120 s).
        for _ in 0..<2900 where count(database, "SELECT count(*) FROM programs WHERE status = 'evaluating'") == 0 {
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        try #require(count(database, "SELECT count(*) FROM programs WHERE status = 'evaluating'") >= 1, "no child was in flight")
        kill(process.processIdentifier, signal)
        let ended = try await ChildExit.of(process)
        let printed = await stdout.text() + "\n" + (await stderr.text())

        // A clean stop: exit 0 after the 2-s grace period without waiting for the children's 300 s (no
        // wall-clock bound here, a loaded machine is slow: a run that waited would have stored the children's
        // scores, and `released` below counts them left unfinished), nothing mounted, the unfinished children
        // left unstarted rather than failed.
        #expect(ended == .success, "\(ended)\n\(printed)")
        #expect(printed.contains("grace period of 2 s"), "\(printed)")
        #expect(RunEndToEndTests.sandboxMounts(under: runs.appendingPathComponent("signalled")).isEmpty)
        let released = count(database, "SELECT count(*) FROM programs WHERE status IN ('evaluating', 'queued')")
        #expect(released >= 1)
        // Only the seed (parents "[]") scores at once; a child's evaluation ends after its 300 s sleep, so none
        // is stored unless the stop waited for the children.
        #expect(count(database, "SELECT count(*) FROM evaluations e JOIN programs p ON p.id = e.program_id WHERE p.parents <> '[]'") == 0)
        #expect(count(database, "SELECT count(*) FROM evaluations WHERE artifacts LIKE '%evaluator failed%'") == 0)
        // A child killed on the way out is not stored as the candidate's own failure.
        #expect(count(database, "SELECT count(*) FROM evaluations WHERE outcome <> 'evaluated'") == 0)

        // The resumed run (children now quick) evaluates the released children once each.
        let manifest = runs.appendingPathComponent("signalled/run.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        try #require(text.contains("sleep 300"))
        try Data(text.replacingOccurrences(of: "sleep 300", with: "true").utf8).write(to: manifest)
        let resumed = try await EvolveBinary.run(["resume", "signalled", "--iterations", "8"], environment: environment(server, runs: runs))
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect((resumed.stdout + resumed.stderr).contains("re-queueing \(released) evaluation(s) that were in flight"), "\(resumed.stdout)")
        let path = database
        let store = try ProgramStore(path: path, config: try ProgramStore.storedConfiguration(path: path) ?? DatabaseConfig())
        for program in try store.allPrograms() where program.migratedFrom == nil {
            #expect(program.status != .queued && program.status != .evaluating, "program \(program.id) is still \(program.status)")
            let validation = try store.records.evaluationCount(programID: program.id, split: .validation)
            #expect(validation <= 3, "program \(program.id): \(validation) validation evaluations")
            #expect(try store.records.trainingSeeds(of: program.id).count == (try store.records.evaluationCount(programID: program.id)), "program \(program.id)")
        }
    }
}
