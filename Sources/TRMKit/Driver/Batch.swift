/// Token ids a kernel can feed to TRMKit's ops but not read: a batch's inputs or puzzle ids.
///
/// They reach the model through `tape.embedding(table, ids:)`, metered; a kernel cannot turn them back into Swift numbers, so it cannot solve a puzzle off the
/// meter (docs/candidate-protocol.md). A kernel may build its own ids (positions, fixed patterns).
///
/// ```swift
/// let x = tape.embedding(tokenEmbedding, ids: batch.inputs)                    // [B·L, D]
/// let p = tape.embedding(puzzleEmbedding, ids: batch.puzzles.repeated(prefix))  // [B·prefix, D]
/// ```
public struct Tokens {
    package let ids: [Int]
    /// Ids per example (seq_len for inputs and labels, 1 for puzzle ids).
    public let width: Int

    /// Ids of the kernel's own making, `width` per example.
    public init(_ ids: [Int], width: Int) {
        precondition(width > 0 && ids.count % width == 0, "Tokens: \(ids.count) ids do not split into rows of \(width)")
        self.ids = ids
        self.width = width
    }

    /// All ids, `width` per example.
    public var count: Int { ids.count }
    /// How many examples (rows of `width` ids).
    public var examples: Int { ids.count / width }

    /// Each id `times` times in a row, so each example is `times` times wider: a puzzle id for every
    /// position of a puzzle-embedding prefix.
    public func repeated(_ times: Int) -> Tokens {
        precondition(times > 0, "Tokens.repeated: times must be positive, got \(times)")
        return Tokens(ids.flatMap { Array(repeating: $0, count: times) }, width: width * times)
    }
}

extension Tokens: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Tokens(\(examples) × \(width))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// A training batch's answers: a type of their own, accepted only by the losses
/// (`softmaxCrossEntropy`, `stableMaxCrossEntropy`) and `tape.exactMatch`.
///
/// Labels are not `Tokens`: no embedding, no arithmetic, no way back to ids. Had they been tokens, a
/// kernel could embed them and feed the answer to its own logits, and a training curve computed from
/// those logits would read 1.0 (issue 24, class 5). What a kernel learns from labels it learns through
/// a loss's gradient.
public struct Labels {
    package let ids: [Int]
    /// Ids per example (seq_len).
    public let width: Int

    package init(_ ids: [Int], width: Int) {
        precondition(width > 0 && ids.count % width == 0, "Labels: \(ids.count) ids do not split into rows of \(width)")
        self.ids = ids
        self.width = width
    }

    /// All answers, `width` per example (a shape, not a value).
    public var count: Int { ids.count }
    /// How many examples (rows of `width` answers).
    public var examples: Int { ids.count / width }
}

extension Labels: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Labels(\(examples) × \(width))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Examples of the task, as opaque token ids: training batches come from the trainer's stream
/// (`trainer.next(_:)`, `trainer.slots(_:)`) with labels; prediction batches come without.
public struct Batch {
    public let size: Int
    public let seqLen: Int
    /// [size × seqLen] input tokens.
    public let inputs: Tokens
    /// [size × seqLen] answer tokens; nil in `predict`.
    public let labels: Labels?
    /// [size] puzzle ids (width 1), for the puzzle-embedding prefix.
    public let puzzles: Tokens
    /// Which examples these are (indices into the training data, or into the queries).
    package let exampleIndices: [Int]

    package init(_ examples: [Example], indices: [Int], seqLen: Int, withLabels: Bool) {
        size = indices.count
        self.seqLen = seqLen
        exampleIndices = indices
        inputs = Tokens(indices.flatMap { examples[$0].input }, width: seqLen)
        labels = withLabels ? Labels(indices.flatMap { examples[$0].label ?? [] }, width: seqLen) : nil
        puzzles = Tokens(indices.map { examples[$0].puzzle ?? 0 }, width: 1)
    }
}

extension Batch: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Batch(\(size) × \(seqLen)\(labels == nil ? "" : ", labelled"))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
