import Foundation

/// Tells the proposer a child's verdict once it is final (`ConfirmedVerdict`): the racing rule's answer
/// to "does the child beat its parent", on the child's mean over its race. A child that is not raced is
/// final at its first evaluation; a contender, when its race settles.
extension EvolutionLoop {
    func creditConfirmed(_ program: Program) throws {
        guard let parentID = program.parents.first, let proposal = program.proposal,
              let parent = try store.program(parentID) else { return }
        var improved = false, gain = 0.0
        if program.status == .evaluated, let child = program.scoreStats ?? program.score.map({ ScoreStats(mean: $0) }),
           let base = parent.scoreStats ?? parent.score.map({ ScoreStats(mean: $0) }) {
            improved = store.racing.compare(child, base) == .wins
            gain = improved ? child.mean - base.mean : 0
        }
        let verdict = ConfirmedVerdict(proposal: proposal, child: program.id, parent: parentID, improved: improved, gain: gain)
        let proposer = self.proposer
        Task {
            await proposer.observeConfirmed(verdict)
            try? await self.persistProposer()
        }
    }
}
