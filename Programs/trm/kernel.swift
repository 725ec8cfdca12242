// The seed Tiny Recursive Model (TRM, "Less is More: Recursive Reasoning with Tiny Networks", 2025).
//
// One tiny network `net` refines a latent reasoning state z and an answer y:
//   latent recursion:  z ← net(z, x + y)  n times, then  y ← net(y, z)
//   deep recursion:    T rounds of latent recursion, only the last one with gradients
//   deep supervision:  up to N_sup optimiser steps per example, carrying (y, z) detached between them,
//                      with a halting head q trained to predict "the whole answer is right".
// TRMKit's driver owns the data, the FLOP budget and the optimiser, and predicts with the EMA weights;
// the kernel sees data only through TRMKit's ops (docs/candidate-protocol.md).
import TRMKit

// EVOLVE-BLOCK-START hyperparameters
enum Hyper {
    static let hidden = 64              // D, the width of every state
    static let layers = 2               // blocks in `net` (the paper: 2 is best)
    static let useAttention = false     // false: MLP over the sequence (small fixed grids); true: attention
    static let heads = 4
    static let expansion: Float = 4     // SwiGLU hidden = round(expansion · width · 2/3)
    static let T = 1                    // deep-recursion rounds (H_cycles)
    static let n = 2                    // latent steps per round (L_cycles)
    static let nSup = 6                 // supervision steps per example (at most, in training; all, at evaluation)
    static let haltExploration: Float = 0.1
    static let puzzlePrefix = 1         // positions holding the puzzle embedding
    static let batchSize = 64
    static let learningRate: Float = 3e-3
    static let warmupSteps = 40
    static let weightDecay: Float = 0.1
    static let emaDecay: Float = 0.98
}
// EVOLVE-BLOCK-END

// EVOLVE-BLOCK-START block
/// One post-norm block: h = rms(h + mixer(h)); h = rms(h + mlp(h)).
struct Block: Module {
    let sequenceMixer: SequenceMLP?
    let attention: Attention?
    let mlp: SwiGLUMLP

    init(length: Int, rng: inout SeededRNG) {
        sequenceMixer = Hyper.useAttention ? nil : SequenceMLP(length: length, expansion: Hyper.expansion, rng: &rng)
        attention = Hyper.useAttention ? Attention(width: Hyper.hidden, heads: Hyper.heads, rng: &rng) : nil
        mlp = SwiGLUMLP(width: Hyper.hidden, expansion: Hyper.expansion, rng: &rng)
    }

    var parameters: [Tensor] {
        (sequenceMixer?.parameters ?? []) + (attention?.parameters ?? []) + mlp.parameters
    }

    func callAsFunction(_ h: Tensor, _ tape: Tape) -> Tensor {
        let mixed = sequenceMixer.map { $0(h, tape) } ?? attention!(h, tape)
        let h1 = tape.rmsNorm(tape.add(h, mixed))
        return tape.rmsNorm(tape.add(h1, mlp(h1, tape)))
    }
}
// EVOLVE-BLOCK-END

struct TinyRecursiveModel: TRMKernel {
    let task: TaskInfo
    let length: Int                 // puzzle prefix + task tokens
    let tokenEmbedding: Tensor      // [V, D]
    let puzzleEmbedding: Tensor     // [puzzles, D]
    let yInit: Tensor, zInit: Tensor  // fixed random initial answer and latent, [D]
    let blocks: [Block]
    let outputHead: Linear          // y → token logits
    let haltHead: Linear            // y at position 0 → q_halt

    init(task: TaskInfo, rng: inout SeededRNG) {
        self.task = task
        let d = Hyper.hidden
        length = Hyper.puzzlePrefix + task.seqLen
        tokenEmbedding = .parameter([task.vocabSize, d], std: 1 / Float(d).squareRoot(), rng: &rng)
        puzzleEmbedding = Tensor(zeros: [task.numPuzzleIds, d], requiresGrad: true)
        yInit = Tensor(shape: [d], data: (0..<d).map { _ in rng.truncatedNormal(std: 1) })
        zInit = Tensor(shape: [d], data: (0..<d).map { _ in rng.truncatedNormal(std: 1) })
        var blocks: [Block] = []
        for _ in 0..<Hyper.layers { blocks.append(Block(length: length, rng: &rng)) }
        self.blocks = blocks
        outputHead = Linear(d, task.vocabSize, rng: &rng)
        haltHead = Linear(d, 1, bias: -5, std: 0, rng: &rng)  // start by never halting
    }

    var parameters: [Tensor] {
        [tokenEmbedding, puzzleEmbedding] + blocks.flatMap(\.parameters) + outputHead.parameters + haltHead.parameters
    }

    var settings: TrainingSettings {
        TrainingSettings(
            learningRate: Hyper.learningRate, warmupSteps: Hyper.warmupSteps, weightDecay: Hyper.weightDecay,
            emaDecay: Hyper.emaDecay)
    }

    var report: [String: Double] {
        [
            "hidden": Double(Hyper.hidden), "layers": Double(Hyper.layers), "T": Double(Hyper.T), "n": Double(Hyper.n),
            "n_sup": Double(Hyper.nSup), "attention": Hyper.useAttention ? 1 : 0,
            "effective_depth": Double(Hyper.T * (Hyper.n + 1) * Hyper.layers),
        ]
    }

    /// x: the puzzle embedding prefix, then the tokens scaled by √D. [B, L, D]
    func embed(_ batch: Batch, _ tape: Tape) -> Tensor {
        let d = Hyper.hidden
        let tokens = tape.scale(tape.embedding(tokenEmbedding, ids: batch.inputs), Float(d).squareRoot())
        let puzzle = tape.embedding(puzzleEmbedding, ids: batch.puzzles.repeated(Hyper.puzzlePrefix))
        return tape.concat(
            [tape.reshape(puzzle, [batch.size, Hyper.puzzlePrefix, d]), tape.reshape(tokens, [batch.size, task.seqLen, d])],
            axis: 1)
    }

    /// The initial carry: the fixed buffers broadcast over the batch.
    func initialCarry(_ size: Int, _ tape: Tape) -> (y: Tensor, z: Tensor) {
        let zeros = Tensor(zeros: [size, length, Hyper.hidden])
        return (tape.add(zeros, yInit), tape.add(zeros, zInit))
    }

    /// net(h, injection) = blocks(h + injection)
    func net(_ h: Tensor, _ injection: Tensor, _ tape: Tape) -> Tensor {
        blocks.reduce(tape.add(h, injection)) { $1($0, tape) }
    }

    // EVOLVE-BLOCK-START recursion
    /// Latent recursion: z ← net(z, x + y) n times, then y ← net(y, z).
    func latentRecursion(x: Tensor, y: Tensor, z: Tensor, _ tape: Tape) -> (y: Tensor, z: Tensor) {
        var z = z
        for _ in 0..<Hyper.n { z = net(z, tape.add(x, y), tape) }
        return (net(y, z, tape), z)
    }

    /// Deep recursion: T rounds, the first T−1 without gradients; returns the carry and the heads' outputs.
    func deepRecursion(x: Tensor, y: Tensor, z: Tensor, _ tape: Tape) -> (y: Tensor, z: Tensor, logits: Tensor, qHalt: Tensor) {
        var (y, z) = (y, z)
        tape.withoutGradients {
            for _ in 0..<(Hyper.T - 1) { (y, z) = latentRecursion(x: x, y: y, z: z, tape) }
        }
        (y, z) = latentRecursion(x: x, y: y, z: z, tape)
        let answer = tape.slice(y, axis: 1, start: Hyper.puzzlePrefix, length: task.seqLen)
        let logits = tape.reshape(outputHead(answer, tape), [y.shape[0] * task.seqLen, task.vocabSize])
        let first = tape.reshape(tape.slice(y, axis: 1, start: 0, length: 1), [y.shape[0], Hyper.hidden])
        let qHalt = tape.reshape(haltHead(first, tape), [y.shape[0]])
        return (y, z, logits, qHalt)
    }
    // EVOLVE-BLOCK-END

    // EVOLVE-BLOCK-START supervision
    /// Deep supervision, as in the paper: up to N_sup optimiser steps on one batch, the carry (y, z)
    /// detached between them, until every example's halting head says "done" (after a random minimum
    /// now and then, for exploration); then the next batch. (TRM's code instead keeps a batch of slots
    /// that each carry their example until it halts: see BRIEF.md.)
    mutating func train(_ trainer: Trainer) {
        let tape = trainer.tape
        while !trainer.isOutOfBudget {
            let batch = trainer.next(Hyper.batchSize)
            var (y, z) = initialCarry(batch.size, tape)
            let minimumSteps = trainer.rng.uniform() < Hyper.haltExploration ? Int(trainer.rng.next() % UInt64(Hyper.nSup)) + 1 : 1
            for step in 0..<Hyper.nSup where !trainer.isOutOfBudget {
                let out = deepRecursion(x: embed(batch, tape), y: y, z: z, tape)
                let correct = tape.exactMatch(out.logits, labels: batch.labels!)
                let answerLoss = tape.stableMaxCrossEntropy(out.logits, labels: batch.labels!)
                let haltLoss = tape.binaryCrossEntropyWithLogits(out.qHalt, targets: correct)
                trainer.step(loss: tape.add(answerLoss, tape.scale(haltLoss, 0.5)))
                (y, z) = (tape.detach(out.y), tape.detach(out.z))
                if step + 1 >= minimumSteps && trainer.allHalted(out.qHalt) { break }
            }
        }
    }

    /// At evaluation every supervision step runs; the last answer counts.
    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
        var (y, z) = initialCarry(batch.size, tape)
        let x = embed(batch, tape)
        var logits = Tensor(zeros: [1, 1])
        for _ in 0..<Hyper.nSup {
            let out = deepRecursion(x: x, y: y, z: z, tape)
            (y, z, logits) = (out.y, out.z, out.logits)
        }
        return logits
    }
    // EVOLVE-BLOCK-END
}

@main
struct Program {
    static func main() {
        TRMDriver.main(TinyRecursiveModel.self)
    }
}
