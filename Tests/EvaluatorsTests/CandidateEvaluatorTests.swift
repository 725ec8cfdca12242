import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

/// TRMKit's module is built once per test process (it takes a few seconds) and shared.
actor SharedModule {
    static let shared = SharedModule()
    private var module: TRMKitModule?

    func get() throws -> TRMKitModule {
        if let module { return module }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-test-module-cache")
        let built = try TRMKitModule.prepare(sources: repo.appendingPathComponent("Sources/TRMKit"), cacheRoot: cache)
        module = built
        return built
    }

    static var repo: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

@Suite(.serialized) struct CandidateEvaluatorTests {
    let scratch = ScratchDirectory("evolve-candidates")
    var root: URL { scratch.url }

    /// A tiny benchmark so tests spend seconds, not minutes.
    static let tinyConfig = Fixtures.tinySudokuConfig

    /// Evaluates `files` on the validation split under the run configuration `config` (YAML).
    /// `sourcePolicy: nil` for the tests below that run non-kernel (Foundation) programs on purpose, to
    /// test the sandbox and the scorer rather than the source policy (SourcePolicyTests does that).
    func evaluate(
        _ files: [String: String], config: String = tinyConfig, keepWork: Bool = false, sourcePolicy: SourcePolicy? = .kernel
    ) async throws -> EvaluationReport {
        let evaluator = CandidateEvaluator(
            sandbox: Sandbox(), module: try await SharedModule.shared.get(), config: try ProgramConfig.parse(config, path: "test.yaml"),
            workRoot: root.appendingPathComponent("work"), keepWork: keepWork, sourcePolicy: sourcePolicy)
        return try await evaluator.evaluate(Program(files: files), EvaluationRequest(split: .validation, trainingSeed: 1))
    }

    /// A non-learning program that answers every query with `output(input)` and may do something else first.
    /// With `forgedRunJSON`, it also writes the run.json an honest driver would (protocol 3, the budget
    /// it was given): a cheat that got past every other layer, for the controls that must still catch it.
    static func answering(_ output: String, before: String = "", after: String = "", forgedRunJSON: Bool = false) -> String {
        let forge = !forgedRunJSON ? "" : """
            let budget = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/budget.json"))) as! [String: Any]
                    let train = budget["train_flops"] as! Int
                    let run = "{\\"protocol\\":3,\\"train_budget\\":\\(train),\\"train_flops\\":\\(train),\\"eval_flops\\":1,\\"largest_step_flops\\":1,\\"parameters\\":10,\\"steps\\":1}"
                    try run.write(toFile: dir + "/out/run.json", atomically: true, encoding: .utf8)
            """
        return """
        import Foundation
        #if canImport(Glibc)
        import Glibc
        #endif
        @main struct Program {
            static func main() throws {
                let dir = CommandLine.arguments[1]
                \(before)
                let queries = try String(contentsOfFile: dir + "/data/eval.jsonl", encoding: .utf8).split(separator: "\\n")
                var lines: [String] = []
                for line in queries {
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                    let input = object["input"] as! [Int]
                    let answer: [Int] = \(output)
                    lines.append("{\\"id\\":\\"\\(object["id"] as! String)\\",\\"output\\":\\(answer)}")
                }
                try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
                try (lines.joined(separator: "\\n") + "\\n").write(toFile: dir + "/out/predictions.jsonl", atomically: true, encoding: .utf8)
                \(forge)
                \(after)
            }
        }
        """
    }

    @Test func theSeedKernelRunsEndToEndOnATinyBudget() async throws {
        let seed = SharedModule.repo.appendingPathComponent("Programs/trm/kernel.swift")
        let report = try await evaluate(["kernel.swift": try String(contentsOf: seed, encoding: .utf8)])
        #expect(report.outcome == .evaluated, "\(report.artifacts)")
        let metrics = try #require(report.metrics?.benchmarks["sudoku-4x4"])
        #expect((0...1).contains(metrics.exactAccuracy))
        #expect(metrics.tokenAccuracy > 0)
        #expect(metrics.trainFLOPs >= 2e9)
        #expect(metrics.parameters > 1000)
        #expect(metrics.reported["effective_depth"] == 6)
        #expect(report.artifacts["sudoku-4x4"]?.contains("curve:") == true)
    }

    @Test func theBudgetIsTheRunsAndACandidatesOwnConfigIsIgnored() async throws {
        // The candidate ships an evolve.yaml raising its budget 100× and a second file in a subfolder.
        let kernel = try String(contentsOf: SharedModule.repo.appendingPathComponent("Programs/trm/kernel.swift"), encoding: .utf8)
        let raised = Self.tinyConfig.replacingOccurrences(of: "train_flops: 1.0e10", with: "train_flops: 1.0e12")
        let report = try await evaluate([
            "kernel.swift": kernel.replacingOccurrences(of: "static let hidden = 64", with: "static let hidden = Extra.width"),
            "extra/width.swift": "enum Extra { static let width = 32 }\n", "evolve.yaml": raised,
        ])
        #expect(report.outcome == .evaluated, "\(report.artifacts)")
        let metrics = try #require(report.metrics?.benchmarks["sudoku-4x4"])
        #expect(metrics.trainFLOPs < 2e10)
        #expect(metrics.reported["hidden"] == 32)
        #expect(report.descriptors["parameters"] == Double(metrics.parameters))
        #expect(report.descriptors["effective_depth"] == 6)
    }

    @Test func aProgramThatDoesNotCompileReportsTrimmedDiagnostics() async throws {
        let report = try await evaluate(["kernel.swift": "@main struct P { static func main() { let x: Int = \"no\" } }"])
        #expect(report.outcome == .buildFailed)
        #expect(report.metrics == nil)
        #expect(report.artifacts["build"]?.contains("error:") == true)
        #expect(report.artifacts["build"]?.contains("kernel.swift") == true)
    }

    @Test func printingAPerfectMetricsLineGainsNothing() async throws {
        let source = Self.answering("input.map { _ in 2 }", before: #"print("{\"combined_score\": 1.0, \"exact_accuracy\": 1.0}")"#)
        let report = try await evaluate(["kernel.swift": source], sourcePolicy: nil)
        #expect(report.outcome == .evaluated)
        #expect(report.metrics?.combinedScore == 0)
    }

    @Test func wrongLengthPredictionsAreRejectedWithAReason() async throws {
        let report = try await evaluate(["kernel.swift": Self.answering("[2, 3]")], sourcePolicy: nil)
        #expect(report.outcome == .rejected)
        let artifact = report.artifacts["sudoku-4x4: stage 1"] ?? ""
        #expect(artifact.contains("has 2 tokens, expected 16"), "\(artifact)")
    }

    @Test func aCandidateSearchingTheFilesystemFindsNoLabels() async throws {
        // It reads every file it can under the places a careless evaluator might leave labels and keeps
        // any line that mentions "label"; the evaluation split's answers must appear in none of them.
        let search = """
            var found: [String] = []
            for root in ["/tmp", "/var/tmp", dir, dir + "/..", "/root", "/home"] {
                guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
                for case let path as String in walker {
                    guard let data = FileManager.default.contents(atPath: root + "/" + path), data.count < 1 << 20 else { continue }
                    for line in String(decoding: data, as: UTF8.self).split(separator: "\\n") where line.contains("label") {
                        found.append(String(line))
                    }
                }
            }
            try found.joined(separator: "\\n").write(toFile: dir + "/found.txt", atomically: true, encoding: .utf8)
            """
        let report = try await evaluate(["kernel.swift": Self.answering("input.map { _ in 2 }", before: search)], keepWork: true, sourcePolicy: nil)
        #expect(report.outcome == .evaluated, "\(report.artifacts)")
        let work = root.appendingPathComponent("work")
        let foundFiles = (FileManager.default.enumerator(atPath: work.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix("found.txt") }
        #expect(!foundFiles.isEmpty)
        let found = try foundFiles.map { try String(contentsOfFile: work.path + "/" + $0, encoding: .utf8) }.joined()
        let config = try ProgramConfig.parse(Self.tinyConfig, path: "test.yaml")
        let (task, _) = try config.benchmarks[0].instantiate(split: .validation, seed: config.seed)
        // 4×4 grids have only 288 solutions, so an evaluation *solution* can recur among training labels
        // (with other givens); what must never be readable is an evaluation example: its input with its answer.
        let compact = found.replacingOccurrences(of: " ", with: "")
        for example in task.evaluation {
            let leaked = "\"input\":\(example.input),\"label\":\(example.label)".replacingOccurrences(of: " ", with: "")
            #expect(!compact.contains(leaked), "evaluation example \(example.id) is readable")
            #expect(!compact.contains("\"id\":\"\(example.id)\",\"label\""))
        }
        #expect(compact.contains("\"label\""))  // the search did read the training data: it can find labels
    }

    @Test func aCandidateThatUsesTheWholeWallClockIsStoppedAndScoresNothing() async throws {
        // compute_check off: no calibration before the clock starts; the net is the explicit 1.5 s.
        let config = Self.tinyConfig.replacingOccurrences(of: "wall_seconds: 20", with: "wall_seconds: 1.5") + "\ncompute_check: off\n"
        let start = Date()
        let report = try await evaluate(["kernel.swift": Self.answering("input", before: "while true { sleep(1) }")], config: config, sourcePolicy: nil)
        #expect(report.outcome == .rejected)
        #expect(report.metrics == nil)
        #expect(report.artifacts["sudoku-4x4: stage 1"]?.contains("wall-clock timeout") == true)
        #expect(Date().timeIntervalSince(start) < 30)
    }
}

@Suite struct PredictionScorerTests {
    let expected = [
        TokenExample(id: "a", input: [1, 1], label: [2, 3]),
        TokenExample(id: "b", input: [1, 1], label: [3, 2]),
    ]

    @Test func unknownIdsWrongLengthsDuplicatesAndGarbageScoreZeroWithReasons() {
        let text = """
            {"id":"a","output":[2,3]}
            {"id":"a","output":[9,9]}
            {"id":"zzz","output":[3,2]}
            not json
            {"id":"b","output":[3]}
            """
        let report = PredictionScorer.exactLabel.score(predictionsText: text, expected: expected)
        #expect(report.exactAccuracy == 0.5)
        #expect(report.tokenAccuracy == 0.5)
        let problems = report.problems.joined(separator: "\n")
        #expect(problems.contains("duplicate id \"a\""))
        #expect(problems.contains("unknown id \"zzz\""))
        #expect(problems.contains("line 4: not"))
        #expect(problems.contains("has 1 tokens, expected 2"))
    }

    @Test func sudokuScoringAcceptsAnyValidCompletion() {
        let bench = SudokuBenchmark(boxRows: 2, boxColumns: 2, difficulty: .blanks(16), trainCount: 0, validationCount: 0, testCount: 0)
        let empty = TokenExample(id: "e", input: Array(repeating: 1, count: 16), label: [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1].map { $0 + 1 })
        let other = [2, 1, 4, 3, 4, 3, 2, 1, 1, 2, 3, 4, 3, 4, 1, 2].map { $0 + 1 }
        let report = bench.scorer.score(predictionsText: "{\"id\":\"e\",\"output\":\(other)}", expected: [empty])
        #expect(report.exactAccuracy == 1)
    }

    @Test func passAtTwoCountsEitherAttemptAndOnlyTwo() {
        let pass2 = PredictionScorer(attempts: 2) { example, output in output == example.label }
        let text = """
            {"id":"a","attempts":[[9,9],[2,3]]}
            {"id":"b","attempts":[[9,9],[8,8],[3,2]]}
            """
        let report = pass2.score(predictionsText: text, expected: expected)
        #expect(report.exactAccuracy == 0.5)  // a: second attempt right; b: right only at a third attempt
        #expect(report.tokenAccuracy == 0)    // token accuracy reads the first attempts
        #expect(report.problems.contains { $0.contains("offers 3 attempts; only the first 2 count") })
        // With one attempt allowed, the same lines score nothing.
        #expect(PredictionScorer.exactLabel.score(predictionsText: text, expected: expected).exactAccuracy == 0)
    }
}
