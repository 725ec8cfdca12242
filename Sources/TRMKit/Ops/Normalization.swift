#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tape {
    /// RMSNorm over the last axis without a learnable weight (TRM's post-norm): x / √(mean(x²) + ε).
    public func rmsNorm(_ x: Tensor, epsilon: Float = 1e-5) -> Tensor {
        let d = x.shape.last!, rows = x.count / d
        var out = [Float](unsafeUninitializedCapacity: x.count) { $1 = x.count }  // every element written below
        var inverse = [Float](repeating: 0, count: rows)
        x.data.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<rows {
                    var sq: Float = 0
                    for i in 0..<d { sq += xp[r * d + i] * xp[r * d + i] }
                    let inv = 1 / (sq / Float(d) + epsilon).squareRoot()
                    inverse[r] = inv
                    for i in 0..<d { o[r * d + i] = xp[r * d + i] * inv }
                }
            }
        }
        charge(forward: FLOPCost.elementwise(x.count, perElement: 4))
        let y = Tensor(shape: x.shape, data: out, requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            // dx = inv · (dy − y · mean(dy · y))
            x.withGrad { g in
                y.data.withUnsafeBufferPointer { yp in
                    for r in 0..<rows {
                        var dot: Float = 0
                        for i in 0..<d { dot += dy[r * d + i] * yp[r * d + i] }
                        let mean = dot / Float(d), inv = inverse[r]
                        for i in 0..<d { g[r * d + i] += inv * (dy[r * d + i] - yp[r * d + i] * mean) }
                    }
                }
            }
            charge(backward: FLOPCost.elementwise(x.count, perElement: 5))
        }
        return y
    }

    /// Softmax over the last axis.
    public func softmax(_ x: Tensor) -> Tensor {
        let d = x.shape.last!, rows = x.count / d
        var out = x.data
        out.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows {
                let row = UnsafeMutableBufferPointer(rebasing: o[(r * d)..<((r + 1) * d)])
                let top = row.max()!
                var total: Float = 0
                for i in 0..<d {
                    row[i] = expf(row[i] - top)
                    total += row[i]
                }
                let inv = 1 / total
                for i in 0..<d { row[i] *= inv }
            }
        }
        charge(forward: FLOPCost.elementwise(x.count, perElement: 5))
        let y = Tensor(shape: x.shape, data: out, requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            // dx = y · (dy − Σ dy·y)
            x.withGrad { g in
                y.data.withUnsafeBufferPointer { yp in
                    for r in 0..<rows {
                        var dot: Float = 0
                        for i in 0..<d { dot += dy[r * d + i] * yp[r * d + i] }
                        for i in 0..<d { g[r * d + i] += yp[r * d + i] * (dy[r * d + i] - dot) }
                    }
                }
            }
            charge(backward: FLOPCost.elementwise(x.count, perElement: 4))
        }
        return y
    }
}
