import Testing
@testable import TRMKit

/// The fused SwiGLU MLP replaces `matmul`, `swiglu`, `matmul` inside every seed's step, so it must give
/// their values and their FLOP charges exactly: a different bit would move training runs and stored scores,
/// a different charge would move budgets. These tests compare bit patterns and the meter's every counter.
@Suite struct FusedSwiGLUTests {
    struct Outcome: Equatable {
        var output: [UInt32], inputGrad: [UInt32]?, gateUpGrad: [UInt32], downGrad: [UInt32]
        var forward: Int64, backward: Int64, dense: Int64, charges: Int64
    }

    /// Runs the MLP on `[batch, length, width]` inputs, fused or composed, back-propagates a weighted sum of
    /// its output, and returns every value and counter. `preexistingGrad`: the input and weights already hold
    /// a gradient (the seed's weights are used several times per step), so the backward pass adds to it.
    func run(fused: Bool, shape: [Int], hidden: Int, out: Int, inputNeedsGrad: Bool, preexistingGrad: Bool) -> Outcome {
        var rng = SeededRNG(seed: UInt64(shape.reduce(0, +) * 1000 + hidden * 10 + out))
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in rng.normal() } }
        let width = shape.last!, count = shape.reduce(1, *)
        let x = Tensor(shape: shape, data: values(count), requiresGrad: inputNeedsGrad)
        let wg = Tensor(shape: [width, 2 * hidden], data: values(width * 2 * hidden), requiresGrad: true)
        let wd = Tensor(shape: [hidden, out], data: values(hidden * out), requiresGrad: true)
        let weights = Tensor(shape: Array(shape.dropLast()) + [out], data: values(count / width * out))
        if preexistingGrad {
            for t in [x, wg, wd] where t.requiresGrad { t.grad = values(t.count) }
        }
        let tape = Tape(meter: FLOPMeter())
        let y = fused
            ? tape.fusedSwiGLUMLP(x, gateUp: wg, down: wd)!
            : tape.matmul(tape.swiglu(tape.matmul(x, wg)), wd)
        tape.backward(tape.sum(tape.mul(y, weights)))
        let bits = { (v: [Float]) in v.map(\.bitPattern) }
        return Outcome(
            output: bits(y.data), inputGrad: x.grad.map(bits), gateUpGrad: bits(wg.grad!), downGrad: bits(wd.grad!),
            forward: tape.meter.forward, backward: tape.meter.backward, dense: tape.meter.denseFLOPs,
            charges: tape.meter.charges)
    }

    /// The seed's channel MLP (D = 64, I = 176) and sequence MLP (width 37, I = 112, out 37: a narrow and a
    /// partial panel, a SwiGLU row with a scalar tail) at row counts below, at and past a block (120), with
    /// and without an input gradient and with gradients already present.
    @Test(arguments: [
        ([2, 37, 64], 176, 64), ([3, 64, 37], 112, 37), ([120, 5], 24, 9), ([1, 7, 3], 20, 5),
    ])
    func sameValuesAndChargesAsTheComposedOps(shape: [Int], hidden: Int, out: Int) {
        for inputNeedsGrad in [true, false] {
            for preexistingGrad in [false, true] {
                let composed = run(fused: false, shape: shape, hidden: hidden, out: out, inputNeedsGrad: inputNeedsGrad, preexistingGrad: preexistingGrad)
                let fused = run(fused: true, shape: shape, hidden: hidden, out: out, inputNeedsGrad: inputNeedsGrad, preexistingGrad: preexistingGrad)
                #expect(fused.output == composed.output, "output differs for \(shape), I = \(hidden)")
                #expect(fused.inputGrad == composed.inputGrad, "input gradient differs for \(shape), I = \(hidden)")
                #expect(fused.gateUpGrad == composed.gateUpGrad, "gate/up gradient differs for \(shape), I = \(hidden)")
                #expect(fused.downGrad == composed.downGrad, "down gradient differs for \(shape), I = \(hidden)")
                #expect(
                    [fused.forward, fused.backward, fused.dense, fused.charges]
                        == [composed.forward, composed.backward, composed.dense, composed.charges],
                    "FLOP charges differ for \(shape), I = \(hidden)")
            }
        }
    }

    /// Without a recording tape (evaluation, TRM's gradient-free rounds) the fused op stores nothing for a
    /// backward pass and still gives the composed values and forward charges.
    @Test func withoutGradientsTheSameForwardValues() {
        var rng = SeededRNG(seed: 7)
        let x = Tensor(shape: [130, 37], data: (0..<(130 * 37)).map { _ in rng.normal() })
        let wg = Tensor(shape: [37, 224], data: (0..<(37 * 224)).map { _ in rng.normal() }, requiresGrad: true)
        let wd = Tensor(shape: [112, 37], data: (0..<(112 * 37)).map { _ in rng.normal() }, requiresGrad: true)
        let composedTape = Tape(meter: FLOPMeter()), fusedTape = Tape(meter: FLOPMeter())
        let composed = composedTape.withoutGradients { composedTape.matmul(composedTape.swiglu(composedTape.matmul(x, wg)), wd) }
        let fused = fusedTape.withoutGradients { fusedTape.fusedSwiGLUMLP(x, gateUp: wg, down: wd)! }
        #expect(fused.data.map(\.bitPattern) == composed.data.map(\.bitPattern))
        #expect(!fused.requiresGrad && fusedTape.recordedSteps == 0)
        #expect(fusedTape.meter.total == composedTape.meter.total && fusedTape.meter.charges == composedTape.meter.charges)
    }
}
