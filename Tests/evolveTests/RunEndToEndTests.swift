import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing

/// `evolve run` and `evolve resume` as a user runs them: the built binary, a scripted OpenAI-style server
/// on loopback as the LLM, a fast command evaluator, a real run directory.
@Suite(.serialized) struct RunEndToEndTests {
    let scratch = ScratchDirectory("evolve-e2e")
    var root: URL { scratch.url }

    /// A program of two constants; the score peaks at rate 0.3, width 24.
    static let seed = """
        # config for the scripted evaluator
        # EVOLVE-BLOCK-START constants
        rate = 0.5
        width = 16
        # EVOLVE-BLOCK-END

        """

    static let config = """
        max_iterations: 10
        parallel: 2
        # The evaluator is exact: a floor far below its 0.004 steps lets children win their races (displacements to audit).
        noise_floor: 0.001
        database:
          num_islands: 2
        evaluator:
          command: [/bin/sh, -c, 'r=$(grep -o "rate = [0-9.]*" "$1/value.txt" | cut -d" " -f3); w=$(grep -o "width = [0-9]*" "$1/value.txt" | cut -d" " -f3); printf "{\\"combined_score\\": %f}\\n" $(echo "1 - ($r - 0.3)^2 - ($w - 24)^2/1000" | bc -l)', sh]

        """

    /// Answers by request: the 2nd is an edit outside the block, the 4th a revert to the seed (a
    /// duplicate), the rest step `rate` down by 0.01. A repair prompt gets a valid edit.
    static func answer(_ request: LoopbackHTTPServer.Request, number: Int) -> LoopbackHTTPServer.Response {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
        let messages = body?["messages"] as? [[String: Any]] ?? []
        let prompt = messages.compactMap { $0["content"] as? String }.joined(separator: "\n")
        let last = messages.last?["content"] as? String ?? ""
        let current = prompt.range(of: #"rate = [0-9.]+"#, options: .regularExpression).map { String(prompt[$0]) } ?? "rate = 0.5"
        let value = Double(current.dropFirst(7)) ?? 0.5
        let content: String
        if last.contains("could not be applied") {
            content = edit("Summary: repaired", current, "rate = \(String(format: "%.2f", value - 0.02))")
        } else if number == 2 {
            content = edit("Summary: retitle", "# config for the scripted evaluator", "# tuned config")
        } else if number == 4, current != "rate = 0.5" {
            content = edit("Summary: back to the start", current, "rate = 0.5")
        } else {
            content = edit("Summary: lower rate", current, "rate = \(String(format: "%.2f", value - 0.01))")
        }
        let payload: [String: Any] = [
            "id": "x", "object": "chat.completion", "model": "scripted",
            "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: payload)) ?? Data()
        return .json(200, String(decoding: data, as: UTF8.self))
    }

    static func edit(_ summary: String, _ search: String, _ replace: String) -> String {
        "\(summary)\nvalue.txt\n<<<<<<< SEARCH\n\(search)\n=======\n\(replace)\n>>>>>>> REPLACE\n"
    }

    func setUp() throws -> (seed: URL, runs: URL) {
        let seed = root.appendingPathComponent("seed")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(Self.seed.utf8).write(to: seed.appendingPathComponent("value.txt"))
        try Data(Self.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))
        return (seed, root.appendingPathComponent("runs"))
    }

    func environment(_ server: LoopbackHTTPServer, runs: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["EVOLVE_RUNS"] = runs.path
        environment["EVOLVE_LLM_BASE_URL"] = server.baseURL + "/v1"
        environment["EVOLVE_LLM_MODEL"] = "scripted"
        environment["EVOLVE_LLM_API_KEY_ENV"] = ""
        return environment
    }

    func git(_ directory: URL, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", directory.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readAllRetryingInterrupts()
        _ = ChildExit.wait(for: process)
        return String(decoding: data, as: UTF8.self)
    }

    func store(_ runs: URL, _ name: String) throws -> ProgramStore {
        let path = runs.appendingPathComponent(name).appendingPathComponent("evolve.sqlite").path
        return try ProgramStore(path: path, config: try ProgramStore.storedConfiguration(path: path) ?? DatabaseConfig())
    }

    @Test func tenIterationsAgainstAScriptedLLMServer() async throws {
        let (seed, runs) = try setUp()
        let counter = Counter()
        let server = try LoopbackHTTPServer { Self.answer($0, number: counter.next()) }
        defer { server.stop() }
        let result = try await EvolveBinary.run(["run", "--seed", seed.path, "--name", "e2e"], environment: environment(server, runs: runs))
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("stopped (iterations) after 10 iterations"))

        let store = try store(runs, "e2e")
        let programs = try store.allPrograms()
        let children = programs.filter { $0.proposal != nil }
        #expect(!children.isEmpty)
        #expect(children.allSatisfy { $0.proposal?.model == "scripted" && $0.proposal!.promptTokens >= 100 })
        // Commits: each program's parents are its parent programs' commits.
        let lineage = runs.appendingPathComponent("e2e/lineage")
        for program in programs where program.migratedFrom == nil {
            let commit = try #require(program.commitID)
            let parents = try git(lineage, ["rev-list", "--parents", "-n", "1", commit]).split(separator: " ").dropFirst()
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            #expect(parents == (try program.parents.compactMap { try store.program($0)?.commitID }))
        }
        // The edit outside the block was refused and its reason went back to the model.
        let repairs = server.requests.map { String(decoding: $0.body, as: UTF8.self) }.filter { $0.contains("could not be applied") }
        #expect(repairs.contains { $0.contains("outside every EVOLVE-BLOCK") })
        // The revert to the seed was a duplicate: recorded, never evaluated again.
        let attempts = try store.records.attempts(from: programs.map(\.id), limit: 1000)
        let duplicate = try #require(attempts.first { $0.outcome == .duplicate })
        // (Its validation evaluations are its own race's, one per training seed, none for the duplicate.)
        let original = try #require(try store.program(duplicate.programID!))
        #expect(try store.records.evaluationCount(programID: original.id, split: .validation) == original.scoreStats?.n)
        #expect(try store.records.trainingSeeds(of: original.id).count == (try store.records.evaluationCount(programID: original.id)))
        #expect(programs.allSatisfy { $0.status != .queued && $0.status != .evaluating })
        // Children that move toward the peak win their races: every displacement obeys the run's racing rule.
        let audit = try RacingAudit.check(runs: runs, name: "e2e")
        #expect(audit.displacements > 0 && audit.violations.isEmpty, "\(audit.displacements) displacements: \(audit.violations)")
    }

    /// The `evolve-work` tmpfs mount points (sandbox work dirs) at or under `directory`, from /proc/mounts.
    static func sandboxMounts(under directory: URL) -> [String] {
        guard let text = ProcFile.read("/proc/mounts") else { return [] }
        let base = directory.resolvingSymlinksInPath().path
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, fields[0] == "evolve-work", fields[2] == "tmpfs" else { return nil }
            let point = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
            return point == base || point.hasPrefix(base + "/") ? point : nil
        }
    }

    /// The scripted server with slow answers (0.15 s each), which keep a run busy long enough to be killed
    /// or interrupted in the middle of it.
    static func slowServer() throws -> LoopbackHTTPServer {
        let counter = Counter()
        return try LoopbackHTTPServer { request in
            var response = Self.answer(request, number: counter.next())
            response.delay = 0.15
            return response
        }
    }

    @Test func aRunKilledWithSIGKILLResumesWithoutLosingOrRepeatingEvaluations() async throws {
        let (seed, runs) = try setUp()
        let server = try Self.slowServer()
        defer { server.stop() }
        let process = Process()
        process.executableURL = EvolveBinary.url
        process.arguments = ["run", "--seed", seed.path, "--name", "killed", "--iterations", "30"]
        process.environment = environment(server, runs: runs)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let database = runs.appendingPathComponent("killed/evolve.sqlite").path
        // Kill once a few programs have been evaluated. (Polled with a plain query: opening a ProgramStore
        // here would write the schema and a configuration of its own into the run's new database.)
        func evaluations() -> Int {
            guard FileManager.default.fileExists(atPath: database), let db = try? SQLiteConnection(path: database) else { return 0 }
            return Int((try? db.query("SELECT count(*) FROM evaluations"))?.first?.first?.integer ?? 0)
        }
        for _ in 0..<600 {
            try await Task.sleep(nanoseconds: 100_000_000)
            if evaluations() >= 4 { break }
        }
        kill(process.processIdentifier, SIGKILL)
        _ = ChildExit.wait(for: process)
        let before = try store(runs, "killed")
        let evaluatedBefore = try before.allPrograms().filter { $0.status == .evaluated && $0.migratedFrom == nil }
        #expect(!evaluatedBefore.isEmpty)

        // The evaluations in flight when the run was killed left their tmpfs work dirs mounted (as root);
        // resume unmounts them before it starts and says so.
        let leftovers = Self.sandboxMounts(under: runs.appendingPathComponent("killed"))
        let resumed = try await EvolveBinary.run(["resume", "killed"], environment: environment(server, runs: runs))
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(Self.sandboxMounts(under: runs.appendingPathComponent("killed")).isEmpty)
        if !leftovers.isEmpty {
            #expect((resumed.stdout + resumed.stderr).contains("removed \(leftovers.count) sandbox mounts a killed run left in"), "\(leftovers)")
        }
        let after = try store(runs, "killed")
        let programs = try after.allPrograms()
        for program in evaluatedBefore {
            #expect(try after.program(program.id)?.status == .evaluated, "program \(program.id) was lost")
        }
        for program in programs where program.migratedFrom == nil {
            #expect(program.commitID != nil, "program \(program.id) has no commit")
            #expect(program.status != .queued && program.status != .evaluating)
        }
        // No program was evaluated twice with one training seed, none beyond its race (1 evaluation, or the
        // default `repeats` of 3 for a contender and the incumbents it raced), each race finished, and
        // each elite scored once on the test split.
        for program in programs where program.migratedFrom == nil {
            let validation = try after.records.evaluationCount(programID: program.id, split: .validation)
            #expect(validation == 1 || validation == 3, "program \(program.id): \(validation) validation evaluations")
            #expect(try after.records.trainingSeeds(of: program.id).count == (try after.records.evaluationCount(programID: program.id)), "program \(program.id)")
            #expect(try after.records.evaluationCount(programID: program.id, split: .test) <= 1, "program \(program.id)")
        }
        #expect(try after.pendingRaces().isEmpty)
        #expect(try git(runs.appendingPathComponent("killed/lineage"), ["fsck", "--strict"]).contains("error") == false)
        let audit = try RacingAudit.check(runs: runs, name: "killed")
        #expect(audit.violations.isEmpty, "\(audit.displacements) displacements: \(audit.violations)")
        // Nothing of the test stays behind: a mount left in the run dir would make this throw EBUSY.
        try FileManager.default.removeItem(at: root)
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }

    @Test func aFirstSIGINTFinishesTheWorkInFlightAndAResumeEvaluatesNothingTwice() async throws {
        let (seed, runs) = try setUp()
        let server = try Self.slowServer()
        defer { server.stop() }
        let process = Process()
        process.executableURL = EvolveBinary.url
        process.arguments = ["run", "--seed", seed.path, "--name", "interrupted", "--iterations", "40"]
        process.environment = environment(server, runs: runs)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let drained = PipeDrain(output.fileHandleForReading)
        try process.run()
        let database = runs.appendingPathComponent("interrupted/evolve.sqlite").path
        func evaluations() -> Int {
            guard FileManager.default.fileExists(atPath: database), let db = try? SQLiteConnection(path: database) else { return 0 }
            return Int((try? db.query("SELECT count(*) FROM evaluations"))?.first?.first?.integer ?? 0)
        }
        for _ in 0..<600 {
            try await Task.sleep(nanoseconds: 100_000_000)
            if evaluations() >= 4 { break }
        }
        kill(process.processIdentifier, SIGINT)
        let printed = await drained.text()
        let ended = ChildExit.wait(for: process)
        // One Ctrl-C is a clean stop: exit 0, the work in flight finished and stored, every program committed.
        #expect(ended == .success, "\(ended)\n\(printed)")
        #expect(printed.contains("stopped (interrupted) after"), "\(printed)")
        #expect(!printed.contains("stopped (iterations) after 40 iterations"), "the interrupt came after the run had finished")
        let before = try store(runs, "interrupted")
        let programsBefore = try before.allPrograms().filter { $0.migratedFrom == nil }
        #expect(programsBefore.allSatisfy { $0.status != .queued && $0.status != .evaluating }, "work was left in flight")
        #expect(programsBefore.allSatisfy { $0.commitID != nil })
        var countsBefore: [String: Int] = [:]
        for program in programsBefore { countsBefore[program.id] = try before.records.evaluationCount(programID: program.id, split: .validation) }
        #expect(!countsBefore.isEmpty)

        let resumed = try await EvolveBinary.run(["resume", "interrupted"], environment: environment(server, runs: runs))
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(!(resumed.stdout + resumed.stderr).contains("re-queueing"), "an interrupted run left evaluations to re-queue")
        let after = try store(runs, "interrupted")
        for program in try after.allPrograms() where program.migratedFrom == nil {
            let validation = try after.records.evaluationCount(programID: program.id, split: .validation)
            #expect(validation == 1 || validation == 3, "program \(program.id): \(validation) validation evaluations")
            #expect(try after.records.trainingSeeds(of: program.id).count == (try after.records.evaluationCount(programID: program.id)), "program \(program.id)")
            #expect(try after.records.evaluationCount(programID: program.id, split: .test) <= 1, "program \(program.id)")
            // A program scored before the interrupt is scored on validation again only to finish a race (1 → 3
            // seeds); the best's end-of-run re-score on fresh seeds, which the interrupt skipped, is the resume's.
            if let count = countsBefore[program.id], count != validation {
                #expect(count == 1 && validation == 3, "program \(program.id) was evaluated again: \(count) → \(validation)")
            }
        }
        let audit = try RacingAudit.check(runs: runs, name: "interrupted")
        #expect(audit.violations.isEmpty, "\(audit.displacements) displacements: \(audit.violations)")
    }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int { lock.withLock { value += 1; return value } }
}
