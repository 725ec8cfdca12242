import Foundation

/// What the loop tells the outside world: its progress as it runs (`Event`, `Status`), why it stopped
/// and what it achieved (`StopReason`, `Summary`), a failure that ends a run (`Failure`), and the two calls
/// that tell it (`emitStatus`, `say`: the caller's event stream and the run log).
extension EvolutionLoop {
    /// Why the loop stopped.
    public enum StopReason: String, Sendable, Codable {
        case iterations, evaluations, time, spend, target
        case stopFile = "stop-file"
        case interrupted
        case outage
        case evaluatorFailing = "evaluator-failing"
    }

    /// What the loop tells its caller as it goes (the CLI's status line and log).
    public enum Event: Sendable {
        case message(String)
        case status(Status)
    }

    /// The run at a glance.
    public struct Status: Sendable {
        public var iteration: Int
        public var evaluations: Int
        public var inFlight: Int
        public var bestScore: Double?
        public var bestTestScore: Double?
        public var islandBests: [Double?]
        public var promptTokens: Int
        public var completionTokens: Int
        public var costUSD: Double
        /// Seconds the run has been running, over all its sessions.
        public var elapsedSeconds: Double
        public var maxIterations: Int?
        public var maxSeconds: Double?
        /// The LLM spend budget (`max_spend_usd`, `--budget-usd`).
        public var maxSpendUSD: Double?
    }

    public struct Summary: Sendable {
        public var stopReason: StopReason
        public var iterations: Int
        public var evaluations: Int
        public var bestScore: Double?
        public var bestProgramID: String?
        public var bestTestScore: Double?
        public var elapsedSeconds: Double
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }
}

// MARK: - Telling it

extension EvolutionLoop {
    /// Tells the caller where the run stands, at most twice a second.
    func emitStatus(force: Bool = false) {
        guard force || Date().timeIntervalSince(lastStatus) >= 0.5 else { return }
        lastStatus = Date()
        let best = try? store.best()
        let status = Status(
            iteration: state.nextIteration, evaluations: state.evaluations, inFlight: inFlight, bestScore: best?.score,
            bestTestScore: best?.testMetrics?.combinedScore, islandBests: store.islands.map(\.bestScore), promptTokens: spend.promptTokens,
            completionTokens: spend.completionTokens, costUSD: spend.costUSD, elapsedSeconds: elapsed, maxIterations: config.maxIterations,
            maxSeconds: config.maxHours.map { $0 * 3600 }, maxSpendUSD: config.maxSpendUSD)
        onEvent(.status(status))
    }

    func say(_ message: String) {
        log.write(message)
        onEvent(.message(message))
    }
}
