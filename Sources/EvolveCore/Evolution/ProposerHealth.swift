import Foundation

/// Whether the proposer works: when it started failing, and whether the run should keep retrying. An
/// outage longer than `maxOutageSeconds` stops the run cleanly (`StopReason.outage`).
struct ProposerHealth: Sendable {
    let maxOutageSeconds: Double
    private(set) var outageSince: Date?

    init(maxOutageSeconds: Double) {
        self.maxOutageSeconds = maxOutageSeconds
    }

    mutating func recovered(_ loop: isolated EvolutionLoop) {
        if let since = outageSince {
            loop.say(String(format: "the proposer works again after %.0f s", Date().timeIntervalSince(since)))
            outageSince = nil
        }
    }

    /// Returns whether to retry after backing off; stops the run after `maxOutageSeconds`.
    mutating func failed(_ error: Error, _ loop: isolated EvolutionLoop) -> Bool {
        let now = Date()
        if outageSince == nil {
            outageSince = now
            loop.say("the proposer failed: \(error); backing off and retrying (the run stops after \(Int(maxOutageSeconds)) s of failures)")
        }
        if now.timeIntervalSince(outageSince!) >= maxOutageSeconds {
            if loop.stopReason == nil {
                loop.stopReason = .outage
                loop.say("the proposer has failed for \(Int(maxOutageSeconds)) s; stopping. Last error: \(error)")
            }
            return false
        }
        return loop.stopReason == nil
    }
}
