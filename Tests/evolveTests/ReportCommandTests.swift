import EvolveCore
import Foundation
import TestSupport
import Testing
@testable import evolve

/// `evolve report` on a real run: the built binary runs a short offline-mutator run on a command-evaluator
/// seed, then writes the report; the HTML must be self-contained and show hostile program text as text.
@Suite(.serialized) struct ReportCommandTests {
    let scratch = ScratchDirectory("evolve-report")
    var root: URL { scratch.url }

    /// Three constants in a Python-style file; the comment on `rate` is markup a hostile model might write.
    static let program = """
        # demo program
        # EVOLVE-BLOCK-START constants
        rate = 0.5     # <script>alert("x")</script> & <b>bold</b>
        width = 16
        depth = 0.2
        # EVOLVE-BLOCK-END

        """

    /// Validation peaks at rate 0.3, width 24, depth 0.6; the test split punishes depth above 0.45, so
    /// some elites generalize worse than they validate.
    static let config = #"""
        max_iterations: 24
        parallel: 2
        database:
          num_islands: 2
          feature_dimensions:
            - {name: width, min: 2, max: 64, bins: 6, scale: log}
            - {name: depth, min: 0, max: 1, bins: 5}
        evaluator:
          command: [/bin/sh, -c, 'awk -v sp="$EVOLVE_SPLIT" -F" *= *" "/^rate/{r=\$2+0} /^width/{w=\$2+0} /^depth/{d=\$2+0} END{s=1-(r-0.3)^2-((w-24)/40)^2-(d-0.6)^2*0.5; if (sp==\"test\" && d>0.45) s-=0.6*(d-0.45); printf \"{\\\"combined_score\\\": %f, \\\"width\\\": %f, \\\"depth\\\": %f}\\n\", s, w, d}" "$1/params.py"', sh]
        mutations:
          rate: 0.01...1
          width: 2...64, log
          depth: 0...1

        """#

    func environment() -> [String: String] { EvolveBinary.environment(runs: root.appendingPathComponent("runs")) }

    func makeSeed() throws -> URL {
        let seed = root.appendingPathComponent("seed")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(Self.program.utf8).write(to: seed.appendingPathComponent("params.py"))
        try Data(Self.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))
        return seed
    }

    @Test func aReportOfARealRunIsSelfContainedAndEscapesProgramText() async throws {
        let seed = try makeSeed()
        let run = try await EvolveBinary.run(["run", "--seed", seed.path, "--name", "main"], environment: environment())
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let control = try await EvolveBinary.run(
            ["run", "--seed", seed.path, "--name", "control", "--strategy", "best-of-n", "--iterations", "12"], environment: environment())
        #expect(control.status == 0, "\(control.stdout)\n\(control.stderr)")

        let report = try await EvolveBinary.run(["report", "main", "--control", "control"], environment: environment())
        #expect(report.status == 0, "\(report.stderr)")
        let path = root.appendingPathComponent("runs/main/report.html").path
        #expect(report.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == path)
        let html = try String(contentsOfFile: path, encoding: .utf8)

        // Figures: two score plots, two control plots, a heatmap per island, the gap scatter, the lineage.
        #expect(html.components(separatedBy: "<svg").count - 1 >= 2 + 2 + 2 + 1 + 1)
        #expect(html.components(separatedBy: "class=\"heatmap\"").count - 1 == 2)
        #expect(html.contains("control (best-of-n)"))
        #expect(html.contains("main (map-elites)"))
        // The hostile comment is shown, escaped; never as markup.
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>bold"))
        // Self-contained: no external reference of any kind.
        for needle in ["http", "src=", "href=", "url(", "@import"] {
            #expect(!html.contains(needle), "the report contains \(needle)")
        }
        // The best program's diff against its parent is in the top table.
        #expect(html.contains("diff against parent"))
    }

    @Test func reportToAnExplicitFileAndAsJSON() async throws {
        let seed = try makeSeed()
        let run = try await EvolveBinary.run(["run", "--seed", seed.path, "--name", "small", "--iterations", "4"], environment: environment())
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let out = root.appendingPathComponent("elsewhere.html")
        let report = try await EvolveBinary.run(["report", "small", "--out", out.path, "--json"], environment: environment())
        #expect(report.status == 0, "\(report.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect(json["path"] as? String == out.path)
        #expect(json["run"] as? String == "small")
        #expect((json["programs"] as? Int ?? 0) >= 2)
        #expect(FileManager.default.fileExists(atPath: out.path))
    }

    /// With an LLM (the scripted loopback server of RunEndToEndTests), the spend section plots tokens and
    /// dollars and lists the model.
    @Test func aRunWithAnLLMGetsTokenAndDollarPlots() async throws {
        let seed = root.appendingPathComponent("llm-seed")
        try FileManager.default.createDirectory(at: seed, withIntermediateDirectories: true)
        try Data(RunEndToEndTests.seed.utf8).write(to: seed.appendingPathComponent("value.txt"))
        try Data(RunEndToEndTests.config.utf8).write(to: seed.appendingPathComponent("evolve.yaml"))
        let counter = Counter()
        let server = try LoopbackHTTPServer { RunEndToEndTests.answer($0, number: counter.next()) }
        defer { server.stop() }
        var environment = environment()
        environment["EVOLVE_LLM_BASE_URL"] = server.baseURL + "/v1"
        environment["EVOLVE_LLM_MODEL"] = "scripted"
        environment["EVOLVE_LLM_API_KEY_ENV"] = ""
        let run = try await EvolveBinary.run(["run", "--seed", seed.path, "--name", "llm"], environment: environment)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try await EvolveBinary.run(["report", "llm"], environment: environment)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: root.appendingPathComponent("runs/llm/report.html").path, encoding: .utf8)
        #expect(html.contains("Tokens (cumulative)"))
        #expect(html.contains("Dollars (cumulative)"))
        #expect(html.contains("<tr><td>scripted</td>"))
        #expect(!html.contains("No LLM tokens were recorded"))
    }

    @Test func escapingCoversMarkupQuotesAndControlCharacters() {
        #expect(HTML.escape("<a href='x'>\"&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;")
        #expect(HTML.escape("clear\u{1B}[2J\rline\n\tok") == "clear\u{FFFD}[2J\u{FFFD}line\n\tok")
    }

    @Test func runningBestAndMedianFollowTheScores() {
        let points = ScoreHistory.running([(0, 0.5), (1, 0.2), (2, 0.9), (3, 0.1)])
        #expect(points.map(\.best) == [0.5, 0.5, 0.9, 0.9])
        #expect(points.map(\.median) == [0.5, 0.35, 0.5, 0.35])
    }

    @Test func axisTicksAreRoundAndCoverTheData() {
        let axis = SVGPlot.Axis(values: [0.613, 0.947])
        #expect(axis.lower <= 0.613 && axis.upper >= 0.947)
        #expect(axis.ticks.count >= 3 && axis.ticks.allSatisfy { abs(($0 * 20).rounded() - $0 * 20) < 1e-9 })
        let flat = SVGPlot.Axis(values: [3, 3])
        #expect(flat.lower < 3 && flat.upper > 3)
    }
}
