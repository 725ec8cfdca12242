import EvolveCore
import Evaluators
import Foundation
import Testing
@testable import evolve

/// The keys of parsed JSON, for the check that `--json` output speaks one naming convention (docs/cli.md).
enum JSONKeys {
    /// Objects whose keys are names chosen by the user or the candidate (benchmarks, a command evaluator's
    /// metrics, a candidate's reported numbers, descriptors, artifacts): their keys are kept as they are,
    /// so only what is inside them is collected.
    static let userNamed: Set<String> = ["benchmarks", "values", "reported", "descriptors", "artifacts"]

    /// Every key of every object in `value`, inside arrays too.
    static func all(in value: Any, namesAreUsers: Bool = false) -> [String] {
        if let array = value as? [Any] { return array.flatMap { all(in: $0) } }
        guard let dictionary = value as? [String: Any] else { return [] }
        return dictionary.flatMap { key, inner in (namesAreUsers ? [] : [key]) + all(in: inner, namesAreUsers: !namesAreUsers && userNamed.contains(key)) }
    }

    /// The keys that are not snake_case (`cpuSeconds`, `QDScore`).
    static func notSnakeCase(_ keys: [String]) -> [String] {
        keys.filter { $0 != $0.lowercased() || $0.contains("-") || $0.contains(" ") }
    }
}

/// `evolve eval --json` speaks one naming convention: snake_case keys throughout, metrics included.
@Suite struct EvalJSONTests {
    @Test func everyKeyIsSnakeCase() throws {
        let metrics = Metrics(
            benchmarks: ["sudoku-6x6": BenchmarkMetrics(
                exactAccuracy: 0.5, tokenAccuracy: 0.9, trainFLOPs: 1e9, evalFLOPs: 1e8, parameters: 10, wallSeconds: 2, cpuSeconds: 1.5,
                reported: [:])],
            split: "validation")
        let report = EvaluationReport(outcome: .evaluated, metrics: metrics, artifacts: [:], buildSeconds: 1, totalSeconds: 3)
        let text = try EvalCommand.json(report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let keys = JSONKeys.all(in: object)
        #expect(keys.contains("cpu_seconds") && keys.contains("exact_accuracy") && keys.contains("combined_score"))
        #expect(JSONKeys.notSnakeCase(keys).isEmpty, "camelCase keys: \(JSONKeys.notSnakeCase(keys))")
        let benchmark = (object["metrics"] as? [String: Any]).flatMap { $0["benchmarks"] as? [String: Any] }?["sudoku-6x6"] as? [String: Any]
        #expect(benchmark?["cpu_seconds"] as? Double == 1.5)
    }
}

/// `evolve eval --training-seed N` measures the noise of training through the loop's own code path: the data
/// seed stays evolve.yaml's `seed`, N seeds init and batch order (docs/default-suite.md uses seeds 1–4).
@Suite struct EvalOptionsTests {
    @Test func theTrainingSeedIsAnOptionThatDefaultsToTheLoopsFirstSeed() throws {
        #expect(try EvalCommand.parse(["Programs/trm"]).trainingSeed == 1)
        let chosen = try EvalCommand.parse(["Programs/trm", "--training-seed", "4", "--json"])
        #expect(chosen.trainingSeed == 4 && chosen.json && chosen.programDir == "Programs/trm")
        #expect(throws: (any Error).self) { try EvalCommand.parse(["Programs/trm", "--training-seed", "-1"]) }
    }

    /// Without a data key the splits are the (public) seed's: `evolve eval` says so, and not when there is one.
    @Test func aFileWithoutADataKeyGetsANoteAndOneWithAKeyDoesNot() throws {
        let entry = "benchmarks:\n  - {name: s, generator: sudoku, box_rows: 2, box_columns: 2, train: 4, validation: 2, test: 2, train_flops: 1e9, eval_flops: 1e8}\n"
        let note = EvalCommand.publicSplitsNote(try ProgramConfig.parse("seed: 1\n" + entry, path: "/p/evolve.yaml"), path: "/p/evolve.yaml")
        #expect(note?.contains("/p/evolve.yaml has no data_key") == true && note?.contains("seed 1") == true, "\(note ?? "nil")")
        #expect(EvalCommand.publicSplitsNote(try ProgramConfig.parse("seed: 1\ndata_key: 7\n" + entry, path: "/p/evolve.yaml"), path: "/p/evolve.yaml") == nil)
    }
}
