/// What to evaluate a program on: the split, and the training seed of this one evaluation (weight
/// initialisation, batch order). The data seed that generates the splits belongs to the run and is set
/// when the evaluator is made; the candidate sees only the training seed.
public struct EvaluationRequest: Sendable, Equatable {
    public var split: Split
    public var trainingSeed: UInt64
    /// When set, the control run: the answer tokens are renamed by a secret permutation drawn from this
    /// seed (training labels renamed, predictions mapped back before scoring). A learner adapts; an
    /// answer written into the program does not. Evaluators without tokens ignore it.
    public var permutationSeed: UInt64?

    public init(split: Split = .validation, trainingSeed: UInt64 = 1, permutationSeed: UInt64? = nil) {
        self.split = split
        self.trainingSeed = trainingSeed
        self.permutationSeed = permutationSeed
    }
}

/// Scores a program: the seam between the evolution loop and what a score means (TRM benchmarks
/// trained under a FLOP budget, or a user's command). The benchmarks and budgets are fixed when the
/// evaluator is made, from the run's configuration, never from the candidate's own files.
///
/// ```swift
/// let report = try await evaluator.evaluate(child, EvaluationRequest(split: .validation, trainingSeed: 7))
/// if report.outcome == .evaluated { print(report.metrics!.combinedScore) }
/// ```
///
/// A candidate's fault (does not build, crashes, cheats) is a report with an outcome and artifacts;
/// `evaluate` throws only when the evaluator itself cannot work (disk full, a tool missing).
public protocol Evaluator: Sendable {
    func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void
    ) async throws -> EvaluationReport

    /// The same, asking `checkpoint` after each benchmark but the last whether to go on: a non-nil
    /// answer (the evidence) ends the evaluation there with outcome `stopped` and the benchmarks so far
    /// as its metrics. Evaluators without benchmarks (a command, a remote queue) never ask.
    func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void,
        checkpoint: EvaluationCheckpoint?
    ) async throws -> EvaluationReport

    /// Whether `EvaluationRequest.permutationSeed` means something to this evaluator (token benchmarks).
    var supportsControl: Bool { get }

    /// The interval every `combinedScore` this evaluator reports lies in, when it guarantees one (a TRM
    /// suite's exact accuracies: 0...1); nil (a command's own number) keeps every race to `repeats`.
    var scoreRange: ClosedRange<Double>? { get }

    /// Whether `Split.transfer` requests mean anything: the evaluator has benchmarks selection never
    /// sees (`transfer:` in evolve.yaml), scored only at the run's end (`TransferAssessment`).
    var supportsTransfer: Bool { get }

    /// The same evaluator with every training budget multiplied by `factor` (the scale check), or nil
    /// when it has no budgets to scale (a user command, a queue of workers).
    func scaled(by factor: Double) -> (any Evaluator)?

    /// Compares a program's ordinary metrics with its control run's: the evidence when the score
    /// collapsed under the control (the program did not learn: its answers were written in), else nil.
    func judgeControl(ordinary: Metrics, control: Metrics) -> String?

    /// The descriptors `metrics` place a program by, as its evaluation reports them: the early stop asks
    /// it of a parent's metrics cut to the benchmarks a child has measured, to learn how much the rest of
    /// the suite enlarges them. Empty when the evaluator has no per-benchmark descriptors.
    func descriptors(of metrics: Metrics) -> [String: Double]
}

extension Evaluator {
    public func evaluate(
        _ program: Program, _ request: EvaluationRequest, progress: @escaping @Sendable (String) -> Void,
        checkpoint: EvaluationCheckpoint?
    ) async throws -> EvaluationReport {
        try await evaluate(program, request, progress: progress)
    }

    public var supportsControl: Bool { false }
    public var scoreRange: ClosedRange<Double>? { nil }
    public var supportsTransfer: Bool { false }
    public func scaled(by factor: Double) -> (any Evaluator)? { nil }
    public func judgeControl(ordinary: Metrics, control: Metrics) -> String? { nil }
    public func descriptors(of metrics: Metrics) -> [String: Double] { [:] }

    public func evaluate(_ program: Program, _ request: EvaluationRequest = EvaluationRequest()) async throws -> EvaluationReport {
        try await evaluate(program, request, progress: { _ in })
    }
}

/// What an evaluation has measured at a checkpoint between its benchmarks: the exact accuracy evolve
/// scored on each benchmark done (never a number the kernel reported), the benchmarks still to run,
/// the descriptors measured so far and, for descriptors the remaining benchmarks can still enlarge, the
/// range their final value is already known to lie in (`settled`: e.g. the parameter count stage 1
/// counted on every benchmark). Together they bound the cells the child can still land in
/// (`CheckpointPlacement`).
public struct PartialEvaluation: Sendable, Equatable {
    public var scores: [String: Double]
    public var remaining: [String]
    public var descriptors: [String: Double]
    public var settled: [String: ClosedRange<Double>]

    public init(
        scores: [String: Double], remaining: [String], descriptors: [String: Double] = [:], settled: [String: ClosedRange<Double>] = [:]
    ) {
        self.scores = scores
        self.remaining = remaining
        self.descriptors = descriptors
        self.settled = settled
    }
}

/// Asked at each checkpoint; returns the evidence for stopping there, or nil to go on.
public typealias EvaluationCheckpoint = @Sendable (PartialEvaluation) async -> String?
