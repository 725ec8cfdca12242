/// The kernel's `predict` run over a list of examples, batch by batch, as its own metered phase: used
/// for the eval queries and for the probes of the training curve alike, so the two measure the same
/// thing.
enum Answering {
    /// What a phase of answering produced.
    struct Result {
        /// Per answered example, in order: one answer, or two attempts (ARC's pass@2).
        var attempts: [[[Int]]]
        /// False when an op crossed the meter's budget: the examples after `attempts` went unanswered.
        var completed: Bool
        /// Logits of the wrong shape: the protocol is broken, the run fails with this message.
        var failure: String?
    }

    /// Answers `examples[indices]` with a copy of `kernel` on a non-recording tape metered by `meter`.
    /// The op that would cross the meter's budget ends the phase; the meter is closed afterwards, so a
    /// tape the kernel kept for later ends the run when it is used.
    static func answer<K: TRMKernel>(
        _ kernel: K, examples: [Example], indices: [Int], task: TaskInfo, batchSize: Int, meter: FLOPMeter
    ) -> Result {
        let tape = Tape(meter: meter)
        tape.stopRecording()
        var attempts: [[[Int]]] = []
        var failure: String?
        let completed = MeteredPhase.run(meter: meter) {
            var predictor = kernel
            for start in stride(from: 0, to: indices.count, by: batchSize) {
                let batchIndices = Array(indices[start..<min(start + batchSize, indices.count)])
                let logits = predictor.predict(Batch(examples, indices: batchIndices, seqLen: task.seqLen, withLabels: false), tape: tape)
                let rows = batchIndices.count * task.seqLen
                guard logits.shape.last == task.vocabSize, logits.count == rows * task.vocabSize || logits.count == 2 * rows * task.vocabSize else {
                    failure = "kernel.predict returned logits of shape \(logits.shape); expected [\(rows), \(task.vocabSize)] (batch × seq_len rows, vocab_size columns), or [2, \(rows), \(task.vocabSize)] for two attempts"
                    return
                }
                let answers = logits.argmaxLastAxis()
                let count = answers.count / rows
                for offset in batchIndices.indices {
                    attempts.append((0..<count).map { a in
                        Array(answers[(a * rows + offset * task.seqLen)..<(a * rows + (offset + 1) * task.seqLen)])
                    })
                }
            }
        }
        meter.closedMessage = "an op ran on a prediction tape after its phase ended (a kernel may use the tape it is given only inside that predict call)"
        return Result(attempts: attempts, completed: completed, failure: failure)
    }
}

/// One probe of the training curve: the kernel's full `predict`, with the EMA weights of the last
/// completed step, on a fixed sample of training examples, scored here against their labels. A kernel
/// cannot forge it (it never sees the scoring) and it measures what validation measures.
package struct Probe: Sendable, Equatable {
    /// Optimiser steps completed when the probe ran.
    package let step: Int
    /// Training FLOPs spent when the probe ran.
    package let trainFLOPs: Int64
    package let examples: Int
    /// Examples answered before the probe's budget ran out.
    package let answered: Int
    /// Examples answered entirely right (either attempt).
    package let right: Int
    /// What the probe cost, on its own meter (not the training budget), the crossing op included.
    package let flops: Int64
    package let ops: Int64
    package let denseFLOPs: Int64

    package var exact: Double { examples > 0 ? Double(right) / Double(examples) : 0 }

    /// The same `take` training examples for every probe of a run: a shuffle seeded from the run's seed,
    /// of the examples not marked `augmented` (all of them when every one is).
    ///
    /// Symmetric copies are left out because the queries are never copies, and the two need not be alike:
    /// the Sudoku generator's solutions are all one grid up to relabelling digits, which rows, columns and
    /// transposition break, so an honest HRM answered 0.67 of 9×9 queries but 0.125 of a sample that was
    /// three quarters copies (issue 24). Probing what validation draws from keeps an honest kernel's gap
    /// at sampling noise.
    static func sample(from examples: [Example], take: Int, seed: UInt64) -> [Int] {
        let originals = examples.indices.filter { !examples[$0].augmented }
        var rng = SeededRNG(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        var order = originals.isEmpty ? Array(examples.indices) : originals
        order.shuffle(using: &rng)
        return Array(order.prefix(take)).sorted()
    }

    /// A probe's budget: the eval budget's share per query, for each sampled example (at least one
    /// FLOP), so a kernel whose `predict` fits the eval budget fits a probe too.
    static func budget(evalFLOPs: Int64, queries: Int, sample: Int) -> Int64 {
        let perQuery = evalFLOPs / Int64(max(1, queries))
        let (product, overflow) = perQuery.multipliedReportingOverflow(by: Int64(sample))
        return max(1, overflow ? Int64.max / 2 : product)
    }
}
