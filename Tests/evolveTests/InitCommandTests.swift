import Evaluators
import EvolveCore
import Foundation
import TestSupport
import Proposers
import Testing
import Yams
@testable import evolve

/// `evolve init`: the scaffold is the TRM seed with a fully commented evolve.yaml, and an installed binary
/// (copied away from the checkout, run with only PATH and HOME) scaffolds and evaluates it.
@Suite struct InitCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theTemplateParsesAndKeepsTheSeedsBenchmarks() throws {
        let template = try ProgramConfig.parse(SeedTemplate.configuration, path: "evolve.yaml")
        // The seed includes the default suite (Programs/suite.yaml); the template carries it inline.
        let seedPath = Self.packageRoot.appendingPathComponent("Programs/trm/evolve.yaml").path
        let seedText = try ProgramConfig.inliningSuite(try String(contentsOfFile: seedPath, encoding: .utf8), path: seedPath)
        let seed = try ProgramConfig.parse(seedText, path: seedPath)
        #expect(template.seed == seed.seed)
        #expect(template.entry == seed.entry && template.brief == seed.brief && template.language == seed.language)
        // The benchmark entries are the same mappings (YAML values compared, comments aside).
        let mine = try #require(try Yams.load(yaml: SeedTemplate.configuration) as? [String: Any])
        let theirs = try #require(try Yams.load(yaml: seedText) as? [String: Any])
        func entries(_ file: [String: Any], _ key: String) -> String {
            String(describing: (file[key] as? [[String: Any]])?.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } })
        }
        #expect(entries(mine, "benchmarks") == entries(theirs, "benchmarks"))
        #expect(entries(mine, "transfer") == entries(theirs, "transfer") && template.transfer.map(\.name) == ["sudoku-8x8"])
        // The run sections are accepted by the run's own reader, and their values are evolve's defaults.
        let settings = try RunSettings.parse(SeedTemplate.configuration, path: "evolve.yaml")
        #expect(settings.database == DatabaseConfig())
        #expect(settings.run.randomSeed == 42 && settings.run.crossoverRate == 0.1 && settings.run.maxOutageSeconds == 1800)
        #expect(settings.run.maxIterations == 100)
        #expect(settings.run.racing == RacingRule() && settings.run.driftThreshold == 0.1 && settings.run.gapThreshold == 0.1)
        #expect(settings.run.freshSeeds == nil && settings.run.maxEvaluations == nil)
        #expect(settings.prompt == PromptConfiguration() && settings.limits == PatchLimits())
    }

    @Test func everyKeyOfTheTemplateHasAComment() {
        var uncommented: [String] = []
        let lines = SeedTemplate.configuration.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() {
            // A key line: `key:` or `- key:` (active or commented out as an example); `# ---` lines are headings.
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("# ---") { continue }
            let body = line.drop { $0 == " " || $0 == "#" || $0 == "-" }
            guard let colon = body.firstIndex(of: ":"), body[..<colon].allSatisfy({ $0.isLetter || $0 == "_" }), !body[..<colon].isEmpty else { continue }
            let afterValue = line.drop { $0 == " " }.dropFirst(line.drop { $0 == " " }.hasPrefix("#") ? 1 : 0)
            let hasOwnComment = afterValue.contains(" #")
            let previous = index > 0 ? lines[index - 1].trimmingCharacters(in: .whitespaces) : ""
            // Keys of a group explained by the line above (box_columns under box_rows, the models' list entry).
            let explainedAbove = previous.contains("#") && !previous.hasPrefix("# ---")
            if !hasOwnComment && !explainedAbove { uncommented.append(line) }
        }
        #expect(uncommented.isEmpty, "keys without a comment: \(uncommented)")
    }

    @Test func initWritesTheSeedFilesFromTheBinary() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-init-\(UUID().uuidString)/seed")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let result = try await EvolveBinary.run(["init", directory.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["files"] as? [String] == ["BRIEF.md", "evolve.yaml", "kernel.swift"])
        let kernel = try String(contentsOf: directory.appendingPathComponent("kernel.swift"), encoding: .utf8)
        #expect(kernel == (try String(contentsOf: Self.packageRoot.appendingPathComponent("Programs/trm/kernel.swift"), encoding: .utf8)))
        #expect(try String(contentsOf: directory.appendingPathComponent("evolve.yaml"), encoding: .utf8) == SeedTemplate.configuration)
    }

    /// The installed binary: copied to a folder of its own, run from another directory with only PATH and
    /// HOME. It finds TRMKit through its embedded copy. The evaluation uses small budgets unless
    /// EVOLVE_FULL_INSTALL_TEST is set (then the seed's own budgets, ~30 s in a debug build).
    @Test func anInstalledBinaryInitsAndEvaluatesFromAnyDirectory() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-installed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let bin = base.appendingPathComponent("bin"), work = base.appendingPathComponent("work"), temporary = base.appendingPathComponent("tmp")
        for folder in [bin, work, temporary] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(at: EvolveBinary.url, to: bin.appendingPathComponent("evolve"))
        let host = ProcessInfo.processInfo.environment
        let environment = [
            "PATH": bin.path + ":" + (host["PATH"] ?? "/usr/bin:/bin"), "HOME": host["HOME"] ?? NSHomeDirectory(), "TMPDIR": temporary.path,
        ]

        let made = try await Installed.run(bin.appendingPathComponent("evolve"), ["init", "trm"], in: work, environment: environment)
        #expect(made.status == 0, "\(made.stdout)\n\(made.stderr)")
        let config = work.appendingPathComponent("trm/evolve.yaml")
        if host["EVOLVE_FULL_INSTALL_TEST"] == nil {
            var text = try String(contentsOf: config, encoding: .utf8)
            // Every benchmark of the suite and its transfer benchmark, made small: counts and budgets, whatever their values. The eval
            // budget still fits the seed's predict of 20 queries (~1.5e8 FLOPs each on 6×6): the op that
            // would cross it ends prediction, and a batch cut short answers nothing.
            for (pattern, small) in [("(?m)^(\\s+)train: \\d+", "$1train: 40"), ("(?m)^(\\s+)validation: \\d+", "$1validation: 20"),
                                     ("(?m)^(\\s+)test: \\d+", "$1test: 20"), ("train_flops: [0-9.e]+", "train_flops: 2.0e9"),
                                     ("eval_flops: [0-9.e]+", "eval_flops: 1.0e10")] {
                let regex = try NSRegularExpression(pattern: pattern)
                #expect(regex.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text)) == 4, "\(pattern)")
                text = regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: small)
            }
            try Data(text.utf8).write(to: config)
        }
        let evaluated = try await Installed.run(bin.appendingPathComponent("evolve"), ["eval", "trm", "--json"], in: work, environment: environment)
        #expect(evaluated.status == 0, "\(evaluated.stdout)\n\(evaluated.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any], "\(evaluated.stderr)")
        #expect(json["outcome"] as? String == "evaluated")
        #expect(json["combined_score"] is Double)
        // The evaluation's work root (`evolve-eval-<pid>`) went with it; nothing else was left in $TMPDIR.
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == [])
    }
}

/// Runs a binary other than the built one, in a chosen directory, without blocking the concurrency pool.
enum Installed {
    static func run(_ binary: URL, _ arguments: [String], in directory: URL, environment: [String: String]) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdout = PipeDrain(out.fileHandleForReading), stderr = PipeDrain(err.fileHandleForReading)
        try process.run()
        let ended = try await ChildExit.of(process)
        return (ended.shellStatus, await stdout.text(), await stderr.text())
    }
}
