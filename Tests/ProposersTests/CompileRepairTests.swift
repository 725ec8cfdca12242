import EvolveCore
import Foundation
import LLMClient
import Testing
import TestSupport
@testable import Proposers

/// A compiler stand-in: a kernel that names `hiden` fails its build with the error swiftc prints (a work
/// directory before the file name, as the evaluator's build shows it); any other kernel is evaluated,
/// scoring its hidden width / 1000. The real compile is `CandidateEvaluatorTests`' business; this one is
/// the loop's.
private struct HidenCompiler: Evaluator {
    func evaluate(_ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void) async throws -> EvaluationReport {
        let lines = (program.files["kernel.swift"] ?? "").components(separatedBy: "\n")
        if let index = lines.firstIndex(where: { $0.contains("hiden") }) {
            let column = lines[index].distance(from: lines[index].startIndex, to: lines[index].range(of: "hiden")!.lowerBound) + 1
            return EvaluationReport(outcome: .buildFailed, artifacts: [
                "build": "compile failed (exit code 1)\n│ /work/evolve-build-77/kernel.swift:\(index + 1):\(column): error: cannot find 'hiden' in scope\n│ 1 error generated",
            ])
        }
        let width = lines.lazy.compactMap { line in line.split(separator: "=").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } }.first ?? 0
        return EvaluationReport(
            outcome: .evaluated, metrics: Metrics(values: ["combined_score": width / 1000], split: request.split.rawValue), descriptors: [:])
    }
}

@Suite(.serialized) struct CompileRepairTests {
    let scratch = ScratchDirectory("evolve-repair")
    var runs: URL { scratch.url }

    static let broken = """
        Summary: width from the state
        kernel.swift
        <<<<<<< SEARCH
            static let hidden = 64
        =======
            static let hidden = hiden + 32
        >>>>>>> REPLACE
        """
    static let fixed = """
        Summary: width 96, spelled out
        kernel.swift
        <<<<<<< SEARCH
            static let hidden = hiden + 32
        =======
            static let hidden = 96
        >>>>>>> REPLACE
        """

    /// One iteration with a scripted model whose first child does not compile and whose second does.
    func run(_ answers: [String], name: String) async throws -> (LoopbackHTTPServer, ProgramStore, seedID: String) {
        let script = Script(answers.map { LLMFixture.answer($0) })
        let server = try LoopbackHTTPServer { _ in script.next() }
        let proposer = await LLMProposer(clients: [LLMFixture.client(server)], configuration: LLMFixture.configuration())
        var config = RunConfig()
        config.maxIterations = 1
        config.parallel = 1
        var database = DatabaseConfig()
        database.islands = 1
        let run = try RunDirectory.create(name: name, runsRoot: runs)
        let seed = Program(files: ["kernel.swift": LLMFixture.kernel, "BRIEF.md": LLMFixture.brief])
        let loop = try EvolutionLoop(run: run, config: config, database: database, evaluator: HidenCompiler(), proposer: proposer, brief: LLMFixture.brief)
        _ = try await loop.run(seeds: [seed])
        return (server, try ProgramStore(path: run.database.path, config: database, seed: 42), seed.id)
    }

    @Test func aChildThatDoesNotCompileGetsOneRepairRoundQuotingTheCompilerAndTheFixIsEvaluated() async throws {
        let (server, store, seedID) = try await run([Self.broken, Self.fixed], name: "repaired")
        defer { server.stop() }
        #expect(server.requests.count == 2, "one proposal, one compile-repair round")
        let repair = try LLMFixture.messages(server.requests[1])
        #expect(repair.map(\.role) == ["system", "user", "assistant", "user"])
        #expect(repair[2].content == Self.broken, "the model sees the answer that did not build")
        #expect(repair[3].content.contains("kernel.swift:5:25: error: cannot find 'hiden' in scope"), "\(repair[3].content)")
        #expect(!repair[3].content.contains("/work/evolve-build-77"), "the build's work directory is not the program's")
        #expect(repair[3].content.contains("compile failed (exit code 1)"))

        let programs = try store.allPrograms()
        let broken = try #require(programs.first { $0.files["kernel.swift"]?.contains("hiden") == true })
        #expect(broken.status == .failed)
        let repaired = try #require(programs.first { $0.files["kernel.swift"]?.contains("static let hidden = 96") == true })
        #expect(repaired.status == .evaluated && abs((repaired.score ?? 0) - 0.096) < 1e-9)
        #expect(repaired.parents == [seedID], "the fix replaces the broken child; it does not descend from it")
        #expect(repaired.proposal?.mode == "build-repair" && repaired.proposal?.calls == 1)
        #expect(repaired.proposal?.summary == "width 96, spelled out")
        let attempts = try store.records.attempts(from: [seedID], limit: 10)
        #expect(attempts.contains { $0.outcome == .buildFailed && $0.detail.contains("cannot find 'hiden' in scope") })
        #expect(attempts.contains { $0.outcome == .evaluated && $0.programID == repaired.id })
    }

    @Test func aRepairThatStillDoesNotApplyIsRecordedAndNotAskedAgain() async throws {
        let (server, store, seedID) = try await run([Self.broken, LLMFixture.unmatched], name: "unrepaired")
        defer { server.stop() }
        #expect(server.requests.count == 2, "the compile-repair round is one round")
        let programs = try store.allPrograms()
        #expect(programs.count == 2, "the seed and the broken child")
        #expect(programs.contains { $0.status == .failed && $0.files["kernel.swift"]?.contains("hiden") == true })
        let attempts = try store.records.attempts(from: [seedID], limit: 10)
        #expect(attempts.contains { $0.outcome == .proposalFailed && $0.detail.contains("no usable edit in the compile-repair round") })
    }
}
