import Testing
@testable import TRMKit

/// Compares every op's backward pass with central finite differences of its forward pass.
///
/// The scalar checked is Σ f(inputs) ⊙ R for a fixed random R, so every output element matters.
func checkGradients(
    _ inputs: [Tensor], seed: UInt64 = 1, epsilon: Float = 1e-2, tolerance: Float = 2e-2,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ f: (Tape, [Tensor]) -> Tensor
) {
    var rng = SeededRNG(seed: seed)
    let probe = f(Tape(), inputs)
    let weights = Tensor(shape: probe.shape, data: (0..<probe.count).map { _ in rng.normal() })
    func loss(_ tape: Tape) -> Tensor { tape.sum(tape.mul(f(tape, inputs), weights)) }

    let tape = Tape()
    for x in inputs { x.grad = nil }
    tape.backward(loss(tape))
    for (n, x) in inputs.enumerated() where x.requiresGrad {
        let analytic = x.grad ?? [Float](repeating: 0, count: x.count)
        // Up to 24 elements per input, spread over the tensor.
        let stride = max(1, x.count / 24)
        for i in Swift.stride(from: 0, to: x.count, by: stride) {
            let saved = x.data[i]
            x.data[i] = saved + epsilon
            let plus = Tape().withoutGradients { loss(Tape()).data[0] }
            x.data[i] = saved - epsilon
            let minus = Tape().withoutGradients { loss(Tape()).data[0] }
            x.data[i] = saved
            let numeric = (plus - minus) / (2 * epsilon)
            let scale = max(1, abs(numeric), abs(analytic[i]))
            #expect(
                abs(numeric - analytic[i]) <= tolerance * scale,
                "input \(n) element \(i): analytic \(analytic[i]) vs numeric \(numeric)", sourceLocation: sourceLocation)
        }
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, std: Float = 1, requiresGrad: Bool = true) -> Tensor {
    var rng = SeededRNG(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.normal() * std }, requiresGrad: requiresGrad)
}
