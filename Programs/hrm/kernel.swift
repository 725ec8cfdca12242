// The seed Hierarchical Reasoning Model (HRM, Wang et al. 2025), TRM's predecessor, so the first
// population is not a monoculture.
//
// Two networks at two frequencies: a low-level L updated every step and a high-level H updated once
// every `lCycles` L-steps. Gradients use HRM's one-step approximation: only the final L and H updates
// are differentiated; everything before runs without gradients. Training follows HRM's code (adaptive
// computation time with a carried state): a batch of slots, each carrying its example's (zH, zL),
// detached, across optimiser steps until a halting head on zH says the answer is complete.
import TRMKit

// EVOLVE-BLOCK-START hyperparameters
enum Hyper {
    static let hidden = 64
    static let layersPerNetwork = 1     // blocks in each of L and H
    static let expansion: Float = 4
    static let hCycles = 2              // H updates per supervision step
    static let lCycles = 2              // L updates per H update
    static let nSup = 6
    static let haltExploration: Float = 0.1
    static let puzzlePrefix = 1
    static let batchSize = 64           // examples trained on at once (slots)
    static let learningRate: Float = 3e-3
    static let warmupSteps = 40
    static let weightDecay: Float = 0.1
    static let emaDecay: Float = 0.98
}
// EVOLVE-BLOCK-END

// EVOLVE-BLOCK-START block
/// Post-norm block with an MLP over the sequence as the mixer.
struct Block: Module {
    let mixer: SequenceMLP
    let mlp: SwiGLUMLP

    init(length: Int, rng: inout SeededRNG) {
        mixer = SequenceMLP(length: length, expansion: Hyper.expansion, rng: &rng)
        mlp = SwiGLUMLP(width: Hyper.hidden, expansion: Hyper.expansion, rng: &rng)
    }

    var parameters: [Tensor] { mixer.parameters + mlp.parameters }

    func callAsFunction(_ h: Tensor, _ tape: Tape) -> Tensor {
        let h1 = tape.rmsNorm(tape.add(h, mixer(h, tape)))
        return tape.rmsNorm(tape.add(h1, mlp(h1, tape)))
    }
}
// EVOLVE-BLOCK-END

/// A stack of blocks applied to h + injection.
struct Network: Module {
    let blocks: [Block]

    init(length: Int, rng: inout SeededRNG) {
        var blocks: [Block] = []
        for _ in 0..<Hyper.layersPerNetwork { blocks.append(Block(length: length, rng: &rng)) }
        self.blocks = blocks
    }

    var parameters: [Tensor] { blocks.flatMap(\.parameters) }

    func callAsFunction(_ h: Tensor, _ injection: Tensor, _ tape: Tape) -> Tensor {
        blocks.reduce(tape.add(h, injection)) { $1($0, tape) }
    }
}

struct HierarchicalReasoningModel: TRMKernel {
    let task: TaskInfo
    let length: Int
    let tokenEmbedding: Tensor
    let puzzleEmbedding: Tensor
    let hInit: Tensor, lInit: Tensor
    let low: Network, high: Network
    let outputHead: Linear
    let haltHead: Linear

    init(task: TaskInfo, rng: inout SeededRNG) {
        self.task = task
        let d = Hyper.hidden
        length = Hyper.puzzlePrefix + task.seqLen
        tokenEmbedding = .parameter([task.vocabSize, d], std: 1 / Float(d).squareRoot(), rng: &rng)
        puzzleEmbedding = Tensor(zeros: [task.numPuzzleIds, d], requiresGrad: true)
        hInit = Tensor(shape: [d], data: (0..<d).map { _ in rng.truncatedNormal(std: 1) })
        lInit = Tensor(shape: [d], data: (0..<d).map { _ in rng.truncatedNormal(std: 1) })
        low = Network(length: length, rng: &rng)
        high = Network(length: length, rng: &rng)
        outputHead = Linear(d, task.vocabSize, rng: &rng)
        haltHead = Linear(d, 1, bias: -5, std: 0, rng: &rng)  // start by never halting
    }

    var parameters: [Tensor] {
        [tokenEmbedding, puzzleEmbedding] + low.parameters + high.parameters + outputHead.parameters + haltHead.parameters
    }

    var settings: TrainingSettings {
        TrainingSettings(
            learningRate: Hyper.learningRate, warmupSteps: Hyper.warmupSteps, weightDecay: Hyper.weightDecay,
            emaDecay: Hyper.emaDecay)
    }

    var report: [String: Double] {
        [
            "hidden": Double(Hyper.hidden), "layers": Double(2 * Hyper.layersPerNetwork),
            "T": Double(Hyper.hCycles), "n": Double(Hyper.lCycles), "n_sup": Double(Hyper.nSup),
            "effective_depth": Double(Hyper.hCycles * (Hyper.lCycles + 1) * Hyper.layersPerNetwork),
        ]
    }

    func embed(_ batch: Batch, _ tape: Tape) -> Tensor {
        let d = Hyper.hidden
        let tokens = tape.scale(tape.embedding(tokenEmbedding, ids: batch.inputs), Float(d).squareRoot())
        let puzzle = tape.embedding(puzzleEmbedding, ids: batch.puzzles.repeated(Hyper.puzzlePrefix))
        return tape.concat(
            [tape.reshape(puzzle, [batch.size, Hyper.puzzlePrefix, d]), tape.reshape(tokens, [batch.size, task.seqLen, d])],
            axis: 1)
    }

    func initialCarry(_ size: Int, _ tape: Tape) -> (zH: Tensor, zL: Tensor) {
        let zeros = Tensor(zeros: [size, length, Hyper.hidden])
        return (tape.add(zeros, hInit), tape.add(zeros, lInit))
    }

    // EVOLVE-BLOCK-START recursion
    /// One supervision step of HRM: all but the last L and H updates without gradients.
    func reason(x: Tensor, zH: Tensor, zL: Tensor, _ tape: Tape) -> (zH: Tensor, zL: Tensor, logits: Tensor, qHalt: Tensor) {
        var (zH, zL) = (zH, zL)
        tape.withoutGradients {
            for step in 0..<(Hyper.hCycles * Hyper.lCycles - 1) {
                zL = low(zL, tape.add(zH, x), tape)
                if (step + 1) % Hyper.lCycles == 0 { zH = high(zH, zL, tape) }
            }
        }
        zL = low(zL, tape.add(zH, x), tape)   // one-step gradient: the last L update…
        zH = high(zH, zL, tape)               // …and the last H update
        let answer = tape.slice(zH, axis: 1, start: Hyper.puzzlePrefix, length: task.seqLen)
        let logits = tape.reshape(outputHead(answer, tape), [zH.shape[0] * task.seqLen, task.vocabSize])
        let first = tape.reshape(tape.slice(zH, axis: 1, start: 0, length: 1), [zH.shape[0], Hyper.hidden])
        return (zH, zL, logits, tape.reshape(haltHead(first, tape), [zH.shape[0]]))
    }
    // EVOLVE-BLOCK-END

    // EVOLVE-BLOCK-START supervision
    /// Adaptive computation time as in HRM's code: every optimiser step is one supervision step over a
    /// batch of slots; each slot carries its example's (zH, zL) until the halting head says "done"
    /// (q_halt > 0, after a random minimum now and then) or N_sup steps have run, then takes a new
    /// example with a fresh carry.
    mutating func train(_ trainer: Trainer) {
        let tape = trainer.tape
        let slots = trainer.slots(Hyper.batchSize)
        var (zH, zL) = initialCarry(slots.count, tape)
        while !trainer.isOutOfBudget {
            (zH, zL) = (tape.select(slots.fresh, hInit, zH), tape.select(slots.fresh, lInit, zL))
            let batch = slots.batch
            let out = reason(x: embed(batch, tape), zH: zH, zL: zL, tape)
            let correct = tape.exactMatch(out.logits, labels: batch.labels!)
            let loss = tape.add(
                tape.stableMaxCrossEntropy(out.logits, labels: batch.labels!),
                tape.scale(tape.binaryCrossEntropyWithLogits(out.qHalt, targets: correct), 0.5))
            trainer.step(loss: loss)
            (zH, zL) = (tape.detach(out.zH), tape.detach(out.zL))
            slots.refill(halting: out.qHalt, maxSteps: Hyper.nSup, exploration: Hyper.haltExploration)
        }
    }

    /// At evaluation every supervision step runs; the last answer counts.
    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
        var (zH, zL) = initialCarry(batch.size, tape)
        let x = embed(batch, tape)
        var logits = Tensor(zeros: [1, 1])
        for _ in 0..<Hyper.nSup {
            let out = reason(x: x, zH: zH, zL: zL, tape)
            (zH, zL, logits) = (out.zH, out.zL, out.logits)
        }
        return logits
    }
    // EVOLVE-BLOCK-END
}

@main
struct Program {
    static func main() {
        TRMDriver.main(HierarchicalReasoningModel.self)
    }
}
