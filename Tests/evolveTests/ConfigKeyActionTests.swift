import EvolveConfig
import EvolveCore
import Foundation
import TestSupport
import Testing
@testable import evolve

/// The keys whose effect is more than a setting: `evaluator.timeout` sets both sandbox limits, `brief:` is
/// the text the loop shows the LLM, `entry:` refuses a seed without the file, and the mistakes of
/// `ConfigMistakeTests` reach the user from the built binary as one line with exit code 2.
@Suite struct ConfigKeyActionTests {
    let scratch = ScratchDirectory("evolve-keys")
    var root: URL { scratch.url }

    func environment() -> [String: String] { EvolveBinary.environment(runs: root.appendingPathComponent("runs")) }

    /// A command-evaluator seed whose evolve.yaml is `config` (plus the command), in its own directory.
    func seed(_ name: String, config: String, files: [String: String] = [:]) throws -> URL {
        let directory = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let command = "evaluator:\n  command: [/bin/sh, -c, 'echo {\\\"combined_score\\\": 0.5}', sh]\n"
        let all = files.merging([
            "params.py": "# EVOLVE-BLOCK-START constants\nrate = 0.5\n# EVOLVE-BLOCK-END\n",
            "evolve.yaml": "max_iterations: 1\nparallel: 1\n" + config + (config.contains("evaluator:") ? "" : command),
        ]) { mine, _ in mine }
        for (path, text) in all { try Data(text.utf8).write(to: directory.appendingPathComponent(path)) }
        return directory
    }

    @Test func theEvaluatorTimeoutIsTheCommandsWallAndCPULimit() {
        let limits = RunSetup.commandLimits(timeout: 299.5)
        #expect(limits.wallSeconds == 299.5 && limits.cpuSeconds == 300)
        let defaults = RunSetup.commandLimits(timeout: nil)
        #expect(defaults.wallSeconds == 120 && defaults.cpuSeconds == 120)
    }

    @Test func theBriefIsTheNamedFileRelativeToTheConfig() throws {
        let directory = try seed("brief", config: "brief: NOTES.md\n", files: ["NOTES.md": "try deeper recursion\n", "BRIEF.md": "the default\n"])
        let config = directory.appendingPathComponent("evolve.yaml").path
        let text = try String(contentsOfFile: config, encoding: .utf8)
        let manifest = RunManifest(name: "b", seed: directory.path, configFile: config, configText: text, created: Date(), overrides: .init())
        #expect(try RunSetup.brief(manifest, settings: RunSettings.parse(text, path: config)) == "try deeper recursion\n")
        var plain = manifest
        plain.configText = "max_iterations: 1\n"
        #expect(try RunSetup.brief(plain, settings: RunSettings.parse(plain.configText, path: config)) == "the default\n")
        let missing = try RunSettings.parse("brief: GONE.md\n", path: config)
        #expect { try RunSetup.brief(manifest, settings: missing) } throws: { "\($0)".contains("brief: GONE.md") }
    }

    /// (evolve.yaml lines, words the one line on stderr holds): some rows of the reader's table, end to end.
    static let binaryRows: [(String, [String])] = [
        ("database:\n  feature_dimensions:\n    - {name: code_length, min: 0, max: 10, bins: 2, sclae: log}\n",
         ["database.feature_dimensions[0]", "did you mean \"scale\"?"]),
        ("database:\n  feature_dimensions:\n    - {name: code_length, min: 0, max: 10, bins: 2, scale: lgo}\n", ["expected linear or log"]),
        ("llm:\n  models:\n    - {name: m, weight: heavy}\n", ["llm.models[].weight must be a number"]),
        ("database:\n  num_islands: 0\n", ["database.num_islands must be from 1 to 1000 (got 0)"]),
        ("evolution:\n  repeat: 3\n", ["did you mean evolution.repeats?"]),
        ("max_hours: .inf\n", ["max_hours must be greater than 0"]),
        ("entry: kernel.swift\n", ["entry: seed", "has no file kernel.swift"]),
        ("brief: GONE.md\n", ["brief: GONE.md", "cannot be read"]),
    ]

    @Test(arguments: binaryRows)
    func aMistakeInTheFileIsOneLineAndExitTwoFromTheBinary(_ config: String, _ words: [String]) async throws {
        let directory = try seed("mistake-\(UUID().uuidString.prefix(8))", config: config)
        let result = try await EvolveBinary.run(["run", "--seed", directory.path], environment: environment())
        let lines = result.stderr.split(separator: "\n")
        #expect(result.status == 2, "exit \(result.status): \(result.stderr)")
        #expect(lines.count == 1 && lines.first?.hasPrefix("error: ") == true, "\(result.stderr)")
        #expect(result.stderr.contains("evolve.yaml"), "\(result.stderr)")
        for word in words { #expect(result.stderr.contains(word), "no '\(word)' in: \(result.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("runs").path)
                || ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runs").path)) ?? []).isEmpty)
    }

    @Test func aBudgetThatWouldTrapIsOneLineFromEval() async throws {
        let directory = root.appendingPathComponent("flops")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("// EVOLVE-BLOCK-START c\nlet rate = 0.5\n// EVOLVE-BLOCK-END\n".utf8).write(to: directory.appendingPathComponent("kernel.swift"))
        try Data("seed: 1\nbenchmarks:\n  - {name: s, generator: sudoku, train: 1, validation: 1, test: 1, train_flops: 9.3e18, eval_flops: 1.0e9}\n".utf8)
            .write(to: directory.appendingPathComponent("evolve.yaml"))
        let result = try await EvolveBinary.run(["eval", directory.path], environment: environment())
        #expect(result.status == 2, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("train_flops must be greater than 0"), "\(result.stderr)")
    }
}
