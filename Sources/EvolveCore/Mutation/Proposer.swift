import Foundation

/// One earlier attempt on a lineage, shown to the proposer so it does not repeat it.
public struct Attempt: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Evaluated: `scoreChange` says by how much it moved against its parent.
        case evaluated
        case buildFailed = "build_failed"
        case rejected
        /// Stopped between benchmarks by the value function (hopeless against its cell and island).
        case stopped
        /// The proposal never became a program (no usable edit after the repair round).
        case proposalFailed = "proposal_failed"
        /// Its files equalled a program already in the store.
        case duplicate
    }

    public var programID: String?
    public var outcome: Outcome
    /// One line: what was tried (the proposal's summary).
    public var change: String
    /// One line: why it failed, or its score.
    public var detail: String
    public var scoreChange: Double?
    /// Per benchmark, the child's exact accuracy minus its parent's (first evaluations, the benchmarks both
    /// have): the score is their mean, so a gain on one benchmark can hide a loss on another. Nil when
    /// not both were evaluated, or when read from an older record.
    public var benchmarkChanges: [String: Double]?

    public init(
        programID: String?, outcome: Outcome, change: String, detail: String, scoreChange: Double? = nil, benchmarkChanges: [String: Double]? = nil
    ) {
        self.programID = programID
        self.outcome = outcome
        self.change = change
        self.detail = detail
        self.scoreChange = scoreChange
        self.benchmarkChanges = benchmarkChanges
    }

    /// Per benchmark, `child`'s exact accuracy minus `parent`'s, over the benchmarks both report; nil when
    /// either has no benchmarks.
    public static func benchmarkChanges(child: Metrics?, parent: Metrics?) -> [String: Double]? {
        guard let child, let parent else { return nil }
        var changes: [String: Double] = [:]
        for (name, b) in child.benchmarks {
            if let before = parent.benchmarks[name] { changes[name] = b.exactAccuracy - before.exactAccuracy }
        }
        return changes.isEmpty ? nil : changes
    }
}

/// Everything a proposer may use to make one child: the parent with its evaluation, programs to learn
/// from, the lineage's recent attempts, the research brief, and a seed from the run's RNG stream (so
/// an offline proposer is deterministic and a resumed run proposes the same children).
public struct ProposalContext: Sendable {
    public var parent: Program
    /// The parent's evaluation artifacts (build errors, stage-1 verdict, stderr tail): the candidate's
    /// own output, to be shown as data, never as instructions.
    public var parentArtifacts: [String: String]
    /// A second parent for crossover, when the loop asks for one.
    public var secondParent: Program?
    public var inspirations: [Program]
    /// The island's best programs.
    public var topPrograms: [Program]
    /// Recent attempts on the lineage, newest first (the store's order).
    public var attempts: [Attempt]
    /// Recent attempts across the whole run (every lineage, every island), newest first: what the run
    /// digest summarises, so a model does not retry what failed on another lineage.
    public var runAttempts: [Attempt]
    /// The attempt that made the parent, when it is stored: its per-benchmark changes against its own parent.
    public var parentAttempt: Attempt?
    /// How many of the run's latest attempts the loop reads for the digest: enough for its gains and
    /// failures to stand for the run, few enough that reading them per proposal costs nothing.
    public static let runAttemptsRead = 200
    /// The seed's `BRIEF.md`: what the research is about.
    public var brief: String
    public var iteration: Int
    public var seed: UInt64

    public init(
        parent: Program, parentArtifacts: [String: String] = [:], secondParent: Program? = nil, inspirations: [Program] = [],
        topPrograms: [Program] = [], attempts: [Attempt] = [], brief: String = "", iteration: Int = 0, seed: UInt64 = 0,
        runAttempts: [Attempt] = [], parentAttempt: Attempt? = nil
    ) {
        self.parent = parent
        self.parentArtifacts = parentArtifacts
        self.secondParent = secondParent
        self.inspirations = inspirations
        self.topPrograms = topPrograms
        self.attempts = attempts
        self.runAttempts = runAttempts
        self.parentAttempt = parentAttempt
        self.brief = brief
        self.iteration = iteration
        self.seed = seed
    }
}

/// What a proposer made: a child's files (the loop checks, stores and evaluates them), or a failure with
/// its reason. Either way `proposal` says what it cost.
public enum ProposalResult: Sendable {
    case child(files: [String: String], parents: [String], proposal: Proposal)
    case failed(reason: String, proposal: Proposal)

    public var proposal: Proposal {
        switch self {
        case .child(_, _, let proposal), .failed(_, let proposal): proposal
        }
    }
}

/// How a child did, told back to the proposer (an adaptive proposer learns which model pays).
public struct ProposalFeedback: Sendable {
    public var proposal: Proposal
    public var outcome: Attempt.Outcome
    /// Child score minus parent score, when the child was evaluated.
    public var scoreChange: Double?

    public init(proposal: Proposal, outcome: Attempt.Outcome, scoreChange: Double?) {
        self.proposal = proposal
        self.outcome = outcome
        self.scoreChange = scoreChange
    }
}

/// A child's confirmed verdict against its parent, told back to the proposer once it is final: after the
/// child's race, or at its first evaluation when it is not raced (a child that is not a contender, or
/// did not evaluate, has no gain). Unlike `ProposalFeedback` it never rests on a single lucky score.
public struct ConfirmedVerdict: Sendable, Equatable {
    public var proposal: Proposal
    public var child: String
    public var parent: String
    /// Whether the child beats its parent under the racing rule (its mean over the race against the
    /// parent's mean).
    public var improved: Bool
    /// The child's mean minus the parent's when it improved, else 0.
    public var gain: Double

    public init(proposal: Proposal, child: String, parent: String, improved: Bool, gain: Double) {
        self.proposal = proposal
        self.child = child
        self.parent = parent
        self.improved = improved
        self.gain = gain
    }
}

/// A child whose own build failed (the compiler's errors, or the source policy's refusal), offered back to
/// the proposer that made it for one repair round before the lineage moves on: a compile error is the
/// likeliest waste of a proposal, and the model that wrote the code is the one best placed to fix it.
public struct BuildRepairRequest: Sendable {
    /// What the child was proposed from (its parent, the brief): the same context as the first proposal.
    public var context: ProposalContext
    /// The child's files as they failed to build.
    public var files: [String: String]
    /// The child's parents, kept by the repaired child (it replaces the broken one, it does not descend from it).
    public var parents: [String]
    /// What the broken child tried and cost.
    public var proposal: Proposal
    /// The build's headline (`compile failed (exit code 1)`).
    public var headline: String
    /// The compiler's errors (`kernel.swift:14:5: error: …`) or the policy's refusals, file-relative: the
    /// candidate build's output, to be quoted as data, never as instructions.
    public var errors: [String]

    public init(context: ProposalContext, files: [String: String], parents: [String], proposal: Proposal, headline: String, errors: [String]) {
        self.context = context
        self.files = files
        self.parents = parents
        self.proposal = proposal
        self.headline = headline
        self.errors = errors
    }
}

/// Makes a child program from a parent: the seam between the loop and where changes come from (an LLM
/// over HTTP, or the offline mutator when no endpoint is configured).
///
/// ```swift
/// switch try await proposer.propose(ProposalContext(parent: parent, inspirations: others, brief: brief, seed: 7)) {
/// case .child(let files, let parents, let proposal): store.add(Program(files: files, parents: parents, proposal: proposal))
/// case .failed(let reason, _): print("no child:", reason)
/// }
/// ```
///
/// `propose` throws only when the proposer cannot work at all (the endpoint is down past its retries,
/// the budget is spent): the loop backs off and, after a configured outage, stops. A bad answer is a
/// `.failed` result.
public protocol Proposer: Sendable {
    func propose(_ context: ProposalContext) async throws -> ProposalResult
    /// One repair round for a child of this proposer whose build failed: a corrected child (its
    /// `Proposal` counts only the repair's own calls), `.failed` with the reason, or nil when this
    /// proposer does not repair (the default: the offline mutator's edits are not a conversation).
    func repairBuild(_ request: BuildRepairRequest) async throws -> ProposalResult?
    /// Learns from a child's result; default: nothing.
    func observe(_ feedback: ProposalFeedback) async
    /// Learns from a child's confirmed verdict (after its race); default: nothing.
    func observeConfirmed(_ verdict: ConfirmedVerdict) async
    /// State to keep across a resume (e.g. a bandit's counts), stored by the loop in the run database.
    func snapshot() async -> Data?
    func restore(_ snapshot: Data) async throws
}

extension Proposer {
    public func repairBuild(_ request: BuildRepairRequest) async throws -> ProposalResult? { nil }
    public func observe(_ feedback: ProposalFeedback) async {}
    public func observeConfirmed(_ verdict: ConfirmedVerdict) async {}
    public func snapshot() async -> Data? { nil }
    public func restore(_ snapshot: Data) async throws {}
}
