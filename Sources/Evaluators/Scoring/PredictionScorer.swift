import EvolveCore
import Foundation

/// Scores a candidate's `out/predictions.jsonl` against labels that never left the evaluator.
/// Anything malformed scores 0 for that query and is explained in `problems`.
///
/// Every token is checked against `[0, vocabSize)` here, before any benchmark's verifier sees it, so a
/// verifier may do arithmetic on tokens. What scoring costs is bounded by the number of queries, never
/// by what the candidate wrote: lines past `maxLines` are not read, a line longer than `maxLineBytes`
/// is not parsed, and `CandidateOutput` refuses a file larger than `maxFileBytes`.
public struct PredictionScorer: Sendable {
    /// Decides whether an output answers an example (any valid answer counts, not only the stored label).
    /// It only sees outputs of the label's length whose tokens are all in `[0, vocabSize)`.
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

        public init(exactAccuracy: Double, tokenAccuracy: Double, answered: Int, problems: [String]) {
            self.exactAccuracy = exactAccuracy
            self.tokenAccuracy = tokenAccuracy
            self.answered = answered
            self.problems = problems
        }
    }

    // MARK: - Bounds derived from the queries

    /// The longest prediction line worth parsing: an id, the keys, and every token of every attempt
    /// written as a 20-digit number with a separator, plus room for whitespace.
    public func maxLineBytes(expected: [TokenExample]) -> Int {
        let tokens = expected.map(\.label.count).max() ?? 0
        return 512 + attempts * tokens * 24
    }

    /// The largest predictions file read at all: a full line per query and as much again.
    public func maxFileBytes(expected: [TokenExample]) -> Int {
        max(1, expected.count) * 2 * maxLineBytes(expected: expected)
    }

    /// Lines read before scoring stops: each query's answer, a few repeats, and some slack.
    public func maxLines(expected: [TokenExample]) -> Int {
        expected.count * 4 + 16
    }

    // MARK: - Scoring

    /// Scores newline-separated prediction lines. The evaluator passes the task's `vocabSize`; without
    /// one (tests of a verifier) tokens need only lie in `[0, 2^31)`, where no verifier arithmetic overflows.
    public func score(predictionsText: String, expected: [TokenExample], vocabSize: Int? = nil) -> Report {
        var tally = Tally(scorer: self, expected: expected, vocabSize: vocabSize)
        for line in predictionsText.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard tally.add(line: line) else { break }
        }
        return tally.report()
    }

    /// Scoring one line at a time, so the caller can stream a file: `add` returns false once enough
    /// lines were read.
    public struct Tally {
        let scorer: PredictionScorer
        let expected: [TokenExample]
        let byId: [String: TokenExample]
        let vocabSize: Int
        let maxLineBytes: Int
        let maxLines: Int
        private var outputs: [String: [[Int]]] = [:]
        private var problems: [String] = []
        private var lineNumber = 0
        private var stopped = false

        public init(scorer: PredictionScorer, expected: [TokenExample], vocabSize: Int? = nil) {
            self.scorer = scorer
            self.expected = expected
            // Unique by construction in every generator; the first wins if not.
            byId = Dictionary(expected.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            self.vocabSize = vocabSize ?? Int(Int32.max)
            maxLineBytes = scorer.maxLineBytes(expected: expected)
            maxLines = scorer.maxLines(expected: expected)
        }

        mutating func note(_ problem: String) {
            if problems.count < 20 { problems.append(problem) }
        }

        /// Notes a problem found outside the lines (a refused file, a read error).
        public mutating func refuse(_ problem: String) { note(problem) }

        /// Scores one line (without its newline); false when no further line will be read.
        @discardableResult
        public mutating func add<Line: Collection<UInt8>>(line: Line) -> Bool {
            guard !stopped else { return false }
            lineNumber += 1
            if lineNumber > maxLines {
                note("predictions.jsonl: stopped reading after \(maxLines) lines (\(expected.count) queries); write one line per query")
                stopped = true
                return false
            }
            if line.isEmpty || line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return true }
            let where_ = "predictions.jsonl line \(lineNumber)"
            guard line.count <= maxLineBytes else {
                note("\(where_): \(line.count) bytes, more than a prediction can need (\(maxLineBytes)); not read")
                return true
            }
            let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any]
            let offered = (object?["attempts"] as? [[Int]]) ?? (object?["output"] as? [Int]).map { [$0] }
            guard let object, let id = object["id"] as? String, let offered, !offered.isEmpty else {
                note("\(where_): not {\"id\": String, \"output\": [Int]} (or \"attempts\": [[Int]]) with integer tokens")
                return true
            }
            let quoted = Artifacts.quote(id)
            guard let example = byId[id] else {
                note("\(where_): unknown id \(quoted)")
                return true
            }
            guard outputs[id] == nil else {
                note("\(where_): duplicate id \(quoted) (the first answer counts)")
                return true
            }
            if offered.count > scorer.attempts {
                note("\(where_): id \(quoted) offers \(offered.count) attempts; only the first \(scorer.attempts) count")
            }
            let counted = Array(offered.prefix(scorer.attempts))
            if let bad = counted.first(where: { $0.count != example.label.count }) {
                note("\(where_): id \(quoted) has \(bad.count) tokens, expected \(example.label.count)")
                outputs[id] = []
                return true
            }
            // The one range check for every benchmark: verifiers may compute with tokens after this.
            if let bad = counted.lazy.flatMap({ $0 }).first(where: { $0 < 0 || $0 >= vocabSize }) {
                note("\(where_): id \(quoted) has token \(bad), outside [0, \(vocabSize))")
                outputs[id] = []
                return true
            }
            outputs[id] = counted
            return true
        }

        public func report() -> Report {
            var problems = problems
            var exact = 0, tokens = 0, tokenTotal = 0, answered = 0
            for example in expected {
                tokenTotal += example.label.count
                guard let offered = outputs[example.id], let first = offered.first else { continue }
                answered += 1
                if offered.contains(where: { scorer.verifier(example, $0) }) { exact += 1 }
                tokens += zip(first, example.label).filter { $0 == $1 }.count
            }
            let missing = expected.count - outputs.count
            if missing > 0 && problems.count < 21 { problems.append("\(missing) of \(expected.count) queries have no prediction (scored 0)") }
            return Report(
                exactAccuracy: expected.isEmpty ? 0 : Double(exact) / Double(expected.count),
                tokenAccuracy: tokenTotal == 0 ? 0 : Double(tokens) / Double(tokenTotal),
                answered: answered, problems: problems)
        }
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
