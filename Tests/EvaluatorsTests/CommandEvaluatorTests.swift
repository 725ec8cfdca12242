import EvolveCore
import Foundation
import Sandbox
import Testing
@testable import Evaluators

/// Real subprocesses through the real sandbox. Bubblewrap gives each run a private /tmp, so the user
/// commands are inline `sh -c` / `python3 -c` scripts, or script files under /var/tmp (world-readable,
/// outside the private /tmp) for the case of an evaluator script on disk.
final class CommandEvaluatorTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-command-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: root) }

    func program(_ files: [String: String]) -> Program { Program(files: files) }

    /// `sh -c script` with the program directory as `$1`.
    func shell(_ script: String, wallSeconds: Double = 10) -> CommandEvaluator {
        var limits = SandboxLimits()
        limits.wallSeconds = wallSeconds
        return CommandEvaluator(
            sandbox: Sandbox(), workRoot: root.appendingPathComponent("work"), command: ["/bin/sh", "-c", script, "sh"], limits: limits)
    }

    @Test func aScriptFileReportingCombinedScoreIsEvaluated() async throws {
        let scripts = URL(fileURLWithPath: "/var/tmp/evolve-command-tests-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scripts) }
        chmod(scripts.path, 0o755)
        let script = scripts.appendingPathComponent("evaluate.py")
        try Data("""
            import json, os, sys
            program = sys.argv[1]
            source = open(os.path.join(program, "main.py")).read()
            print("evaluating", len(source), "bytes", file=sys.stderr)
            print(json.dumps({"combined_score": 0.7, "accuracy": 0.9, "length": len(source)}))
            """.utf8).write(to: script)
        chmod(script.path, 0o755)
        let dir = program(["main.py": "print('hello')\n"])
        let evaluator = CommandEvaluator(
            sandbox: Sandbox(), workRoot: root.appendingPathComponent("work"), command: ["/usr/bin/python3", script.path])
        let report = try await evaluator.evaluate(dir)
        #expect(report.outcome == .evaluated, "\(report.artifacts)")
        let metrics = try #require(report.metrics)
        #expect(metrics.split == "validation")
        #expect(metrics.combinedScore == 0.7)
        #expect(metrics.benchmarks.isEmpty)
        #expect(metrics.values == ["combined_score": 0.7, "accuracy": 0.9, "length": 15])
        #expect(report.descriptors == metrics.values)
        #expect(report.artifacts["command"]?.contains("evaluating 15 bytes") == true, "\(report.artifacts)")
    }

    @Test func withoutCombinedScoreTheScoreIsTheMeanOfTheValues() async throws {
        let report = try await shell(#"echo '{"accuracy": 0.5, "speed": 1.0, "size": 3}'"#).evaluate(program([:]))
        #expect(report.outcome == .evaluated, "\(report.artifacts)")
        #expect(report.metrics?.values["speed"] == 1.0)
        #expect(report.metrics?.values == ["accuracy": 0.5, "speed": 1.0, "size": 3])
    }

    @Test func onlyTheLastNonEmptyLineCounts() async throws {
        let script = #"echo '{"combined_score": 1.0}'; echo 'progress...'; echo '{"combined_score": 0.25}'; echo; echo '   '"#
        let report = try await shell(script).evaluate(program([:]))
        #expect(report.outcome == .evaluated, "\(report.artifacts)")
        #expect(report.metrics?.combinedScore == 0.25)
    }

    @Test func anEarlierMetricsLineDoesNotRescueAGarbageLastLine() async throws {
        let report = try await shell(#"echo '{"combined_score": 1.0}'; echo 'done, score 1.0'"#).evaluate(program([:]))
        #expect(report.outcome == .rejected)
        #expect(report.metrics == nil)
        let artifact = report.artifacts["command"] ?? ""
        #expect(artifact.contains("not a JSON object") && artifact.contains("done, score 1.0"), "\(artifact)")
    }

    @Test func aNonNumericValueIsRejectedByName() async throws {
        let report = try await shell(#"echo '{"combined_score": 0.5, "verdict": "great"}'"#).evaluate(program([:]))
        #expect(report.outcome == .rejected)
        let artifact = report.artifacts["command"] ?? ""
        #expect(artifact.contains(#"metric "verdict" is a string"#), "\(artifact)")
    }

    @Test func aNonZeroExitIsRejectedWithItsStderr() async throws {
        let report = try await shell(#"echo '{"combined_score": 0.9}'; echo 'Traceback: boom' >&2; exit 3"#)
            .evaluate(program([:]))
        #expect(report.outcome == .rejected)
        let artifact = report.artifacts["command"] ?? ""
        #expect(artifact.contains("exit code 3") && artifact.contains("Traceback: boom"), "\(artifact)")
    }

    @Test func aCommandPastItsWallClockLimitIsStoppedAndRejected() async throws {
        // No wall-clock bound on the test itself (a loaded machine may keep the run waiting for a thread or
        // a sandbox uid for minutes): a command that is not stopped prints a score after its sleep and is
        // evaluated, so the outcome and the reason tell whether the limit stopped it.
        let report = try await shell(#"sleep 60; echo '{"combined_score": 1.0}'"#, wallSeconds: 1).evaluate(program([:]))
        #expect(report.outcome == .rejected)
        #expect(report.artifacts["command"]?.contains("wall-clock timeout") == true, "\(report.artifacts)")
    }

    @Test func theCommandWorksOnACopyThatIsRemovedAfterwards() async throws {
        let dir = program(["value.txt": "0.625\n"])
        // Reads the program's file, then overwrites it and adds another.
        let script = #"v=$(cat "$1/value.txt"); echo 'tampered' > "$1/value.txt"; touch "$1/extra"; echo "{\"combined_score\": $v}""#
        let report = try await shell(script).evaluate(dir)
        #expect(report.outcome == .evaluated, "\(report.artifacts)")
        #expect(report.metrics?.combinedScore == 0.625)
        #expect(dir.files == ["value.txt": "0.625\n"])
        let work = root.appendingPathComponent("work")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)
    }

    @Test func aMissingCommandThrowsInsteadOfBlamingTheCandidate() async throws {
        let evaluator = CommandEvaluator(
            sandbox: Sandbox(), workRoot: root.appendingPathComponent("work"), command: ["evolve-no-such-evaluator-command"])
        await #expect(throws: SandboxError.self) { try await evaluator.evaluate(program([:])) }
    }

    @Test func parsingRules() {
        #expect(CommandEvaluator.parseMetrics(stdout: "") == .failure(.noOutput))
        #expect(CommandEvaluator.parseMetrics(stdout: "[1, 2]\n") == .failure(.notJSONObject(line: "[1, 2]")))
        #expect(CommandEvaluator.parseMetrics(stdout: "{}") == .failure(.empty))
        #expect(CommandEvaluator.parseMetrics(stdout: #"{"a": true}"#) == .failure(.nonNumeric(key: "a", kind: "a boolean")))
        #expect(CommandEvaluator.parseMetrics(stdout: #"{"a": null}"#) == .failure(.nonNumeric(key: "a", kind: "null")))
        #expect(CommandEvaluator.parseMetrics(stdout: #"{"a": [1]}"#) == .failure(.nonNumeric(key: "a", kind: "an array or object")))
        #expect(CommandEvaluator.parseMetrics(stdout: "x\n{\"a\": 2, \"b\": -1e-3}\r\n") == .success(["a": 2, "b": -0.001]))
        #expect(Metrics(values: ["a": 1, "b": 0], split: "validation").combinedScore == 0.5)
        #expect(Metrics(values: ["a": 1, "combined_score": 0.1], split: "validation").combinedScore == 0.1)
    }
}
