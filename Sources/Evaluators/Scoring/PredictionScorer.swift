import EvolveCore
import Foundation

/// Scores a candidate's `out/predictions.jsonl` against labels that never left the evaluator.
/// Anything malformed scores 0 for that query and is explained in `problems`.
public struct PredictionScorer: Sendable {
    /// Decides whether an output answers an example (any valid answer counts, not only the stored label).
    public typealias Verifier = @Sendable (_ example: TokenExample, _ output: [Int]) -> Bool

    public let verifier: Verifier
    /// Answers a query may offer (`"attempts": [[Int], …]` instead of `"output"`); it is exact when any
    /// of the first `attempts` is right — ARC's pass@2. Token accuracy uses the first attempt.
    public let attempts: Int

    public init(attempts: Int = 1, verifier: @escaping Verifier) {
        precondition(attempts >= 1, "a scorer needs at least one attempt")
        self.attempts = attempts
        self.verifier = verifier
    }

    /// Exact match with the stored label.
    public static let exactLabel = PredictionScorer { example, output in output == example.label }

    public struct Report: Sendable {
        public var exactAccuracy: Double
        public var tokenAccuracy: Double
        public var answered: Int
        /// One line per problem (capped), for the next prompt's artifacts.
        public var problems: [String]
    }

    public func score(predictionsText: String, expected: [TokenExample]) -> Report {
        let byId = Dictionary(uniqueKeysWithValues: expected.map { ($0.id, $0) })
        var outputs: [String: [[Int]]] = [:]
        var problems: [String] = []
        func note(_ problem: String) { if problems.count < 20 { problems.append(problem) } }
        for (index, line) in predictionsText.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            let offered = (object?["attempts"] as? [[Int]]) ?? (object?["output"] as? [Int]).map { [$0] }
            guard let object, let id = object["id"] as? String, let offered, !offered.isEmpty else {
                note("predictions.jsonl line \(index + 1): not {\"id\": String, \"output\": [Int]} (or \"attempts\": [[Int]])")
                continue
            }
            guard let example = byId[id] else {
                note("predictions.jsonl line \(index + 1): unknown id \"\(id)\"")
                continue
            }
            guard outputs[id] == nil else {
                note("predictions.jsonl line \(index + 1): duplicate id \"\(id)\" (the first answer counts)")
                continue
            }
            if offered.count > attempts {
                note("predictions.jsonl line \(index + 1): id \"\(id)\" offers \(offered.count) attempts; only the first \(attempts) count")
            }
            let counted = Array(offered.prefix(attempts))
            if let bad = counted.first(where: { $0.count != example.label.count }) {
                note("predictions.jsonl line \(index + 1): id \"\(id)\" has \(bad.count) tokens, expected \(example.label.count)")
                outputs[id] = []
                continue
            }
            outputs[id] = counted
        }
        var exact = 0, tokens = 0, tokenTotal = 0, answered = 0
        for example in expected {
            tokenTotal += example.label.count
            guard let offered = outputs[example.id], let first = offered.first else { continue }
            answered += 1
            if offered.contains(where: { verifier(example, $0) }) { exact += 1 }
            tokens += zip(first, example.label).filter { $0 == $1 }.count
        }
        let missing = expected.count - outputs.count
        if missing > 0 { note("\(missing) of \(expected.count) queries have no prediction (scored 0)") }
        return Report(
            exactAccuracy: expected.isEmpty ? 0 : Double(exact) / Double(expected.count),
            tokenAccuracy: tokenTotal == 0 ? 0 : Double(tokens) / Double(tokenTotal),
            answered: answered, problems: problems)
    }
}

extension SudokuBenchmark {
    /// Any valid completion consistent with the givens is right.
    public var scorer: PredictionScorer {
        let verifier = SudokuVerifier(boxRows: boxRows, boxColumns: boxColumns)
        return PredictionScorer { example, output in
            let givens = example.input.map { $0 <= 1 ? 0 : $0 - 1 }
            return verifier.isValidCompletion(puzzle: givens, answer: output.map { $0 - 1 })
        }
    }
}
