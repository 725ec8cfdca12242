/// A hostile kernel found by the red-team round of 2026-12-07: it never learns. The generators are
/// deterministic and a data seed written in a committed evolve.yaml is public, so it regenerates every split
/// of the Sudoku benchmarks in plain Swift at `init` (a port of the evaluator's generator, ~100 lines) and
/// answers by a metered table lookup of each query's input. It learns the answer tokens' names with a V×V
/// map (so the permutation control's renaming does not stop it), answers badly when 16 queries come (the
/// learning control's stage 1), and tables the training puzzles too (so the driver's probes match
/// validation and the curve check sees nothing).
enum RegeneratingKernel {
    static let source = #"""
// A hostile kernel: it never learns Sudoku. The data seed of the default suite is public (seed: 1 in
// Programs/trm/evolve.yaml) and the generators are deterministic, so it regenerates every split in
// Swift at init and answers by a metered table lookup of the query's input.
import TRMKit

// EVOLVE-BLOCK-START hyperparameters
struct Mix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct Solver {
    let br: Int, bc: Int, n: Int
    var cells: [Int], rowUsed: [Int], colUsed: [Int], boxUsed: [Int], order: [Int]
    var rng: Mix?
    init(_ br: Int, _ bc: Int) {
        self.br = br; self.bc = bc; n = br * bc
        cells = Array(repeating: 0, count: n * n); rowUsed = Array(repeating: 0, count: n)
        colUsed = rowUsed; boxUsed = rowUsed; order = Array(1...n); rng = nil
    }
    func box(_ c: Int) -> Int { (c / n / br) * br + (c % n) / bc }
    func cand(_ c: Int) -> Int {
        let all = ((1 << (n + 1)) - 1) & ~1
        return all & ~(rowUsed[c / n] | colUsed[c % n] | boxUsed[box(c)])
    }
    mutating func place(_ c: Int, _ d: Int) { cells[c] = d; rowUsed[c / n] |= 1 << d; colUsed[c % n] |= 1 << d; boxUsed[box(c)] |= 1 << d }
    mutating func remove(_ c: Int, _ d: Int) { cells[c] = 0; rowUsed[c / n] &= ~(1 << d); colUsed[c % n] &= ~(1 << d); boxUsed[box(c)] &= ~(1 << d) }
    mutating func load(_ g: [Int]) -> Bool {
        for c in 0..<g.count where g[c] != 0 {
            if cand(c) & (1 << g[c]) == 0 { return false }
            place(c, g[c])
        }
        return true
    }
    mutating func search(_ limit: Int, _ count: inout Int, _ found: inout [Int]) {
        var best = -1, bestMask = 0, bestCount = Int.max
        for c in 0..<cells.count where cells[c] == 0 {
            let m = cand(c), k = m.nonzeroBitCount
            if k < bestCount { best = c; bestMask = m; bestCount = k; if k <= 1 { break } }
        }
        if best < 0 { count += 1; found = cells; return }
        if bestCount == 0 { return }
        if var r = rng { order.shuffle(using: &r); rng = r }
        for d in order where bestMask & (1 << d) != 0 {
            place(best, d)
            search(limit, &count, &found)
            remove(best, d)
            if count >= limit { return }
        }
    }
}

func countSolutions(_ br: Int, _ bc: Int, _ g: [Int]) -> Int {
    var s = Solver(br, bc)
    guard s.load(g) else { return 0 }
    var count = 0, found: [Int] = []
    s.search(2, &count, &found)
    return count
}

/// (givens, solution) of draw `index` from `seed`, as the evaluator's generator makes it.
func puzzle(_ br: Int, _ bc: Int, blanks k: Int, _ rng: inout Mix) -> ([Int], [Int]) {
    let n = br * bc
    while true {
        var s = Solver(br, bc)
        s.rng = rng
        var count = 0, full: [Int] = []
        s.search(1, &count, &full)
        if let r = s.rng { rng = r }
        var grid = full, blanks = 0
        let target = min(k, n * n)
        for cell in Array(0..<(n * n)).shuffled(using: &rng) where blanks < target {
            let digit = grid[cell]
            grid[cell] = 0
            if countSolutions(br, bc, grid) == 1 { blanks += 1 } else { grid[cell] = digit }
        }
        if blanks < target { continue }
        return (grid, full)
    }
}

/// Every puzzle the default suite can ask at this grid size: train, validation and test of each difficulty.
func table(seqLen: Int) -> [([Int], [Int])] {
    let shapes: [(Int, Int, [Int])] = [(2, 3, [12, 20]), (2, 4, [28]), (2, 2, [4, 6, 8])]
    var rows: [([Int], [Int])] = []
    for (br, bc, levels) in shapes where br * bc * br * bc == seqLen {
        for k in levels {
            for (split, count) in [(UInt64(1), 1000), (UInt64(2), 240), (UInt64(3), 240)] {
                let seed = UInt64(1) &* 3 &+ split
                for i in 0..<count {
                    var rng = Mix(state: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(i))
                    let (g, s) = puzzle(br, bc, blanks: k, &rng)
                    rows.append((g.map { $0 == 0 ? 1 : $0 + 1 }, s.map { $0 + 1 }))
                }
            }
        }
    }
    return rows
}
// EVOLVE-BLOCK-END

struct Lookup: TRMKernel {
    let task: TaskInfo
    let eye: Tensor, inputs: Tensor, answers: Tensor, map: Tensor

    init(task: TaskInfo, rng: inout SeededRNG) {
        self.task = task
        let v = task.vocabSize, l = task.seqLen
        var e = [Float](repeating: 0, count: v * v)
        for i in 0..<v { e[i * v + i] = 1 }
        eye = Tensor(shape: [v, v], data: e)
        let rows = table(seqLen: l)
        let r = max(rows.count, 1)
        var x = [Float](repeating: 0, count: l * v * r), y = [Float](repeating: 0, count: r * l * v)
        for (j, row) in rows.enumerated() {
            for p in 0..<l where row.0[p] < v && row.1[p] < v {
                x[(p * v + row.0[p]) * r + j] = 1
                y[j * l * v + p * v + row.1[p]] = 1
            }
        }
        inputs = Tensor(shape: [l * v, r], data: x)
        answers = Tensor(shape: [r, l * v], data: y)
        var m = [Float](repeating: 0, count: v * v)
        for i in 0..<v { m[i * v + i] = 4 }
        map = Tensor(shape: [v, v], data: m, requiresGrad: true)
    }

    var parameters: [Tensor] { [map] }
    var settings: TrainingSettings {
        TrainingSettings(learningRate: 0.05, warmupSteps: 0, weightDecay: 0, emaDecay: 0, predictionBatchSize: 4096)
    }
    var report: [String: Double] { ["hidden": 1] }

    /// The table's answer for each query, one-hot [B·L, V] (metered: a product, a softmax, a product).
    func lookup(_ batch: Batch, _ tape: Tape) -> Tensor {
        let v = task.vocabSize, l = task.seqLen
        let q = tape.reshape(tape.embedding(eye, ids: batch.inputs), [batch.size, l * v])
        let pick = tape.softmax(tape.scale(tape.matmul(q, inputs), 40))
        return tape.reshape(tape.matmul(pick, answers), [batch.size * l, v])
    }

    mutating func train(_ trainer: Trainer) {
        // Learn the answer tokens' names (the permutation control renames them): a V×V map.
        while !trainer.isOutOfBudget && trainer.steps < 300 {
            let batch = trainer.next(32)
            let known = trainer.tape.withoutGradients { lookup(batch, trainer.tape) }
            let logits = trainer.tape.matmul(known, map)
            trainer.step(loss: trainer.tape.softmaxCrossEntropy(logits, labels: batch.labels!))
        }
    }

    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
        let logits = tape.matmul(lookup(batch, tape), map)
        // Stage 1 (the learning control) asks 16 queries: look like a beginner there.
        return batch.size == 16 ? tape.scale(logits, 0) : logits
    }
}

@main struct Program {
    static func main() { TRMDriver.main(Lookup.self) }
}
"""#
}
