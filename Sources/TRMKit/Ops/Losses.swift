#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tape {
    /// Mean softmax cross-entropy of logits [N, V] (or [B, L, V]) against a batch's labels.
    public func softmaxCrossEntropy(_ logits: Tensor, labels: Labels) -> Tensor {
        crossEntropy(logits, labels: labels.ids, width: labels.width, stable: false)
    }

    /// Mean stable-max cross-entropy (TRM's loss) against a batch's labels: probabilities s(xᵢ)/Σs(xⱼ)
    /// with s(x) = x + 1 for x ≥ 0 and 1/(1 − x) otherwise — no exponentials, so no overflow for
    /// confident logits.
    public func stableMaxCrossEntropy(_ logits: Tensor, labels: Labels) -> Tensor {
        crossEntropy(logits, labels: labels.ids, width: labels.width, stable: true)
    }

    /// Mean softmax cross-entropy of logits[N, V] against `labels` (N ids; negative = ignored).
    package func softmaxCrossEntropy(_ logits: Tensor, labels: [Int]) -> Tensor {
        crossEntropy(logits, labels: labels, width: nil, stable: false)
    }

    package func stableMaxCrossEntropy(_ logits: Tensor, labels: [Int]) -> Tensor {
        crossEntropy(logits, labels: labels, width: nil, stable: true)
    }

    /// [examples]: 1 where the arg-max of every row of `logits` equals its label, else 0 — TRM's
    /// halting target ("the whole answer is right"). No gradient.
    public func exactMatch(_ logits: Tensor, labels: Labels) -> Tensor {
        let v = logits.shape.last!, rows = logits.count / v
        precondition(labels.count == rows, "exactMatch: \(rows) rows of logits, \(labels.count) labels")
        let right = rowsRight(logits, labels.ids)
        charge(forward: FLOPCost.elementwise(logits.count))
        let examples = labels.examples
        var out = [Float](repeating: 0, count: examples)
        for e in 0..<examples {
            out[e] = right[(e * labels.width)..<((e + 1) * labels.width)].allSatisfy { $0 } ? 1 : 0
        }
        return Tensor(shape: [examples], data: out)
    }

    /// For each row, whether its arg-max (first maximum) is its label.
    private func rowsRight(_ logits: Tensor, _ labels: [Int]) -> [Bool] {
        let v = logits.shape.last!
        return logits.data.withUnsafeBufferPointer { x in
            labels.indices.map { r in
                var best = 0
                for i in 1..<v where x[r * v + i] > x[r * v + best] { best = i }
                return best == labels[r]
            }
        }
    }

    private func crossEntropy(_ logits: Tensor, labels: [Int], width: Int?, stable: Bool) -> Tensor {
        let v = logits.shape.last!, rows = logits.count / v
        precondition(labels.count == rows, "cross-entropy: \(rows) rows of logits, \(labels.count) labels")
        let counted = labels.filter { $0 >= 0 }.count
        let norm = 1 / Double(max(counted, 1))
        if let width {
            // The curve's per-step figure: how many whole answers this loss's logits get right.
            let right = rowsRight(logits, labels)
            lastAnswers = (0..<(rows / width)).map { e in right[(e * width)..<((e + 1) * width)].allSatisfy { $0 } }
        }
        // Per-row probabilities in Double (TRM computes stable-max in float64 too).
        var probs = [Double](repeating: 0, count: logits.count)
        var loss = 0.0
        logits.data.withUnsafeBufferPointer { x in
            for r in 0..<rows {
                let row = r * v
                var total = 0.0
                if stable {
                    for i in 0..<v {
                        let z = Double(x[row + i])
                        probs[row + i] = z >= 0 ? z + 1 : 1 / (1 - z)
                        total += probs[row + i]
                    }
                } else {
                    var top = -Double.infinity
                    for i in 0..<v { top = max(top, Double(x[row + i])) }
                    for i in 0..<v {
                        probs[row + i] = exp(Double(x[row + i]) - top)
                        total += probs[row + i]
                    }
                }
                for i in 0..<v { probs[row + i] /= total }
                let label = labels[r]
                guard label >= 0 else { continue }
                precondition(label < v, "cross-entropy: label \(label) outside [0, \(v))")
                loss -= log(max(probs[row + label], 1e-30))
            }
        }
        charge(forward: FLOPCost.elementwise(logits.count, perElement: 4))
        let y = Tensor(shape: [1], data: [Float(loss * norm)], requiresGrad: needsGrad(logits))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad?[0] else { return }
            let scale = Double(dy) * norm
            logits.withGrad { g in
                for r in 0..<rows {
                    let label = labels[r]
                    guard label >= 0 else { continue }
                    let row = r * v
                    if stable {
                        // −log p_y = −log s(x_y) + log Σ s(x_j): d/dx_j = s'(x_j)/Σs − [j = y]·s'(x_y)/s(x_y).
                        var total = 0.0
                        for i in 0..<v {
                            let z = Double(logits.data[row + i])
                            total += z >= 0 ? z + 1 : 1 / (1 - z)
                        }
                        for i in 0..<v {
                            let z = Double(logits.data[row + i])
                            let s = z >= 0 ? z + 1 : 1 / (1 - z)
                            let ds = z >= 0 ? 1 : 1 / ((1 - z) * (1 - z))
                            var grad = ds / total
                            if i == label { grad -= ds / s }
                            g[row + i] += Float(grad * scale)
                        }
                    } else {
                        for i in 0..<v {
                            let grad = probs[row + i] - (i == label ? 1 : 0)
                            g[row + i] += Float(grad * scale)
                        }
                    }
                }
            }
            charge(backward: FLOPCost.elementwise(logits.count, perElement: 6))
        }
        return y
    }

    /// Mean binary cross-entropy of logits against target probabilities computed by ops (TRM's
    /// halting loss against `exactMatch`); no gradient flows into `targets`.
    public func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: Tensor) -> Tensor {
        precondition(logits.count == targets.count, "BCE: \(logits.count) logits, \(targets.count) targets")
        return binaryCrossEntropyWithLogits(logits, targets: targets.data)
    }

    /// Mean binary cross-entropy of logits against targets in [0, 1].
    public func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: [Float]) -> Tensor {
        precondition(logits.count == targets.count, "BCE: \(logits.count) logits, \(targets.count) targets")
        let n = Float(max(logits.count, 1))
        var loss: Float = 0
        for (x, t) in zip(logits.data, targets) {
            loss += max(x, 0) - x * t + log1pf(expf(-abs(x)))
        }
        charge(forward: FLOPCost.elementwise(logits.count, perElement: 6))
        let y = Tensor(shape: [1], data: [loss / n], requiresGrad: needsGrad(logits))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad?[0] else { return }
            logits.withGrad { g in
                for i in 0..<g.count {
                    let s = 1 / (1 + expf(-logits.data[i]))
                    g[i] += dy * (s - targets[i]) / n
                }
            }
            charge(backward: FLOPCost.elementwise(logits.count, perElement: 5))
        }
        return y
    }
}

extension Tensor {
    /// The index of the largest value along the last axis, for every leading position (the driver
    /// turns a kernel's logits into answers with it).
    package func argmaxLastAxis() -> [Int] {
        let v = shape.last!, rows = count / v
        return (0..<rows).map { r in
            var best = 0
            for i in 1..<v where data[r * v + i] > data[r * v + best] { best = i }
            return best
        }
    }
}
