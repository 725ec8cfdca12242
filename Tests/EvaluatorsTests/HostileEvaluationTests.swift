import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

#if canImport(Glibc)
import Glibc
#endif

/// Hostile candidates against the evaluator around the sandbox (issue 13): what they leave in `out/`,
/// what they print, what they try to learn about the evaluation. Each is a plain Swift program with
/// `@main` that reads its work dir directly, so it does not depend on TRMKit's kernel API.
@Suite(.serialized) struct HostileEvaluationTests: HostileHarness {
    let scratch = ScratchDirectory("evolve-hostile")
    var root: URL { scratch.url }

    // MARK: - Finding 2: symlinks followed as root

    @Test func linksInOutToRootOnlyFilesAreRefusedNotRead() async throws {
        try #require(getuid() == 0, "the attack needs evolve to run as root")
        // A root-only file shaped like run.json, and one shaped like predictions with a secret id.
        let fakeRun = try Self.rootOnly(#"{"train_flops": 4242.0, "eval_flops": 4343.0, "parameters": 777, "config": {"leaked_secret": 99}}"#)
        let secret = try Self.rootOnly("shadow-secret-7163 line one\nshadow-secret-7163 line two\n")
        defer { unlink(fakeRun); unlink(secret) }
        // Honest predictions, and run.json a link to the root-only file.
        let source = Self.hostile(after: """
            symlink("\(fakeRun)", dir + "/out/run.json")
            """)
        let report = try await evaluate(source)
        #expect(report.outcome == .evaluated, "\(report.artifacts)")
        let metrics = try #require(report.metrics?.benchmarks["sudoku-4x4"])
        #expect(metrics.trainFLOPs != 4242 && metrics.evalFLOPs != 4343 && metrics.parameters != 777)
        #expect(metrics.reported["leaked_secret"] == nil)
        #expect(Self.allText(report).contains("symbolic link"), "\(report.artifacts)")

        // The predictions themselves a link to a secret file: refused, and its lines appear nowhere.
        let linked = try await evaluate(Self.hostile(after: """
            unlink(dir + "/out/predictions.jsonl")
            symlink("\(secret)", dir + "/out/predictions.jsonl")
            """))
        #expect(linked.outcome == .rejected)
        #expect(!Self.allText(linked).contains("shadow-secret"))
        #expect(Self.allText(linked).contains("symbolic link"), "\(linked.artifacts)")

        // out/ itself a link to a directory of root files.
        let outLinked = try await evaluate(Self.hostile(after: """
            try FileManager.default.removeItem(atPath: dir + "/out")
            symlink("/var/tmp", dir + "/out")
            """))
        #expect(outLinked.outcome == .rejected)
        #expect(Self.allText(outLinked).contains("out is not a directory"), "\(outLinked.artifacts)")
    }

    // MARK: - Finding 2: a FIFO would block evolve

    @Test func aFIFOInsteadOfPredictionsIsRefusedWithoutBlocking() async throws {
        let started = Date()
        let report = try await evaluate(Self.hostile(after: """
            unlink(dir + "/out/predictions.jsonl")
            mkfifo(dir + "/out/predictions.jsonl", 0o644)
            unlink(dir + "/out/run.json")
            mkfifo(dir + "/out/run.json", 0o644)
            """))
        #expect(report.outcome == .rejected)
        #expect(Self.allText(report).contains("FIFO"), "\(report.artifacts)")
        #expect(Date().timeIntervalSince(started) < 120)
    }

    // MARK: - Finding 3: one token crashes evolve

    @Test func extremeTokensAreProblemsNotCrashes() async throws {
        let report = try await evaluate(Self.hostile(after: """
            let evalLines = try String(contentsOfFile: dir + "/data/eval.jsonl", encoding: .utf8).split(separator: "\\n")
            let ids = evalLines.map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["id"] as! String }
            let bad = ids.enumerated().map { i, id in
                "{\\"id\\":\\"\\(id)\\",\\"output\\":[\\(i % 2 == 0 ? "-9223372036854775808" : "9223372036854775807"),2,3,4,5,2,3,4,5,2,3,4,5,2,3,4]}"
            }
            try (bad.joined(separator: "\\n") + "\\n").write(toFile: dir + "/out/predictions.jsonl", atomically: false, encoding: .utf8)
            """))
        #expect(report.outcome == .rejected)
        #expect(Self.allText(report).contains("outside [0, "), "\(report.artifacts)")
    }

    /// Every benchmark's scorer: tokens out of range are refused before the verifier, and random
    /// in-range tokens never crash a verifier.
    @Test(arguments: ["sudoku", "maze", "arc"]) func everyScorerSurvivesAnyTokens(generator: String) throws {
        let yaml = """
            seed: 5
            benchmarks:
              - name: b
                generator: \(generator)
                box_rows: 2
                box_columns: 2
                difficulty: 8
                size: \(generator == "maze" ? 3 : 5)
                train: 4
                validation: 6
                test: 6
                train_flops: 1.0e9
                eval_flops: 1.0e9
            """
        let config = try ProgramConfig.parse(yaml, path: "fuzz.yaml")
        let (task, scorer) = try config.benchmarks[0].instantiate(split: .validation, seed: config.seed)
        var rng = SystemRandomNumberGenerator()
        let extremes = [Int.min, Int.max, -1, task.vocabSize, Int.min + 1]
        var lines: [String] = []
        for (index, example) in task.evaluation.enumerated() {
            var output = (0..<example.label.count).map { _ in Int.random(in: 0..<task.vocabSize, using: &rng) }
            if index % 2 == 0 { output[Int.random(in: 0..<output.count, using: &rng)] = extremes[index / 2 % extremes.count] }
            lines.append("{\"id\":\"\(example.id)\",\"output\":\(output)}")
        }
        let report = scorer.score(predictionsText: lines.joined(separator: "\n"), expected: task.evaluation, vocabSize: task.vocabSize)
        #expect(report.problems.filter { $0.contains("outside [0, \(task.vocabSize))") }.count == (task.evaluation.count + 1) / 2)
        #expect(report.answered == task.evaluation.count / 2)
    }

    // MARK: - Finding 4: floods


    /// The flood cases of the issue, as files in a work dir scored by the evaluator's own reader and
    /// scorer: 70M-line-style `{}` floods, millions of duplicate-id lines, a 1 GiB sparse file, one
    /// 20 MB line. Scoring stays fast and evolve's memory grows by a bounded amount whatever the file.
    @Test func floodsCostBoundedTimeAndMemory() throws {
        let dir = root.appendingPathComponent("flood-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("out"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bench = SudokuBenchmark(boxRows: 2, boxColumns: 3, difficulty: .minimal, trainCount: 0, validationCount: 200, testCount: 0)
        let task = try bench.taskData(split: .validation, seed: 9).withOpaqueQueryIDs()
        let scorer = bench.scorer
        let output = CandidateOutput(workDir: dir, owner: getuid())
        let file = dir.appendingPathComponent("out/predictions.jsonl")

        func score() -> PredictionScorer.Report {
            var tally = PredictionScorer.Tally(scorer: scorer, expected: task.evaluation, vocabSize: task.vocabSize)
            if let refusal = output.forEachLine(
                "predictions.jsonl", maxBytes: scorer.maxFileBytes(expected: task.evaluation),
                maxLineBytes: scorer.maxLineBytes(expected: task.evaluation), { tally.add(line: $0) }) {
                tally.refuse(refusal.description)
            }
            return tally.report()
        }

        let id = task.evaluation[0].id
        let answer = "{\"id\":\"\(id)\",\"output\":\(task.evaluation[0].label)}\n"
        let cases: [(name: String, write: () throws -> Void)] = [
            ("210 MB of {} lines", {
                let chunk = Data(String(repeating: "{}\n", count: 1 << 20).utf8)
                let handle = try FileHandle(forWritingTo: self.create(file))
                for _ in 0..<70 { handle.write(chunk) }
                try handle.close()
            }),
            ("1M duplicate-id lines", {
                let chunk = Data(String(repeating: answer, count: 1 << 16).utf8)
                let handle = try FileHandle(forWritingTo: self.create(file))
                for _ in 0..<16 { handle.write(chunk) }
                try handle.close()
            }),
            ("{} lines up to the size limit", {
                try Data(String(repeating: "{}\n", count: scorer.maxFileBytes(expected: task.evaluation) / 3).utf8).write(to: file)
            }),
            ("1 GiB sparse file", { try self.create(file); truncate(file.path, 1 << 30) }),
            ("duplicates within the size limit", {
                let limit = scorer.maxFileBytes(expected: task.evaluation)
                try Data(String(repeating: answer, count: limit / answer.utf8.count).utf8).write(to: file)
            }),
            ("one 20 MB id", { try Data(("{\"id\":\"" + String(repeating: "A", count: 20 << 20) + "\",\"output\":[1]}\n").utf8).write(to: file) }),
        ]
        for (name, write) in cases {
            try write()
            let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            let started = Date()
            var report: PredictionScorer.Report?
            let memory = Self.peakRSSDuring { report = score() }
            let seconds = Date().timeIntervalSince(started)
            let growth = max(0, memory.peak - memory.before)
            print(String(format: "flood %@: %.2f MiB file scored in %.3f s, evolve peak RSS +%.1f MiB (%d MiB)",
                         name, Double(size) / 1048576, seconds, Double(growth) / 1048576, memory.peak >> 20))
            #expect(seconds < 10, "\(name): \(seconds) s")
            #expect(growth < 64 << 20, "\(name): evolve grew by \(growth >> 20) MiB")
            #expect(report?.exactAccuracy ?? 1 <= 1.0 / 200 + 1e-9)
            #expect(report?.problems.joined().utf8.count ?? 0 < 8192)
        }
    }

    // MARK: - Finding 7: the compiler

    @Test func aHugeProgramIsRefusedBeforeCompiling() async throws {
        let lines = (0..<50_000).map { "let value\($0) = \($0) &* 3 &+ 1" }.joined(separator: "\n")
        let started = Date()
        let report = try await evaluate(Self.hostile(before: "_ = 0") + "\n" + lines)
        #expect(report.outcome == .buildFailed)
        #expect(report.buildSeconds < 1 && Date().timeIntervalSince(started) < 30)
        #expect(report.artifacts["build"]?.contains("256 KiB limit") == true, "\(report.artifacts)")
    }

    @Test func theCompilerRunsUnderAMemoryCapAndSaysSoWhenItHitsIt() async throws {
        let report = try await evaluator(compileMemoryBytes: 96 << 20).evaluate(
            Program(files: ["kernel.swift": Self.hostile()]), EvaluationRequest(split: .validation, trainingSeed: 1))
        #expect(report.outcome == .buildFailed)
        #expect(report.artifacts["build"]?.contains("ran out of memory (96 MiB)") == true, "\(report.artifacts)")
    }

    @Test func aCompileEndingOnTheTimeLimitSaysWhatToDo() async throws {
        let report = try await evaluator(compileSeconds: 0.3).evaluate(
            Program(files: ["kernel.swift": Self.hostile()]), EvaluationRequest(split: .validation, trainingSeed: 1))
        #expect(report.outcome == .buildFailed)
        let build = report.artifacts["build"] ?? ""
        #expect(build.contains("ran out of time") && build.contains("split long functions"), "\(build)")
    }
}
