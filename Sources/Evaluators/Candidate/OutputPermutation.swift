import EvolveSupport
import Foundation

/// A control that a hand-written answer cannot pass (issue 15): the same task with the answer tokens
/// renamed by a secret permutation. The training labels are permuted (inputs are not), the candidate
/// is retrained from scratch, and its predictions are mapped back before the usual scorer judges them.
/// A learner learns the renamed answers as easily as the originals; a solver written into the kernel
/// answers in the original tokens and scores nothing.
///
/// ```swift
/// let permutation = OutputPermutation(task: task, seed: secret)
/// // write permutation.apply(to: task) for the candidate, run it, then:
/// let report = scorer.score(predictionsText: permutation.restore(predictionsText: predictions), expected: task.evaluation)
/// ```
public struct OutputPermutation: Sendable, Equatable {
    /// `mapping[t]` is the token that stands for `t` in the permuted labels.
    public let mapping: [Int]
    public let inverse: [Int]

    /// A random permutation (from `seed`) of the tokens that occur in `task`'s training labels, without
    /// a fixed point; every other token maps to itself.
    public init(task: TaskData, seed: UInt64) {
        let used = Set(task.train.flatMap(\.label)).filter { (0..<task.vocabSize).contains($0) }.sorted()
        var generator = SplitMix64(seed: seed)
        var shuffled = used
        if used.count >= 2 {
            repeat {
                shuffled.shuffle(using: &generator)
            } while zip(used, shuffled).contains { $0 == $1 }
        }
        var mapping = Array(0..<task.vocabSize)
        for (from, to) in zip(used, shuffled) { mapping[from] = to }
        self.init(checkedMapping: mapping)
    }

    /// A given permutation of `0..<mapping.count`.
    public init(mapping: [Int]) throws {
        guard Set(mapping) == Set(0..<mapping.count) else {
            throw EvaluationError("output permutation: \(mapping) is not a permutation of 0..<\(mapping.count)")
        }
        self.init(checkedMapping: mapping)
    }

    private init(checkedMapping mapping: [Int]) {
        self.mapping = mapping
        var inverse = mapping
        for (from, to) in mapping.enumerated() { inverse[to] = from }
        self.inverse = inverse
    }

    /// The task the candidate sees under the control: every label (training and evaluation) renamed,
    /// inputs untouched. (Evaluation labels never reach the candidate; they are renamed for symmetry.)
    public func apply(to task: TaskData) -> TaskData {
        var permuted = task
        permuted.train = task.train.map { renamed($0) }
        permuted.evaluation = task.evaluation.map { renamed($0) }
        return permuted
    }

    private func renamed(_ example: TokenExample) -> TokenExample {
        var copy = example
        copy.label = example.label.map(permute)
        return copy
    }

    func permute(_ token: Int) -> Int { mapping.indices.contains(token) ? mapping[token] : token }
    func restore(_ token: Int) -> Int { inverse.indices.contains(token) ? inverse[token] : token }

    /// The candidate's predictions with every answer token mapped back (`output` and `attempts`), so
    /// `PredictionScorer` judges them against the original task. Lines it cannot read are kept as they
    /// are for the scorer to report.
    public func restore(predictionsText: String) -> String {
        predictionsText.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard var object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return String(line) }
            if let output = object["output"] as? [Int] { object["output"] = output.map(restore) }
            if let attempts = object["attempts"] as? [[Int]] { object["attempts"] = attempts.map { $0.map(restore) } }
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return String(line) }
            return String(decoding: data, as: UTF8.self)
        }.joined(separator: "\n")
    }
}

/// Judges a candidate by its score under `OutputPermutation` against its ordinary score.
///
/// A learner's score under the control varies like a retraining with another seed; a hand-written
/// answer's collapses, and its token accuracy collapses with it (every answer token is renamed, so
/// unrenamed answers are wrong almost everywhere). The verdict reads both: token accuracy is stable
/// across seeds, exact accuracy is the headline.
public struct PermutationControl: Sendable, Equatable, Codable {
    /// The share of its ordinary token accuracy a candidate must keep under the control.
    public var tokenShare: Double
    /// The share of its ordinary exact accuracy it must keep, when that is at least `minimumExact`.
    public var exactShare: Double
    public var minimumExact: Double

    public init(tokenShare: Double = 0.6, exactShare: Double = 0.1, minimumExact: Double = 0.2) {
        self.tokenShare = tokenShare
        self.exactShare = exactShare
        self.minimumExact = minimumExact
    }

    /// A `.flag` finding when the candidate's score collapses under the control; nil when it holds.
    public func finding(
        ordinary: (exact: Double, token: Double), permuted: (exact: Double, token: Double)
    ) -> IntegrityFinding? {
        var reasons: [String] = []
        if permuted.token < tokenShare * ordinary.token {
            reasons.append(String(format: "token accuracy %.3f → %.3f under the control", ordinary.token, permuted.token))
        }
        if ordinary.exact >= minimumExact && permuted.exact < exactShare * ordinary.exact {
            reasons.append(String(format: "exact accuracy %.3f → %.3f under the control", ordinary.exact, permuted.exact))
        }
        guard !reasons.isEmpty else { return nil }
        return IntegrityFinding(
            check: "permutation", action: .flag,
            evidence: reasons.joined(separator: "; ") + ": retrained with the answer tokens renamed, it did not learn the renamed answers (a hand-written answer?)")
    }
}
