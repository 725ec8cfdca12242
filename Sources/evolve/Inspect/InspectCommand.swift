import ArgumentParser
import EvolveCore
import Foundation

/// `evolve inspect …`: read a run's database (while it runs, too) and print what it holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Look into a run: the MAP-Elites grids, the best program, one program, a lineage.",
        subcommands: [Population.self, Best.self, ProgramDetail.self, Lineage.self])

    /// Opens a run's store with the configuration it was created with.
    static func open(_ reference: String?) throws -> (RunDirectory, ProgramStore) {
        let root = RunSetup.runsRoot
        let name: String
        if let reference {
            name = reference
        } else {
            // The newest run under runs/.
            let fm = FileManager.default
            let runs = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).filter {
                fm.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("evolve.sqlite").path)
            }
            let newest = runs.max { a, b in
                let da = (try? fm.attributesOfItem(atPath: root.appendingPathComponent(a).path)[.modificationDate] as? Date) ?? .distantPast
                let db = (try? fm.attributesOfItem(atPath: root.appendingPathComponent(b).path)[.modificationDate] as? Date) ?? .distantPast
                return da < db
            }
            guard let newest else {
                throw RunSetup.Failure(description: "no runs under \(root.path); start one with `evolve run --seed DIR` or name a run")
            }
            name = newest
        }
        let run = try RunDirectory.open(name, runsRoot: root)
        let config = try ProgramStore.storedConfiguration(path: run.database.path) ?? DatabaseConfig()
        return (run, try ProgramStore(path: run.database.path, config: config))
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// A user-facing error printed as one line (exit 2); anything else passed on.
    static func failure(_ error: Error) -> Error {
        guard RunCommand.isUserFacing(error) else { return error }
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode(2)
    }

    struct Population: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each island's MAP-Elites grid: cells by the two descriptors, each cell's elite score; coverage and QD-score.")

        @Argument(help: "The run (default: the newest under runs/).")
        var runName: String?

        @Option(help: "Show only this island.")
        var island: Int?

        @Flag(help: "Print as JSON.")
        var json = false

        func run() throws {
            do {
                let (_, store) = try InspectCommand.open(runName)
                let dims = store.config.features.dimensions
                let stats = store.statistics()
                let islands = island.map { [$0] } ?? Array(0..<store.config.islands)
                if json {
                    struct Cell: Encodable { let cell: [Int]; let program: String; let score: Double }
                    struct Island: Encodable { let island: Int; let coverage: Double; let qd_score: Double; let best: Double?; let cells: [Cell] }
                    struct Output: Encodable { let dimensions: [String]; let islands: [Island]; let coverage: Double; let qd_score: Double }
                    try InspectCommand.printJSON(Output(
                        dimensions: dims.map(\.name),
                        islands: islands.filter { $0 < stats.islands.count }.map { i in
                            Island(island: i, coverage: stats.islands[i].coverage, qd_score: stats.islands[i].qdScore, best: stats.islands[i].best,
                                   cells: store.grid(island: i).map { Cell(cell: $0.cell, program: $0.id, score: $0.score) })
                        },
                        coverage: stats.overall.coverage, qd_score: stats.overall.qdScore))
                    return
                }
                for i in islands where i < stats.islands.count {
                    print("island \(i): coverage \(String(format: "%.1f%%", 100 * stats.islands[i].coverage)), QD-score \(String(format: "%.3f", stats.islands[i].qdScore))")
                    print(Self.table(store.grid(island: i), dimensions: dims))
                }
                print(String(format: "all islands: coverage %.1f%%, QD-score %.3f", 100 * stats.overall.coverage, stats.overall.qdScore))
            } catch { throw InspectCommand.failure(error) }
        }

        /// Rows: the first descriptor's bins; columns: the second's (one column when there is one).
        static func table(_ cells: [(cell: [Int], id: String, score: Double)], dimensions: [FeatureDimension]) -> String {
            guard let rowsDim = dimensions.first else { return "(no feature dimensions)" }
            let colsDim = dimensions.count > 1 ? dimensions[1] : nil
            let columns = colsDim?.bins ?? 1
            var lines = ["\(rowsDim.name) \\ \(colsDim?.name ?? "")".padding(toLength: 22, withPad: " ", startingAt: 0)
                + (0..<columns).map { String(format: "%7d", $0) }.joined()]
            for row in 0..<rowsDim.bins {
                var line = String(format: "%-22@", Self.range(rowsDim, row) as NSString)
                for column in 0..<columns {
                    let score = cells.first { $0.cell.first == row && (colsDim == nil || $0.cell.dropFirst().first == column) }?.score
                    line += score.map { String(format: "%7.3f", $0) } ?? "      ·"
                }
                lines.append(line)
            }
            if let colsDim {
                lines.append("columns: " + (0..<colsDim.bins).map { "\($0)=\(Self.range(colsDim, $0))" }.joined(separator: "  "))
            }
            return lines.joined(separator: "\n")
        }

        static func range(_ dimension: FeatureDimension, _ bin: Int) -> String {
            func edge(_ k: Int) -> Double {
                let f = Double(k) / Double(dimension.bins)
                return dimension.scale == .log
                    ? exp(log(dimension.minimum) + f * (log(dimension.maximum) - log(dimension.minimum)))
                    : dimension.minimum + f * (dimension.maximum - dimension.minimum)
            }
            func short(_ v: Double) -> String { v >= 1e4 ? String(format: "%.0e", v) : String(format: "%.4g", v) }
            return "\(short(edge(bin)))–\(short(edge(bin + 1)))"
        }
    }

    struct Best: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The best program: its validation and held-out test scores.")

        @Argument(help: "The run (default: the newest under runs/).")
        var runName: String?

        @Flag(help: "Print as JSON.")
        var json = false

        func run() throws {
            do {
                let (_, store) = try InspectCommand.open(runName)
                guard let best = try store.best() else {
                    throw RunSetup.Failure(description: "the run has no evaluated program yet")
                }
                let assessment = try store.assessment(of: best.id)
                let verdict = try store.records.flaggedPrograms()[best.id]
                let integrity = Self.integrityFlags(of: best.id, store: store)
                if json {
                    try InspectCommand.printJSON(BestView(best, assessment: assessment, controlVerdict: verdict, integrity: integrity))
                    return
                }
                print(ProgramDetail.describe(best, store: store))
                print(Self.describe(assessment, controlVerdict: verdict, controlled: try store.records.hasControl(best.id), integrity: integrity))
            } catch { throw InspectCommand.failure(error) }
        }

        /// The best's re-scoring with fresh training seeds (drift, gap), its flags and its control verdict.
        /// The compute and training-curve findings stored with a program's evaluations, one line per check (the
        /// permutation control has its own verdict), so the best's summary never says "none" over a flag.
        static func integrityFlags(of id: String, store: ProgramStore) -> [String] {
            let findings = ((try? store.records.integrityFlags(programID: id)) ?? []).filter { $0.check != "permutation" }
            let byCheck = Dictionary(grouping: findings, by: \.check)
            return byCheck.keys.sorted().map { check in
                let list = byCheck[check] ?? []
                let first = list.first.map { $0.evidence.split(whereSeparator: \.isNewline).first.map(String.init) ?? "" } ?? ""
                return "\(check): \(list.count) finding\(list.count == 1 ? "" : "s"), e.g. \(first.prefix(160))"
            }
        }

        static func describe(_ assessment: BestAssessment?, controlVerdict: String?, controlled: Bool, integrity: [String] = []) -> String {
            var lines: [String] = []
            if let assessment {
                lines.append("fresh validation " + InspectCommand.stats(assessment.freshValidation)
                    + (assessment.drift.map { String(format: " (re-run drift %+.4f = selection − fresh)", $0) } ?? ""))
                lines.append("held-out test (fresh seeds) " + InspectCommand.stats(assessment.test)
                    + (assessment.gap.map { String(format: " (val–test gap %+.4f)", $0) } ?? ""))
            } else {
                lines.append("not yet re-scored with fresh training seeds (done when the run ends)")
            }
            let flags = (assessment?.flags ?? []) + (controlVerdict.map { ["permutation control: \($0)"] } ?? []) + integrity
            lines.append(flags.isEmpty ? "flags: none" + (controlled ? " (permutation control holds)" : "") : "flags:")
            lines += flags.map { "  ! \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    /// `0.6100 ± 0.0500 (n 3)`, or `0.6100 (n 1)` without a spread.
    static func stats(_ s: ScoreStats?) -> String {
        guard let s else { return "none" }
        return String(format: "%.4f", s.mean) + (s.standardError.map { String(format: " ± %.4f", $0) } ?? "") + " (n \(s.n))"
    }

    struct ProgramDetail: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "program", abstract: "One program: metrics, artifacts, and the diff against its parent.")

        @Argument(help: "The program id (a unique prefix is enough).")
        var id: String

        @Option(name: .customLong("run"), help: "The run (default: the newest under runs/).")
        var runName: String?

        @Flag(help: "Print as JSON.")
        var json = false

        func run() throws {
            do {
                let (_, store) = try InspectCommand.open(runName)
                let program = try InspectCommand.find(id, in: store)
                if json { try InspectCommand.printJSON(ProgramView(program)); return }
                print(Self.describe(program, store: store))
                print(Self.flags(of: program.id, store: store))
                for (key, text) in try store.records.artifacts(of: program.id).sorted(by: { $0.key < $1.key }) {
                    print("--- artifact: \(key) (the program's own output is quoted as data)")
                    print(String(text.prefix(4000)))
                }
                if let parentID = program.parents.first, let parent = try store.program(parentID) {
                    print("--- diff against parent \(parent.id.prefix(8))")
                    print(InspectCommand.diff(parent.files, program.files))
                }
            } catch { throw InspectCommand.failure(error) }
        }

        /// The integrity findings stored with the program's evaluations (compute, curve, permutation).
        static func flags(of id: String, store: ProgramStore) -> String {
            guard let flags = try? store.records.integrityFlags(programID: id), !flags.isEmpty else { return "flags: none" }
            return (["flags:"] + flags.map { "  \($0.check) (\($0.split)): \($0.evidence.replacingOccurrences(of: "\n", with: "\n    "))" })
                .joined(separator: "\n")
        }

        static func describe(_ p: Program, store: ProgramStore) -> String {
            var lines = ["program \(p.id)", "status \(p.status.rawValue), island \(p.island), generation \(p.generation), iteration \(p.iteration)"]
            if let score = p.score {
                lines.append("validation score " + (p.scoreStats.map {
                    String(format: "%.4f", $0.mean) + ($0.standardError.map { String(format: " ± %.4f", $0) } ?? "") + " over \($0.n) training seed(s)"
                } ?? String(format: "%.4f", score)))
            }
            if let test = p.testMetrics {
                lines.append(String(format: "held-out test score %.4f", test.combinedScore)
                    + (p.score.map { String(format: " (gap %+.4f)", test.combinedScore - $0) } ?? ""))
            }
            for (name, m) in (p.metrics?.benchmarks ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines.append(String(format: "  %@: exact %.3f, token %.3f, %.3g train FLOPs, %d parameters, %.1f s", name, m.exactAccuracy,
                                    m.tokenAccuracy, m.trainFLOPs, m.parameters, m.wallSeconds))
            }
            for (name, value) in (p.metrics?.values ?? [:]).sorted(by: { $0.key < $1.key }) { lines.append("  \(name): \(value)") }
            if let proposal = p.proposal {
                lines.append("proposed by \(proposal.model) (\(proposal.mode))\(proposal.summary.isEmpty ? "" : ": \(proposal.summary)")")
            }
            if let commit = p.commitID { lines.append("commit \(commit)") }
            return lines.joined(separator: "\n")
        }
    }

    struct Lineage: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The chain from a program back to its seed, with the score at each step.")

        @Argument(help: "The program id (a unique prefix is enough).")
        var id: String

        @Option(name: .customLong("run"), help: "The run (default: the newest under runs/).")
        var runName: String?

        @Flag(help: "Print as JSON.")
        var json = false

        func run() throws {
            do {
                let (_, store) = try InspectCommand.open(runName)
                let chain = try store.firstParentChain(from: try InspectCommand.find(id, in: store))
                if json { try InspectCommand.printJSON(chain.map(ProgramView.init)); return }
                for p in chain {
                    let score = p.score.map { String(format: "%.4f", $0) } ?? p.status.rawValue
                    print("\(p.id.prefix(8))  gen \(p.generation)  \(score)  \(p.proposal?.summary ?? (p.parents.isEmpty ? "seed" : ""))")
                }
            } catch { throw InspectCommand.failure(error) }
        }
    }

    static func find(_ prefix: String, in store: ProgramStore) throws -> Program {
        if let exact = try store.program(prefix) { return exact }
        let matches = try store.allPrograms().filter { $0.id.hasPrefix(prefix.lowercased()) }
        guard matches.count == 1 else {
            throw RunSetup.Failure(description: matches.isEmpty ? "no program with id '\(prefix)' in this run"
                : "program id '\(prefix)' is ambiguous (\(matches.count) programs); give more characters")
        }
        return matches[0]
    }

    /// A line diff (LCS) of two programs' files, unified-style without context limits.
    static func diff(_ a: [String: String], _ b: [String: String]) -> String {
        var out: [String] = []
        for path in Set(a.keys).union(b.keys).sorted() where a[path] != b[path] {
            let x = (a[path] ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let y = (b[path] ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            out.append("--- a/\(path)\n+++ b/\(path)")
            var table = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
            for i in stride(from: x.count - 1, through: 0, by: -1) {
                for j in stride(from: y.count - 1, through: 0, by: -1) {
                    table[i][j] = x[i] == y[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
                }
            }
            var i = 0, j = 0
            while i < x.count || j < y.count {
                if i < x.count, j < y.count, x[i] == y[j] { i += 1; j += 1 }
                else if i < x.count, j == y.count || table[i + 1][j] >= table[i][j + 1] { out.append("-" + x[i]); i += 1 }
                else { out.append("+" + y[j]); j += 1 }
            }
        }
        return out.isEmpty ? "(no changes)" : out.joined(separator: "\n")
    }
}

/// A program as `--json` prints it (snake_case, files omitted).
struct ProgramView: Encodable {
    struct ProposalView: Encodable {
        let model: String, mode: String, summary: String, calls: Int, prompt_tokens: Int, completion_tokens: Int
        let cost_usd: Double, latency_seconds: Double, estimated_tokens: Bool
    }

    let id: String, status: String, island: Int, generation: Int, iteration: Int, parents: [String]
    let validation_score: Double?, validation_se: Double?, validation_evaluations: Int?
    let test_score: Double?, metrics: MetricsJSON?, test_metrics: MetricsJSON?
    let descriptors: [String: Double], commit: String?, proposal: ProposalView?

    init(_ p: Program) {
        id = p.id; status = p.status.rawValue; island = p.island; generation = p.generation; iteration = p.iteration; parents = p.parents
        validation_score = p.score; test_score = p.testMetrics?.combinedScore
        validation_se = p.scoreStats?.standardError; validation_evaluations = p.score == nil ? nil : p.scoreStats?.n ?? 1
        metrics = p.metrics.map(MetricsJSON.init); test_metrics = p.testMetrics.map(MetricsJSON.init)
        descriptors = p.descriptors; commit = p.commitID
        proposal = p.proposal.map {
            ProposalView(model: $0.model, mode: $0.mode, summary: $0.summary, calls: $0.calls, prompt_tokens: $0.promptTokens,
                         completion_tokens: $0.completionTokens, cost_usd: $0.costUSD, latency_seconds: $0.latencySeconds,
                         estimated_tokens: $0.estimatedTokens)
        }
    }
}

/// `inspect best --json`: the program, its re-scoring with fresh training seeds and its flags.
struct BestView: Encodable {
    struct StatsView: Encodable {
        let mean: Double, se: Double?, n: Int
        init(_ s: ScoreStats) { mean = s.mean; se = s.standardError; n = s.n }
    }

    let program: ProgramView
    let fresh_validation: StatsView?, test: StatsView?, drift: Double?, gap: Double?
    let flags: [String], control_verdict: String?

    init(_ p: Program, assessment: BestAssessment?, controlVerdict: String?, integrity: [String] = []) {
        program = ProgramView(p)
        fresh_validation = assessment?.freshValidation.map(StatsView.init); test = assessment?.test.map(StatsView.init)
        drift = assessment?.drift; gap = assessment?.gap
        flags = (assessment?.flags ?? []) + integrity; control_verdict = controlVerdict
    }
}
