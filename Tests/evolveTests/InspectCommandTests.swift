import EvolveCore
import Foundation
import TestSupport
import Testing

/// `evolve inspect` on a real run, with the built binary: a short offline-mutator run on the
/// command-evaluator seed of ReportCommandTests (milliseconds per evaluation), continued with `resume`;
/// every `--json` output parses, has its keys in snake_case, and the tables say what they should.
@Suite(.serialized) struct InspectCommandTests {
    let scratch = ScratchDirectory("evolve-inspect")
    var root: URL { scratch.url }

    func environment() -> [String: String] { EvolveBinary.environment(runs: root.appendingPathComponent("runs")) }

    /// Runs the binary, expects exit 0 and returns stdout.
    func evolve(_ arguments: [String]) async throws -> String {
        let result = try await EvolveBinary.run(arguments, environment: environment())
        #expect(result.status == 0, "\(arguments): exit \(result.status)\n\(result.stdout)\n\(result.stderr)")
        return result.stdout
    }

    /// Parses `--json` output and checks that every key the tool chose is snake_case.
    func json(_ arguments: [String]) async throws -> Any {
        let stdout = try await evolve(arguments)
        let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        let keys = JSONKeys.all(in: value)
        #expect(!keys.isEmpty, "\(arguments): no keys")
        #expect(JSONKeys.notSnakeCase(keys).isEmpty, "\(arguments): keys not in snake_case: \(JSONKeys.notSnakeCase(keys))")
        return value
    }

    @Test func everyInspectCommandAndTheRunSummaryInJSONAndAsTables() async throws {
        let seed = root.appendingPathComponent("seed")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(ReportCommandTests.program.utf8).write(to: seed.appendingPathComponent("params.py"))
        try Data(ReportCommandTests.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))

        // run and resume --json: the summary alone on stdout (progress goes to stderr).
        let run = try #require(try await json(["run", "--seed", seed.path, "--name", "small", "--iterations", "3", "--json"]) as? [String: Any])
        #expect(run["run"] as? String == "small" && run["stop_reason"] as? String == "iterations" && run["iterations"] as? Int == 3)
        #expect(run["best_score"] is Double && run["best_program"] is String && run["elapsed_seconds"] is Double)
        let resumed = try #require(try await json(["resume", "small", "--iterations", "6", "--json"]) as? [String: Any])
        #expect(resumed["run"] as? String == "small" && resumed["iterations"] as? Int == 6)
        #expect(resumed["stop_reason"] as? String == "iterations" && resumed["evaluations"] is Int)

        // inspect population: both islands' grids over the config's two descriptors.
        let population = try #require(try await json(["inspect", "population", "small", "--json"]) as? [String: Any])
        #expect(population["dimensions"] as? [String] == ["width", "depth"])
        #expect(population["coverage"] is Double && population["qd_score"] is Double && population["displacements"] is Int)
        let islands = try #require(population["islands"] as? [[String: Any]])
        #expect(islands.map { $0["island"] as? Int } == [0, 1])
        for island in islands {
            #expect(island["coverage"] is Double && island["qd_score"] is Double)
        }
        let cells = islands.flatMap { $0["cells"] as? [[String: Any]] ?? [] }
        #expect(!cells.isEmpty && cells.allSatisfy { $0["cell"] is [Int] && $0["program"] is String && $0["score"] is Double })
        let one = try #require(try await json(["inspect", "population", "small", "--island", "1", "--json"]) as? [String: Any])
        #expect((one["islands"] as? [[String: Any]])?.map { $0["island"] as? Int } == [1])

        let table = try await evolve(["inspect", "population", "small"])
        for island in 0..<2 { #expect(table.contains("island \(island): coverage "), "\(table)") }
        #expect(table.contains("QD-score") && table.contains("all islands: coverage") && table.contains("displacements: "))
        #expect(table.contains("width \\ depth"), "the grid's header names the two descriptors:\n\(table)")
        #expect(table.contains("columns: 0="))

        // inspect best: the program, its fresh-seed re-scoring on validation and on the held-out test split.
        let best = try #require(try await json(["inspect", "best", "small", "--json"]) as? [String: Any])
        let program = try #require(best["program"] as? [String: Any])
        #expect(program["id"] as? String == resumed["best_program"] as? String)
        #expect(program["validation_score"] is Double && program["metrics"] is [String: Any])
        #expect((best["fresh_validation"] as? [String: Any])?["mean"] is Double)
        #expect((best["test"] as? [String: Any])?["mean"] is Double)
        #expect(best["flags"] is [String])
        let bestTable = try await evolve(["inspect", "best", "small"])
        #expect(bestTable.contains("validation score ") && bestTable.contains("fresh validation "), "\(bestTable)")
        #expect(bestTable.contains("held-out test (fresh seeds) "), "\(bestTable)")

        // inspect program and lineage on a child, found through the run's own database.
        let path = root.appendingPathComponent("runs/small/evolve.sqlite").path
        let store = try ProgramStore(path: path, config: try ProgramStore.storedConfiguration(path: path) ?? DatabaseConfig())
        let child = try #require(try store.allPrograms().first { !$0.parents.isEmpty && $0.migratedFrom == nil && $0.score != nil })
        let detailArguments = ["inspect", "program", String(child.id.prefix(10)), "--run", "small", "--json"]
        let detail = try #require(try await json(detailArguments) as? [String: Any])
        #expect(detail["id"] as? String == child.id && detail["parents"] as? [String] == child.parents)
        // Read with JSONDecoder: Linux's JSONSerialization rounds the last digit of about half of all doubles.
        struct Scored: Decodable { let validation_score: Double? }
        let scored = try JSONDecoder().decode(Scored.self, from: Data(try await evolve(detailArguments).utf8))
        #expect(scored.validation_score == child.score && detail["status"] as? String == child.status.rawValue)
        let metrics = try #require(detail["metrics"] as? [String: Any])
        #expect(metrics["combined_score"] is Double && (metrics["values"] as? [String: Any])?["width"] is Double)
        let descriptors = try #require(detail["descriptors"] as? [String: Any])
        #expect(descriptors["width"] is Double && descriptors["depth"] is Double)
        let detailTable = try await evolve(["inspect", "program", child.id, "--run", "small"])
        #expect(detailTable.contains("program \(child.id)") && detailTable.contains("validation score "))
        #expect(detailTable.contains("--- diff against parent \(child.parents[0].prefix(8))") && detailTable.contains("flags:"), "\(detailTable)")

        let lineage = try #require(try await json(["inspect", "lineage", child.id, "--run", "small", "--json"]) as? [[String: Any]])
        #expect(lineage.count >= 2)
        #expect(lineage.first?["id"] as? String == child.id && lineage[1]["id"] as? String == child.parents[0])
        #expect((lineage.last?["parents"] as? [String])?.isEmpty == true, "the chain ends at the seed")
        let lineageTable = try await evolve(["inspect", "lineage", child.id, "--run", "small"])
        let rows = lineageTable.split(separator: "\n")
        #expect(rows.count == lineage.count && rows.first?.hasPrefix(child.id.prefix(8)) == true)
        #expect(rows.last?.hasSuffix("seed") == true, "\(lineageTable)")
    }
}
