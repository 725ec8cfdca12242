import EvolveCore
import Foundation
import Testing
@testable import Proposers

/// The offline mutator's statistics of confirmed gains (issue 25), fed scripted verdicts.
@Suite struct MutationRecordTests {
    let files = ["k.swift": """
        // EVOLVE-BLOCK-START knobs
        static let alpha = 40
        static let beta = 40
        static let gamma = 40
        static let delta = 40
        // EVOLVE-BLOCK-END
        """]

    func constants(_ files: [String: String]) -> [String: String] { Seeds.constants(files) }

    /// The scripted racing verdict: a child improves on its parent exactly when it lowered alpha.
    func verdict(_ child: (files: [String: String], parents: [String], proposal: Proposal), parent: Program, id: String) -> ConfirmedVerdict {
        let improved = Int(constants(child.files)["alpha"]!)! < Int(constants(parent.files)["alpha"]!)!
        return ConfirmedVerdict(proposal: child.proposal, child: id, parent: parent.id, improved: improved, gain: improved ? 0.1 : 0)
    }

    func alphaDownShare(_ mutator: OfflineMutator, parent: Program, seeds: ClosedRange<UInt64>) throws -> Double {
        var down = 0
        for seed in seeds {
            let child = try Seeds.child(mutator.mutate(ProposalContext(parent: parent, seed: seed)))
            if Int(constants(child.files)["alpha"]!)! < 40 { down += 1 }
        }
        return Double(down) / Double(seeds.count)
    }

    @Test func statisticsMoveTowardAPlantedHelpfulMutation() async throws {
        let parent = Program(files: files)
        let fresh = OfflineMutator(), learning = OfflineMutator()
        let before = try alphaDownShare(fresh, parent: parent, seeds: 1000...1199)
        for seed in UInt64(1)...60 {
            let child = try Seeds.child(learning.mutate(ProposalContext(parent: parent, seed: seed)))
            await learning.observeConfirmed(verdict(child, parent: parent, id: "c\(seed)"))
        }
        let record = learning.record
        #expect(record.promise("alpha", "down") > 0.7)
        let others = ["alpha|up", "beta|up", "beta|down", "gamma|up", "gamma|down", "delta|up", "delta|down"]
        let parts = others.map { $0.components(separatedBy: "|") }
        // A two-site child that lowered alpha credits its other edit too, so others may have a win or two:
        // alpha's lead is what must show.
        let runnerUp = parts.map { record.promise($0[0], $0[1]) }.max()!
        #expect(record.promise("alpha", "down") > runnerUp + 0.2, "\(record.arms)")
        let after = try alphaDownShare(learning, parent: parent, seeds: 1000...1199)
        // A fresh mutator lowers alpha in about one child in seven (one site of four, one way of two).
        #expect(before < 0.25)
        #expect(after > 0.6, "alpha lowered in \(after) of the children after learning (\(before) before)")
    }

    @Test func firstScoresTeachNothing() async throws {
        let mutator = OfflineMutator()
        let child = try Seeds.child(mutator.mutate(ProposalContext(parent: Program(files: files), seed: 3)))
        await mutator.observe(ProposalFeedback(proposal: child.proposal, outcome: .evaluated, scoreChange: 0.5))
        #expect(mutator.record == MutationRecord())
    }

    @Test func twoConfirmedWinsFromDifferentLineagesAreCompoundedEarly() async throws {
        let mutator = OfflineMutator(combineRate: 1)
        let seed = Program(files: files)
        // Lineage x found alpha 40 → 20; lineage y found beta 40 → 80 (each confirmed by its race).
        var x = files, y = files
        x["k.swift"] = x["k.swift"]!.replacingOccurrences(of: "alpha = 40", with: "alpha = 20")
        y["k.swift"] = y["k.swift"]!.replacingOccurrences(of: "beta = 40", with: "beta = 80")
        let childX = Program(files: x, parents: [seed.id]), childY = Program(files: y, parents: [seed.id])
        await mutator.observeConfirmed(ConfirmedVerdict(
            proposal: Proposal(model: OfflineMutator.model, mode: "mutation", summary: "alpha 40 → 20"), child: childX.id, parent: seed.id, improved: true, gain: 0.1))
        await mutator.observeConfirmed(ConfirmedVerdict(
            proposal: Proposal(model: OfflineMutator.model, mode: "mutation", summary: "beta 40 → 80"), child: childY.id, parent: seed.id, improved: true, gain: 0.05))
        #expect(mutator.record.wins.map(\.label) == ["alpha", "beta"])

        // The next child of y carries x's win on top of its own; of x, y's.
        let fromY = try Seeds.child(mutator.mutate(ProposalContext(parent: childY, seed: 9)))
        #expect(constants(fromY.files)["alpha"] == "20" && constants(fromY.files)["beta"] == "80")
        #expect(fromY.proposal.summary == "alpha 40 → 20")
        let fromX = try Seeds.child(mutator.mutate(ProposalContext(parent: childX, seed: 9)))
        #expect(constants(fromX.files)["alpha"] == "20" && constants(fromX.files)["beta"] == "80")
        // Each combination once: nothing is left to combine on y or x.
        #expect(mutator.record.tried == [childY.id + "|alpha|20", childX.id + "|beta|80"])
        let sites = mutator.candidates(LiteralScanner.sites(in: y))
        #expect(mutator.record.untriedWin(for: childY.id, sites: sites) == nil)
    }

    @Test func theStatisticsSurviveAResume() async throws {
        let mutator = OfflineMutator()
        await mutator.observeConfirmed(ConfirmedVerdict(
            proposal: Proposal(model: OfflineMutator.model, mode: "mutation", summary: "alpha 40 → 20; useEMA true → false"), child: "c", parent: "p", improved: true, gain: 0.2))
        await mutator.observeConfirmed(ConfirmedVerdict(
            proposal: Proposal(model: OfflineMutator.model, mode: "mutation", summary: "beta 4e-3 → 2e-3"), child: "d", parent: "p", improved: false, gain: 0))
        let resumed = OfflineMutator()
        try await resumed.restore(try #require(await mutator.snapshot()))
        #expect(resumed.record == mutator.record)
        #expect(resumed.record.arms["alpha|down"]?.wins == 1 && resumed.record.arms["useEMA|false"]?.gain == 0.2)
        #expect(resumed.record.arms["beta|down"]?.trials == 1 && resumed.record.arms["beta|down"]?.wins == 0)
        // Another proposer's verdicts are not this mutator's to learn from.
        await resumed.observeConfirmed(ConfirmedVerdict(
            proposal: Proposal(model: "some-llm", mode: "diff", summary: "alpha 40 → 20"), child: "e", parent: "p", improved: true, gain: 0.3))
        #expect(resumed.record == mutator.record)
    }
}
