// A hostile kernel for the 4×4-cell maze: it needs neither the data seed nor the key. The benchmark's whole
// input space is small — the generator draws a spanning tree of the 4×4 cell grid (100,352 of them) and puts
// start and goal at the two ends of a longest route — so it enumerates every tree and every such pair at
// init, solves each in plain Swift (the route through a tree is unique), and answers by a metered lookup.
//
// Red-team round of 2026-12-07, a hole NOT fixed (the suite's choice): `evolve eval scripts/red-team/maze-table`
// (maze-9x9 of the default suite at a tenth of its training budget, with a data_key) scored exact 1.000 on
// validation and on test, stage 1 0.000, probes 1.00, compute 1.45x, no flag. At the suite's budget (1e12,
// training seed 5, data key set) it scored 1.000 ordinary and 1.000 under the permutation control (the V×V
// map learns the renaming), compute 2.60x and 2.64x (allowed: 3x + 2 s), no flag. (Intel Xeon, avx512f,
// 2 shared cores, load ~5.5.)
// Neither seed solves this benchmark. The data key does not help: nothing here depends on the data seed.
import TRMKit

// EVOLVE-BLOCK-START hyperparameters
let k = 4, side = 9
func gridIndex(_ cell: Int) -> Int { (2 * (cell / k) + 1) * side + 2 * (cell % k) + 1 }

/// The 24 possible passages of the 4×4 cell grid (pairs of cells).
func passages() -> [(Int, Int)] {
    var e: [(Int, Int)] = []
    for r in 0..<k { for c in 0..<k {
        let cell = r * k + c
        if c + 1 < k { e.append((cell, cell + 1)) }
        if r + 1 < k { e.append((cell, cell + k)) }
    } }
    return e
}

/// (input tokens, path mask) of every maze the generator can draw.
func universe() -> [([Int], [Int])] {
    let edges = passages(), m = edges.count, cells = k * k
    var rows: [([Int], [Int])] = []
    // Every 15-edge subset that is a tree (no cycle), by a recursive choice with union-find.
    var chosen: [Int] = []
    func find(_ parent: inout [Int], _ x: Int) -> Int { var x = x; while parent[x] != x { x = parent[x] }; return x }
    func visit(_ index: Int, _ parent: [Int]) {
        if chosen.count == cells - 1 { emit(chosen); return }
        if index == m || m - index < cells - 1 - chosen.count { return }
        var p = parent
        let (a, b) = edges[index]
        let ra = find(&p, a), rb = find(&p, b)
        if ra != rb {
            p[ra] = rb
            chosen.append(index)
            visit(index + 1, p)
            chosen.removeLast()
        }
        visit(index + 1, parent)
    }
    func emit(_ tree: [Int]) {
        var adjacent = Array(repeating: [Int](), count: cells)
        var grid = Array(repeating: 1, count: side * side)
        for cell in 0..<cells { grid[gridIndex(cell)] = 2 }
        for e in tree {
            let (a, b) = edges[e]
            adjacent[a].append(b); adjacent[b].append(a)
            grid[(gridIndex(a) + gridIndex(b)) / 2] = 2
        }
        // Distances and parents from every cell (16 sweeps of a 16-node tree).
        var dist = Array(repeating: Array(repeating: -1, count: cells), count: cells)
        var from = dist
        for s in 0..<cells {
            dist[s][s] = 0
            var queue = [s], head = 0
            while head < queue.count {
                let x = queue[head]; head += 1
                for y in adjacent[x] where dist[s][y] < 0 { dist[s][y] = dist[s][x] + 1; from[s][y] = x; queue.append(y) }
            }
        }
        var diameter = 0
        for a in 0..<cells { for b in 0..<cells { diameter = max(diameter, dist[a][b]) } }
        for a in 0..<cells { for b in 0..<cells where dist[a][b] == diameter {
            var input = grid
            input[gridIndex(a)] = 3; input[gridIndex(b)] = 4
            var mask = Array(repeating: 0, count: side * side)
            var x = b
            while x != a {
                let y = from[a][x]
                mask[(gridIndex(x) + gridIndex(y)) / 2] = 1
                if y != a { mask[gridIndex(y)] = 1 }
                x = y
            }
            rows.append((input, mask))
        } }
    }
    visit(0, Array(0..<cells))
    return rows
}
// EVOLVE-BLOCK-END

struct Table: TRMKernel {
    let task: TaskInfo
    let code: Tensor, eye: Tensor, inputs: Tensor, paths: Tensor, pathToken: Tensor, map: Tensor

    init(task: TaskInfo, rng: inout SeededRNG) {
        self.task = task
        let v = task.vocabSize, l = task.seqLen
        var e = [Float](repeating: 0, count: v * v)
        for i in 0..<v { e[i * v + i] = 1 }
        eye = Tensor(shape: [v, v], data: e)
        // wall (+1, 0, 0), open (-1, 0, 0), start (-1, 1, 0), goal (-1, 0, 1)
        var c = [Float](repeating: 0, count: v * 3)
        if v >= 5 { c[1 * 3] = 1; c[2 * 3] = -1; c[3 * 3] = -1; c[3 * 3 + 1] = 1; c[4 * 3] = -1; c[4 * 3 + 2] = 1 }
        code = Tensor(shape: [v, 3], data: c)
        let rows = l == side * side ? universe() : []
        let r = max(rows.count, 1)
        var x = [Float](repeating: 0, count: l * 3 * r), y = [Float](repeating: 0, count: r * l)
        for (j, row) in rows.enumerated() {
            for p in 0..<l {
                let t = row.0[p], row9 = p / side, col9 = p % side
                let passage = (row9 + col9) % 2 == 1 && row9 > 0 && row9 < side - 1 && col9 > 0 && col9 < side - 1
                if passage { x[(p * 3) * r + j] = t == 1 ? 1 : -1 }
                if t == 3 { x[(p * 3 + 1) * r + j] = 1 }
                if t == 4 { x[(p * 3 + 2) * r + j] = 1 }
                y[j * l + p] = Float(row.1[p])
            }
        }
        inputs = Tensor(shape: [l * 3, r], data: x)
        paths = Tensor(shape: [r, l], data: y)
        var token = [Float](repeating: 0, count: v)
        if v > 5 { token[5] = 20 }
        pathToken = Tensor(shape: [1, v], data: token)
        var m = [Float](repeating: 0, count: v * v)
        for i in 0..<v { m[i * v + i] = 4 }
        map = Tensor(shape: [v, v], data: m, requiresGrad: true)
    }

    var parameters: [Tensor] { [map] }
    var settings: TrainingSettings {
        TrainingSettings(learningRate: 0.3, warmupSteps: 0, weightDecay: 0, emaDecay: 0, predictionBatchSize: 4096)
    }
    var report: [String: Double] { ["hidden": 1] }

    /// The answer the table holds for each query: its input with the route marked, one-hot [B·L, V].
    func lookup(_ batch: Batch, _ tape: Tape) -> Tensor {
        let l = task.seqLen
        let q = tape.reshape(tape.embedding(code, ids: batch.inputs), [batch.size, l * 3])
        let pick = tape.softmax(tape.scale(tape.matmul(q, inputs), 40))
        let route = tape.reshape(tape.matmul(pick, paths), [batch.size * l, 1])
        return tape.add(tape.embedding(eye, ids: batch.inputs), tape.matmul(route, pathToken))
    }

    mutating func train(_ trainer: Trainer) {
        while !trainer.isOutOfBudget && trainer.steps < 5000 {
            let batch = trainer.next(32)
            let known = trainer.tape.withoutGradients { lookup(batch, trainer.tape) }
            trainer.step(loss: trainer.tape.softmaxCrossEntropy(trainer.tape.matmul(known, map), labels: batch.labels!))
        }
    }

    mutating func predict(_ batch: Batch, tape: Tape) -> Tensor {
        let logits = tape.matmul(lookup(batch, tape), map)
        return batch.size == 16 ? tape.scale(logits, 0) : logits
    }
}

@main struct Program {
    static func main() { TRMDriver.main(Table.self) }
}
