import Foundation

/// One iteration before evaluation: the parent and inspirations by the run's strategy (the population
/// samples them under map-elites), the proposer's answer (retried with back-off through an outage), and
/// the child stored — or the reason there is none recorded as an attempt. Its methods run on the loop's
/// actor and release it while the proposer works.
struct ChildProposals: Sendable {
    func iterate(_ iteration: Int, on loop: isolated EvolutionLoop) async throws {
        guard let context = try prepare(iteration, on: loop) else { return }
        let result: ProposalResult
        var backoff = min(5.0, max(0.05, loop.config.maxOutageSeconds / 10))
        while true {
            do {
                result = try await loop.proposer.propose(context)
                loop.health.recovered(loop)
                break
            } catch {
                guard loop.health.failed(error, loop) else { return }
                try? await Task.sleep(nanoseconds: UInt64(backoff * 1e9))
                backoff = min(backoff * 2, 120)
                if loop.stopReason != nil { return }
            }
        }
        guard let child = try accept(result, context: context, iteration: iteration, on: loop) else { return }
        let report = try await loop.evaluateChild(child, parentScore: context.parent.score, proposal: result.proposal)
        if report?.outcome == .buildFailed, let report {
            try await repairBuild(child, report: report, context: context, proposal: result.proposal, iteration: iteration, on: loop)
        }
    }

    /// The compile-repair round: a child whose own build failed (it stays recorded as failed, with its
    /// commit and attempt) goes back to its proposer once with the compiler's errors; a corrected child is
    /// stored beside it, with the same parents, and evaluated like any other. A proposer that does not
    /// repair (nil), or cannot work now (it throws), leaves the failure as it is.
    func repairBuild(
        _ child: Program, report: EvaluationReport, context: ProposalContext, proposal: Proposal, iteration: Int, on loop: isolated EvolutionLoop
    ) async throws {
        // A stop asks for the work in flight to finish, not for more: only the iteration limit (this
        // iteration was already counted) lets the repair go ahead.
        guard loop.stopReason == nil || loop.stopReason == .iterations else { return }
        let (headline, errors) = AttemptDetail.buildErrors(report.artifacts)
        let request = BuildRepairRequest(
            context: context, files: child.files, parents: child.parents, proposal: proposal, headline: headline, errors: errors)
        let repaired: ProposalResult?
        do {
            repaired = try await loop.proposer.repairBuild(request)
        } catch {
            loop.log.write("iteration \(iteration): no compile-repair round for \(child.id.prefix(8)): the proposer failed (\(error))")
            return
        }
        guard let repaired else { return }
        loop.log.write("iteration \(iteration): program \(child.id.prefix(8)) did not build; compile-repair round asked with \(errors.count) error line(s)")
        guard let fixed = try accept(repaired, context: context, iteration: iteration, on: loop) else { return }
        try await loop.evaluateChild(fixed, parentScore: context.parent.score, proposal: repaired.proposal)
    }

    /// The parent, its neighbours and its lineage's attempts, by the configured strategy.
    func prepare(_ iteration: Int, on loop: isolated EvolutionLoop) throws -> ProposalContext? {
        let parent: Program
        var inspirations: [Program] = []
        switch loop.config.strategy {
        case .mapElites:
            // Islands earn their turns by confirmed progress, with a floor (`IslandAllocation.swift`).
            let island = try loop.store.nextIsland() ?? 0
            (parent, inspirations) = try loop.store.sample(island: island)
        case .bestOfN:
            let seeds = try loop.state.seedIDs.compactMap { try loop.store.program($0) }.filter { $0.status == .evaluated }
            guard !seeds.isEmpty else { throw EvolutionLoop.Failure(description: "best-of-n needs an evaluated seed") }
            parent = seeds[iteration % seeds.count]
        case .hillClimb:
            guard let best = try loop.store.best() else { throw EvolutionLoop.Failure(description: "hill-climb needs an evaluated program") }
            parent = best
        }
        var second: Program?
        // Crossover only with a program that shares an EVOLVE block with the parent and differs from it: a
        // TRM and an HRM kernel have nothing to exchange, and a "crossover" between them was a plain mutation.
        let mates = inspirations.filter { $0.files != parent.files && !Crossover.compatibleBlocks(parent.files, $0.files).isEmpty }
        if loop.config.strategy == .mapElites, !mates.isEmpty, loop.rng.unit() < loop.config.crossoverRate {
            second = mates[loop.rng.below(mates.count)]
        }
        let seed = loop.rng.next()
        loop.state.rngState = loop.rng.state
        let top = inspirations.filter { $0.score != nil }.sorted { ($0.score ?? 0) > ($1.score ?? 0) }
        return ProposalContext(
            parent: parent, parentArtifacts: try loop.store.records.artifacts(of: parent.id), secondParent: second, inspirations: inspirations,
            topPrograms: top, attempts: try loop.store.records.attempts(from: [parent.id] + parent.parents, limit: loop.config.attemptsShown),
            brief: parent.files["BRIEF.md"] ?? loop.brief, iteration: iteration, seed: seed,
            runAttempts: try loop.store.records.runAttempts(limit: ProposalContext.runAttemptsRead), parentAttempt: try loop.store.records.attempt(making: parent.id))
    }

    /// Stores a proposed child (or records why there is none); returns the child to evaluate.
    func accept(_ result: ProposalResult, context: ProposalContext, iteration: Int, on loop: isolated EvolutionLoop) throws -> Program? {
        let parent = context.parent
        let cost = result.proposal
        loop.spend = (loop.spend.costUSD + cost.costUSD, loop.spend.promptTokens + cost.promptTokens, loop.spend.completionTokens + cost.completionTokens)
        switch result {
        case .failed(let reason, let proposal):
            try loop.store.records.recordAttempt(
                Attempt(programID: nil, outcome: .proposalFailed, change: proposal.summary, detail: reason), iteration: iteration,
                parentID: parent.id, proposal: proposal)
            loop.log.write("iteration \(iteration): no child from \(parent.id.prefix(8)): \(reason.prefix(300))")
            loop.notify(ProposalFeedback(proposal: proposal, outcome: .proposalFailed, scoreChange: nil))
            try loop.saveState()
            return nil
        case .child(let files, let parents, let proposal):
            if let problem = Self.check(files) {
                try loop.store.records.recordAttempt(
                    Attempt(programID: nil, outcome: .proposalFailed, change: proposal.summary, detail: problem), iteration: iteration,
                    parentID: parent.id, proposal: proposal)
                loop.notify(ProposalFeedback(proposal: proposal, outcome: .proposalFailed, scoreChange: nil))
                try loop.saveState()
                return nil
            }
            let child = Program(
                files: files, parents: parents.isEmpty ? [parent.id] : parents, island: parent.island,
                generation: parent.generation + 1, iteration: iteration, status: .queued, proposal: proposal)
            switch try loop.store.add(child) {
            case .duplicate(let existing):
                try loop.store.records.recordAttempt(
                    Attempt(programID: existing, outcome: .duplicate, change: proposal.summary,
                            detail: "identical to program \(existing.prefix(8)); not evaluated again"),
                    iteration: iteration, parentID: parent.id, proposal: proposal)
                loop.log.write("iteration \(iteration): duplicate of \(existing.prefix(8)), not evaluated")
                loop.notify(ProposalFeedback(proposal: proposal, outcome: .duplicate, scoreChange: nil))
                try loop.saveState()
                return nil
            case .added:
                try loop.saveState()
                return child
            }
        }
    }

    /// A child the loop refuses before storing it: unsafe paths, or more than a program may hold.
    static func check(_ files: [String: String]) -> String? {
        if files.isEmpty { return "the child has no files" }
        if let bad = files.keys.first(where: { !ProgramFiles.isSafe($0) }) { return "file path '\(bad.prefix(80))' is not a safe relative path" }
        let total = files.values.reduce(0) { $0 + $1.utf8.count }
        if total > 4 * ProgramFiles.maximumFileBytes { return "the child holds \(total) bytes of files, more than a program may" }
        return nil
    }
}
