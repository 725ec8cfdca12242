#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tape {
    /// Rows of `table` [V, D] gathered by a batch's token ids → [ids.count, D] (callers reshape to
    /// [B, L, D]). The only way a batch's inputs reach a kernel.
    public func embedding(_ table: Tensor, ids: Tokens) -> Tensor {
        embedding(table, ids: ids.ids)
    }

    /// Rows of `table` [V, D] gathered by `ids` → [ids.count, D].
    package func embedding(_ table: Tensor, ids: [Int]) -> Tensor {
        precondition(table.rank == 2, "embedding table must be [V, D], got \(table.shape)")
        let vocab = table.shape[0], d = table.shape[1]
        var out = [Float](repeating: 0, count: ids.count * d)
        table.data.withUnsafeBufferPointer { t in
            for (row, id) in ids.enumerated() {
                precondition(id >= 0 && id < vocab, "embedding: id \(id) outside [0, \(vocab))")
                for i in 0..<d { out[row * d + i] = t[id * d + i] }
            }
        }
        charge(forward: FLOPCost.elementwise(out.count))
        let y = Tensor(shape: [ids.count, d], data: out, requiresGrad: needsGrad(table))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            table.withGrad { g in
                for (row, id) in ids.enumerated() {
                    for i in 0..<d { g[id * d + i] += dy[row * d + i] }
                }
            }
            charge(backward: FLOPCost.elementwise(ids.count * d))
        }
        return y
    }

    /// Rotary position embedding on x[B, L, H, d]: each pair (i, i + d/2) of a head at position l is
    /// rotated by l·θᵢ, θᵢ = base^(−2i/d).
    public func rotary(_ x: Tensor, base: Float = 10_000) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] % 2 == 0, "rotary expects [B, L, H, d] with even d, got \(x.shape)")
        let (batch, length, heads, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let half = d / 2
        var cosines = [Float](repeating: 0, count: length * half), sines = cosines
        for l in 0..<length {
            for i in 0..<half {
                let angle = Double(l) * pow(Double(base), -2 * Double(i) / Double(d))
                cosines[l * half + i] = Float(cos(angle))
                sines[l * half + i] = Float(sin(angle))
            }
        }
        func rotate(_ src: UnsafeBufferPointer<Float>, _ dst: UnsafeMutableBufferPointer<Float>, inverse: Bool) {
            for b in 0..<batch {
                for l in 0..<length {
                    for h in 0..<heads {
                        let base = ((b * length + l) * heads + h) * d
                        for i in 0..<half {
                            let c = cosines[l * half + i], s = inverse ? -sines[l * half + i] : sines[l * half + i]
                            let x1 = src[base + i], x2 = src[base + half + i]
                            dst[base + i] += x1 * c - x2 * s
                            dst[base + half + i] += x2 * c + x1 * s
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: x.count)
        x.data.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { rotate(src, $0, inverse: false) } }
        charge(forward: FLOPCost.elementwise(x.count, perElement: 3))
        let y = Tensor(shape: x.shape, data: out, requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            // A rotation's transpose is the rotation by the opposite angle.
            dy.withUnsafeBufferPointer { src in x.withGrad { rotate(src, $0, inverse: true) } }
            charge(backward: FLOPCost.elementwise(x.count, perElement: 3))
        }
        return y
    }
}
