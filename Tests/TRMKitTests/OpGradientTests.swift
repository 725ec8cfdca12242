import Foundation
import Testing
@testable import TRMKit

@Suite struct OpGradientTests {
    @Test func matmul() {
        checkGradients([randomTensor([2, 3, 5], seed: 1), randomTensor([5, 7], seed: 2)]) { t, x in t.matmul(x[0], x[1]) }
    }

    @Test func batchedMatmulPlainAndTransposed() {
        checkGradients([randomTensor([3, 4, 5], seed: 3), randomTensor([3, 5, 6], seed: 4)]) { t, x in t.bmm(x[0], x[1]) }
        checkGradients([randomTensor([3, 4, 5], seed: 5), randomTensor([3, 6, 5], seed: 6)]) { t, x in
            t.bmm(x[0], x[1], transposeB: true)
        }
    }

    @Test func addWithBroadcastMulScaleSum() {
        checkGradients([randomTensor([2, 3, 4], seed: 7), randomTensor([3, 4], seed: 8)]) { t, x in t.add(x[0], x[1]) }
        checkGradients([randomTensor([2, 3, 4], seed: 9), randomTensor([2, 3, 4], seed: 10)]) { t, x in t.mul(x[0], x[1]) }
        checkGradients([randomTensor([5, 2], seed: 11)]) { t, x in t.scale(x[0], -1.7) }
        checkGradients([randomTensor([5, 2], seed: 12)]) { t, x in t.sum(x[0]) }
    }

    @Test func siluAndSwiglu() {
        checkGradients([randomTensor([4, 6], seed: 13, std: 2)]) { t, x in t.silu(x[0]) }
        checkGradients([randomTensor([2, 3, 8], seed: 14, std: 2)]) { t, x in t.swiglu(x[0]) }
    }

    @Test func reshapeTransposeSliceConcat() {
        checkGradients([randomTensor([2, 3, 4], seed: 15)]) { t, x in t.reshape(x[0], [6, 4]) }
        checkGradients([randomTensor([2, 3, 4, 5], seed: 16)]) { t, x in t.transpose(x[0], 1, 3) }
        checkGradients([randomTensor([2, 3, 4], seed: 17)]) { t, x in t.transpose(x[0], 1, 2) }
        checkGradients([randomTensor([2, 5, 3], seed: 18)]) { t, x in t.slice(x[0], axis: 1, start: 1, length: 3) }
        checkGradients([randomTensor([2, 2, 3], seed: 19), randomTensor([2, 4, 3], seed: 20)]) { t, x in
            t.concat([x[0], x[1]], axis: 1)
        }
    }

    @Test func rmsNormAndSoftmax() {
        checkGradients([randomTensor([3, 8], seed: 21, std: 2)]) { t, x in t.rmsNorm(x[0]) }
        checkGradients([randomTensor([3, 6], seed: 22, std: 2)]) { t, x in t.softmax(x[0]) }
    }

    @Test func embeddingAndRotary() {
        checkGradients([randomTensor([5, 4], seed: 23)]) { t, x in t.embedding(x[0], ids: [4, 0, 4, 2, 1, 1]) }
        checkGradients([randomTensor([2, 5, 2, 6], seed: 24)]) { t, x in t.rotary(x[0]) }
    }

    @Test func losses() {
        let labels = [2, 0, -1, 4]
        checkGradients([randomTensor([4, 5], seed: 25, std: 2)]) { t, x in t.softmaxCrossEntropy(x[0], labels: labels) }
        checkGradients([randomTensor([4, 5], seed: 26, std: 2)]) { t, x in t.stableMaxCrossEntropy(x[0], labels: labels) }
        checkGradients([randomTensor([6], seed: 27, std: 3)]) { t, x in
            t.binaryCrossEntropyWithLogits(x[0], targets: [1, 0, 1, 1, 0, 0.5])
        }
    }

    @Test func lossValuesMatchTheirDefinitions() {
        let tape = Tape()
        let logits = Tensor(shape: [1, 3], data: [2, -1, 0])
        // Stable-max: s = [3, 0.5, 1]; p(label 0) = 3 / 4.5.
        let stable = tape.stableMaxCrossEntropy(logits, labels: [0]).data[0]
        #expect(abs(stable - (-logf(3 / 4.5))) < 1e-6)
        let soft = tape.softmaxCrossEntropy(logits, labels: [1]).data[0]
        let expected = -(-1 - logf(expf(2) + expf(-1) + 1))
        #expect(abs(soft - expected) < 1e-5)
        let bce = tape.binaryCrossEntropyWithLogits(Tensor(shape: [1], data: [0]), targets: [1]).data[0]
        #expect(abs(bce - logf(2)) < 1e-6)
    }

    @Test func noGradScopeAndDetachRecordNothing() {
        let tape = Tape()
        let w = randomTensor([3, 3], seed: 30)
        let x = randomTensor([2, 3], seed: 31, requiresGrad: false)
        let y = tape.withoutGradients { tape.matmul(x, w) }
        #expect(!y.requiresGrad)
        #expect(tape.recordedSteps == 0)
        let z = tape.matmul(x, w)
        #expect(z.requiresGrad)
        let carried = tape.detach(z)
        #expect(!carried.requiresGrad)
        #expect(carried.data == z.data)
        // Gradients stop at the detached copy: w gets a gradient only through z's own path.
        tape.backward(tape.sum(tape.matmul(carried, w)))
        let g1 = w.grad!
        w.grad = nil
        tape.backward(tape.sum(tape.matmul(x, w)))
        #expect(g1 != w.grad!)  // the first loss's gradient excluded z's dependence on w
    }

    @Test func everyOpChargesTheMeter() {
        let meter = FLOPMeter()
        let tape = Tape(meter: meter)
        let x = randomTensor([4, 8], seed: 40), w = randomTensor([8, 16], seed: 41)
        let y = tape.matmul(x, w)
        #expect(meter.forward == 2 * 4 * 8 * 16)
        tape.backward(tape.sum(y))
        #expect(meter.backward >= 2 * 2 * 4 * 8 * 16)
    }
}

@Suite struct GEMMTests {
    /// Naive reference: C = op(A)·op(B).
    func reference(_ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ aRow: Int, _ aCol: Int, _ b: [Float], _ bRow: Int, _ bCol: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[i * aRow + p * aCol] * b[p * bRow + j * bCol] }
                c[i * n + j] = s
            }
        }
        return c
    }

    @Test(arguments: [(1, 1, 1), (6, 32, 4), (7, 33, 5), (13, 70, 9), (64, 40, 37)])
    func matchesNaiveProductForAllStrides(m: Int, n: Int, k: Int) {
        var rng = SeededRNG(seed: UInt64(m * 1000 + n * 10 + k))
        let a = (0..<(m * k)).map { _ in rng.normal() }
        let b = (0..<(k * n)).map { _ in rng.normal() }
        for (aRow, aCol) in [(k, 1), (1, m)] {
            for (bRow, bCol) in [(n, 1), (1, k)] {
                let expected = reference(m, n, k, a, aRow, aCol, b, bRow, bCol)
                var c = [Float](repeating: 0.5, count: m * n)
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            GEMM.multiply(
                                m: m, n: n, k: k, a: ap.baseAddress!, aRow: aRow, aCol: aCol, b: bp.baseAddress!,
                                bRow: bRow, bCol: bCol, c: cp.baseAddress!, ldc: n, accumulate: true)
                        }
                    }
                }
                for i in 0..<(m * n) {
                    #expect(abs(c[i] - (expected[i] + 0.5)) < 1e-3 * Float(k), "element \(i) strides a(\(aRow),\(aCol)) b(\(bRow),\(bCol))")
                }
            }
        }
    }
}

@Suite struct VectorMathTests {
    @Test func vectorExpMatchesTheLibraryAcrossTheRange() {
        var worst: Float = 0
        var x: Float = -80
        while x < 80 {
            let lanes = SIMD16<Float>((0..<16).map { x + Float($0) * 0.37 })
            let fast = VectorMath.exp(lanes)
            for i in 0..<16 {
                let exact = Foundation.exp(Double(lanes[i]))
                worst = max(worst, Float(abs(Double(fast[i]) - exact) / exact))
            }
            x += 5.9
        }
        #expect(worst < 5e-7)
        #expect(VectorMath.exp(SIMD16(repeating: -200))[0] >= 0)
        #expect(VectorMath.exp(SIMD16(repeating: 200))[0].isFinite)
    }

    @Test func swigluAgreesWithItsScalarDefinition() {
        let h = randomTensor([3, 2 * 37], seed: 50, std: 3)  // 37: a vector part and a scalar tail
        let y = Tape().swiglu(h)
        for r in 0..<3 {
            for j in 0..<37 {
                let gate = h.data[r * 74 + j], up = h.data[r * 74 + 37 + j]
                let expected = gate / (1 + Foundation.exp(-gate)) * up
                #expect(abs(y.data[r * 37 + j] - expected) <= 1e-5 * max(1, abs(expected)))
            }
        }
    }
}

@Suite struct LayerGradientTests {
    @Test func attentionWithRotaryEmbeddings() {
        var rng = SeededRNG(seed: 60)
        let attention = Attention(width: 8, heads: 2, rng: &rng)
        checkGradients([randomTensor([2, 5, 8], seed: 61)] + attention.parameters) { t, x in attention(x[0], t) }
    }

    @Test func sequenceMLPAndSwiGLUMLP() {
        var rng = SeededRNG(seed: 62)
        let mixer = SequenceMLP(length: 5, rng: &rng)
        checkGradients([randomTensor([2, 5, 4], seed: 63)] + mixer.parameters) { t, x in mixer(x[0], t) }
        let mlp = SwiGLUMLP(width: 4, rng: &rng)
        checkGradients([randomTensor([3, 4], seed: 64)] + mlp.parameters) { t, x in mlp(x[0], t) }
    }

    @Test func adamWWithWarmupAndEMA() {
        let w = Tensor(shape: [2], data: [1, -1], requiresGrad: true)
        let optimizer = AdamW(parameters: [w], learningRate: 0.1, weightDecay: 0, warmupSteps: 4)
        let ema = EMA(parameters: [w], decay: 0.5)
        #expect(abs(optimizer.currentLearningRate - 0.025) < 1e-7)
        w.grad = [1, -1]
        optimizer.step()
        // Adam's first step moves each weight by lr·sign(grad).
        let moved: [Float] = [1 - 0.025, -1 + 0.025]
        #expect(abs(w.data[0] - moved[0]) < 1e-5)
        #expect(abs(w.data[1] - moved[1]) < 1e-5)
        #expect(w.grad == nil)
        ema.update()
        let averaged: Float = ema.withAveragedWeights { w.data[0] }
        let expectedAverage: Float = 0.5 * 1 + 0.5 * 0.975
        #expect(abs(averaged - expectedAverage) < 1e-6)
        #expect(abs(w.data[0] - 0.975) < 1e-6)  // live weights restored
        let decayed = Tensor(shape: [1], data: [2], requiresGrad: true)
        let withDecay = AdamW(parameters: [decayed], learningRate: 0.1, weightDecay: 0.5)
        decayed.grad = [0]
        withDecay.step()
        let expectedDecay: Float = 2 - 0.1 * 0.5 * 2
        #expect(abs(decayed.data[0] - expectedDecay) < 1e-6)
    }
}
