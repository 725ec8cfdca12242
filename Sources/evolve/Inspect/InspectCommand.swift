import ArgumentParser
import EvolveCore
import EvolveSupport
import Foundation

/// `evolve inspect …`: read a run's database (while it runs, too) and print what it holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Look into a run: the MAP-Elites grids, the best program, one program, a lineage.",
        subcommands: [Population.self, Best.self, ProgramDetail.self, Lineage.self, InspectPromptCommand.self, InspectWorkersCommand.self])

    struct Population: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each island's MAP-Elites grid: cells by the two descriptors, each cell's elite score; coverage and QD-score.")

        @Argument(help: "The run (default: the newest under runs/).")
        var runName: String?

        @Option(help: "Show only this island.")
        var island: Int?

        @OptionGroup var output: OutputOptions

        func run() throws {
            try UserMistakes.reported {
                let (_, store) = try Runs.open(runName)
                let dims = store.config.features.dimensions
                let stats = store.statistics()
                let islands = island.map { [$0] } ?? Array(0..<store.config.islands)
                if output.json {
                    struct Cell: Encodable { let cell: [Int]; let program: String; let score: Double }
                    struct Island: Encodable { let island: Int; let coverage: Double; let qd_score: Double; let best: Double?; let cells: [Cell] }
                    struct Output: Encodable { let dimensions: [String]; let islands: [Island]; let coverage: Double; let qd_score: Double; let displacements: Int }
                    try OutputOptions.printJSON(Output(
                        dimensions: dims.map(\.name),
                        islands: islands.filter { $0 < stats.islands.count }.map { i in
                            Island(island: i, coverage: stats.islands[i].coverage, qd_score: stats.islands[i].qdScore, best: stats.islands[i].best,
                                   cells: store.grid(island: i).map { Cell(cell: $0.cell, program: $0.id, score: $0.score) })
                        },
                        coverage: stats.overall.coverage, qd_score: stats.overall.qdScore, displacements: try store.displacements().count))
                    return
                }
                for i in islands where i < stats.islands.count {
                    print("island \(i): coverage \(String(format: "%.1f%%", 100 * stats.islands[i].coverage)), QD-score \(String(format: "%.3f", stats.islands[i].qdScore))")
                    print(Self.table(store.grid(island: i), dimensions: dims))
                }
                print(String(format: "all islands: coverage %.1f%%, QD-score %.3f", 100 * stats.overall.coverage, stats.overall.qdScore))
                // The run's history of hand-overs (Population/DisplacementRecord.swift), each decided by the racing rule.
                print("displacements: \(try store.displacements().count) (cells, island bests and run bests taken under the racing rule)")
            }
        }

        /// Rows: the first descriptor's bins; columns: the second's (one column when there is one).
        static func table(_ cells: [(cell: [Int], id: String, score: Double)], dimensions: [FeatureDimension]) -> String {
            guard let rowsDim = dimensions.first else { return "(no feature dimensions)" }
            let colsDim = dimensions.count > 1 ? dimensions[1] : nil
            let columns = colsDim?.bins ?? 1
            var lines = ["\(rowsDim.name) \\ \(colsDim?.name ?? "")".padding(toLength: 22, withPad: " ", startingAt: 0)
                + (0..<columns).map { String(format: "%7d", $0) }.joined()]
            for row in 0..<rowsDim.bins {
                var line = String(format: "%-22@", BinLabel.text(rowsDim, row) as NSString)
                for column in 0..<columns {
                    let score = cells.first { $0.cell.first == row && (colsDim == nil || $0.cell.dropFirst().first == column) }?.score
                    line += score.map { String(format: "%7.3f", $0) } ?? "      ·"
                }
                lines.append(line)
            }
            if let colsDim {
                lines.append("columns: " + (0..<colsDim.bins).map { "\($0)=\(BinLabel.text(colsDim, $0))" }.joined(separator: "  "))
            }
            return lines.joined(separator: "\n")
        }
    }

    struct Best: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The best program: its validation and held-out test scores.")

        @Argument(help: "The run (default: the newest under runs/).")
        var runName: String?

        @OptionGroup var output: OutputOptions

        func run() throws {
            try UserMistakes.reported {
                let (_, store) = try Runs.open(runName)
                guard let best = try store.best() else {
                    throw CommandError("the run has no evaluated program yet")
                }
                let assessment = try store.assessment(of: best.id)
                let verdict = try store.records.flaggedPrograms()[best.id]
                let transfer = try store.records.transfer(of: best.id), scale = try store.records.scale(of: best.id)
                let integrity = IntegritySummary.lines(of: best.id, store: store) + (transfer?.doesNotTransfer == true ? [TransferView.flag] : [])
                    + (scale?.flag.map { ["scale check: \($0)"] } ?? [])
                if output.json {
                    try OutputOptions.printJSON(BestView(best, assessment: assessment, controlVerdict: verdict, integrity: integrity, transfer: transfer, scale: scale))
                    return
                }
                print(ProgramDetail.describe(best, store: store))
                print(TransferView.line(transfer))
                print(ScaleView.line(scale))
                print(Self.describe(assessment, controlVerdict: verdict, controlled: try store.records.hasControl(best.id), integrity: integrity))
            }
        }

        /// The best's re-scoring with fresh training seeds (drift, gap), its flags and its control verdict.
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

        @OptionGroup var program: ProgramArguments

        @OptionGroup var output: OutputOptions

        func run() throws {
            try UserMistakes.reported {
                let (_, store, program) = try self.program.open()
                if output.json { try OutputOptions.printJSON(ProgramView(program)); return }
                print(Self.describe(program, store: store))
                print(Self.flags(of: program.id, store: store))
                for stop in (try? store.earlyStops.records(programID: program.id)) ?? [] {
                    print((stop.mode == .shadow ? "early stop (shadow, not applied): " : "early stop: ") + stop.evidence)
                }
                for (key, text) in try store.records.artifacts(of: program.id).sorted(by: { $0.key < $1.key }) {
                    print("--- artifact: \(key) (the program's own output is quoted as data)")
                    print(String(text.prefix(4000)))
                }
                if let parentID = program.parents.first, let parent = try store.program(parentID) {
                    print("--- diff against parent \(parent.id.prefix(8))")
                    print(ProgramDiff.text(parent.files, program.files))
                }
            }
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

        @OptionGroup var program: ProgramArguments

        @OptionGroup var output: OutputOptions

        func run() throws {
            try UserMistakes.reported {
                let (_, store, program) = try self.program.open()
                let chain = try store.firstParentChain(from: program)
                if output.json { try OutputOptions.printJSON(chain.map(ProgramView.init)); return }
                for p in chain {
                    let score = p.score.map { String(format: "%.4f", $0) } ?? p.status.rawValue
                    print("\(p.id.prefix(8))  gen \(p.generation)  \(score)  \(p.proposal?.summary ?? (p.parents.isEmpty ? "seed" : ""))")
                }
            }
        }
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
    /// Its transfer assessment (issue 28), nil when the run has no transfer benchmarks or has not ended.
    let transfer: TransferView?
    /// Its scale check, nil when none was made.
    let scale: ScaleView?

    init(
        _ p: Program, assessment: BestAssessment?, controlVerdict: String?, integrity: [String] = [], transfer: TransferAssessment? = nil,
        scale: ScaleAssessment? = nil
    ) {
        self.transfer = transfer.map(TransferView.init)
        self.scale = scale.map(ScaleView.init)
        program = ProgramView(p)
        fresh_validation = assessment?.freshValidation.map(StatsView.init); test = assessment?.test.map(StatsView.init)
        drift = assessment?.drift; gap = assessment?.gap
        flags = (assessment?.flags ?? []) + integrity; control_verdict = controlVerdict
    }
}
