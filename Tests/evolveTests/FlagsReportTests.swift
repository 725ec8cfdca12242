import EvolveCore
import Foundation
import TestSupport
import Testing
@testable import evolve

/// Integrity findings (issue 15) stored with evaluations are listed by the store and shown by
/// `evolve report` (the "Flags" section) and `evolve inspect program`.
@Suite struct FlagsReportTests {
    let scratch = ScratchDirectory("evolve-flags")
    var root: URL { scratch.url }

    func evaluation(_ outcome: EvaluationOutcome, score: Double?, artifacts: [String: String]) -> EvaluationRecord {
        let metrics = score.map { Metrics(benchmarks: ["sudoku": BenchmarkMetrics(exactAccuracy: $0, tokenAccuracy: $0)], split: "validation") }
        return EvaluationRecord(split: .validation, trainingSeed: 1, report: EvaluationReport(outcome: outcome, metrics: metrics, artifacts: artifacts))
    }

    @Test func theReportAndInspectShowEveryFlagWithItsEvidence() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let store = try ProgramStore(path: root.appendingPathComponent("run.sqlite").path)
        func add(_ text: String, _ status: ProgramStatus, score: Double?, artifacts: [String: String]) throws -> String {
            let id = try store.add(Program(files: ["kernel.swift": text])).id
            let record = evaluation(status == .evaluated ? .evaluated : .rejected, score: score, artifacts: artifacts)
            try store.complete(id, status: status, metrics: status == .evaluated ? record.report.metrics : nil, descriptors: [:], evaluation: record)
            return id
        }
        let honest = try add("honest", .evaluated, score: 0.6, artifacts: ["sudoku": "exact 0.600\ncompute: 20.1 CPU s measured, 18.0 s explained (1.12×)"])
        let spinner = try add("spin", .rejected, score: nil, artifacts: [
            "flag: compute": "sudoku: reject: measured 41.0 CPU s, but the metered work (7.6e+11 FLOPs) explains 9.10 CPU s on this machine: 4.5× <b>",
        ])
        let solver = try add("solver", .evaluated, score: 1.0, artifacts: [
            "flag: curve": "sudoku: flag: validation exact 1.000, but at most 0.240 of training examples were answered right",
        ])
        try store.recordControl(solver, evaluation(.evaluated, score: 0, artifacts: [:]), verdict: "sudoku: exact 1.000 → 0.000 under the control")

        let flags = try store.records.integrityFlags()
        #expect(flags.map(\.check) == ["compute", "curve", "permutation"])
        #expect(flags.map(\.programID) == [spinner, solver, solver])
        #expect(try store.records.integrityFlags(programID: honest).isEmpty)

        let page = ReportPage(
            run: ReportPage.Run(name: "flags", strategy: "map-elites", store: store, programs: try store.allPrograms()),
            control: nil, gapThreshold: 0.1, top: 5, generated: Date())
        let html = try page.render()
        let section = try #require(html.components(separatedBy: "<section id=\"flags\">").dropFirst().first?.components(separatedBy: "</section>").first)
        #expect(section.contains("<h2>Flags</h2>"))
        #expect(section.contains(String(spinner.prefix(8))) && section.contains(String(solver.prefix(8))))
        #expect(!section.contains(String(honest.prefix(8))))
        #expect(section.contains("measured 41.0 CPU s") && section.contains("explains 9.10 CPU s"))
        #expect(section.contains("4.5× &lt;b&gt;") && !section.contains("<b>"))
        #expect(section.contains("<td>rejected</td><td>compute</td>"))
        #expect(section.contains("<td>curve</td>") && section.contains("<td>permutation</td>"))

        let inspected = InspectCommand.ProgramDetail.flags(of: solver, store: store)
        #expect(inspected.contains("curve (validation): sudoku: flag: validation exact 1.000"))
        #expect(inspected.contains("permutation (validation): flagged and removed from selection: sudoku: exact 1.000 → 0.000"))
        #expect(InspectCommand.ProgramDetail.flags(of: honest, store: store) == "flags: none")

        // The best's summary (inspect best, the report's header) counts the curve finding beside the control's
        // verdict: it must never say "flags: none" over a program the Flags section lists.
        let integrity = IntegritySummary.lines(of: solver, store: store)
        #expect(integrity == ["curve: 1 finding, e.g. sudoku: flag: validation exact 1.000, but at most 0.240 of training examples were answered right"])
        #expect(IntegritySummary.lines(of: honest, store: store).isEmpty)
        let summary = InspectCommand.Best.describe(nil, controlVerdict: nil, controlled: true, integrity: integrity)
        #expect(summary.contains("flags:\n  ! curve: 1 finding") && !summary.contains("flags: none"))
    }

    @Test func aRunWithoutFlagsSaysSo() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let store = try ProgramStore(path: root.appendingPathComponent("run.sqlite").path)
        let id = try store.add(Program(files: ["kernel.swift": "honest"])).id
        try store.complete(id, status: .evaluated, metrics: evaluation(.evaluated, score: 0.5, artifacts: [:]).report.metrics, descriptors: [:],
                           evaluation: evaluation(.evaluated, score: 0.5, artifacts: ["sudoku": "exact 0.500"]))
        let html = try ReportPage(
            run: ReportPage.Run(name: "clean", strategy: "map-elites", store: store, programs: try store.allPrograms()),
            control: nil, gapThreshold: 0.1, top: 5, generated: Date()).render()
        #expect(html.contains("No program was flagged"))
    }
}
