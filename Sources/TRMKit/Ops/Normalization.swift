#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tape {
    /// RMSNorm over the last axis without a learnable weight (TRM's post-norm): x / √(mean(x²) + ε).
    public func rmsNorm(_ x: Tensor, epsilon: Float = 1e-5) -> Tensor {
        let d = x.shape.last!, rows = x.count / d
        var inverse = [Float](unsafeUninitializedCapacity: rows) { $1 = rows }  // every element written below
        let out = [Float](unsafeUninitializedCapacity: x.count) { o, written in
            x.data.withUnsafeBufferPointer { xp in
                inverse.withUnsafeMutableBufferPointer { inv in
                    // Σ x² per row: each row's sum stays one sequential chain, eight rows' chains side by side.
                    Tape.rowDots(xp.baseAddress!, xp.baseAddress!, rows: rows, d: d, into: inv.baseAddress!)
                    for r in 0..<rows {
                        let scale = 1 / (inv[r] / Float(d) + epsilon).squareRoot()
                        inv[r] = scale
                        let from = xp.baseAddress! + r * d, to = o.baseAddress! + r * d
                        for i in 0..<d { to[i] = from[i] * scale }
                    }
                }
            }
            written = x.count
        }
        charge(forward: FLOPCost.elementwise(x.count, perElement: 4))
        let y = Tensor(shape: x.shape, data: out, requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            // dx = inv · (dy − y · mean(dy · y))
            var dots = [Float](unsafeUninitializedCapacity: rows) { $1 = rows }
            dy.withUnsafeBufferPointer { dp in
                y.data.withUnsafeBufferPointer { yp in
                    dots.withUnsafeMutableBufferPointer { Tape.rowDots(dp.baseAddress!, yp.baseAddress!, rows: rows, d: d, into: $0.baseAddress!) }
                    x.addToGrad { g, accumulate in
                        for r in 0..<rows {
                            let mean = dots[r] / Float(d), inv = inverse[r]
                            let dr = dp.baseAddress! + r * d, yr = yp.baseAddress! + r * d, gr = g + r * d
                            if accumulate {
                                for i in 0..<d { gr[i] += inv * (dr[i] - yr[i] * mean) }
                            } else {
                                for i in 0..<d { gr[i] = 0 + inv * (dr[i] - yr[i] * mean) }
                            }
                        }
                    }
                }
            }
            charge(backward: FLOPCost.elementwise(x.count, perElement: 5))
        }
        return y
    }

    /// out[r] = Σᵢ a[r, i]·b[r, i] for row-major rows of length d, each sum the sequential chain
    /// `s += a·b` from i = 0 (a multiply then an add, as the scalar loop did), so the values are those of
    /// one row at a time; eight rows run as the lanes of a vector, so eight chains' latencies overlap.
    /// Whole 8×8 blocks form their products a row at a time (the same rounded a·b) and turn them into
    /// columns in registers (`transposed`), instead of gathering two scalars per element into lanes.
    @inline(__always)
    static func rowDots(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, d: Int, into out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let blocked = d / 8 * 8
        var r = 0
        while r + 8 <= rows {
            var sum = V()
            var i = 0
            while i < blocked {
                @inline(__always)
                func product(_ lane: Int) -> V {
                    let offset = (r + lane) * d + i
                    return UnsafeRawPointer(a + offset).loadUnaligned(as: V.self) * UnsafeRawPointer(b + offset).loadUnaligned(as: V.self)
                }
                let p = Tape.transposed((product(0), product(1), product(2), product(3), product(4), product(5), product(6), product(7)))
                sum = sum + p.0; sum = sum + p.1; sum = sum + p.2; sum = sum + p.3
                sum = sum + p.4; sum = sum + p.5; sum = sum + p.6; sum = sum + p.7
                i += 8
            }
            for i in blocked..<d {
                var x = SIMD8<Float>(), y = SIMD8<Float>()
                for lane in 0..<8 {
                    x[lane] = a[(r + lane) * d + i]
                    y[lane] = b[(r + lane) * d + i]
                }
                sum = sum + x * y
            }
            for lane in 0..<8 { out[r + lane] = sum[lane] }
            r += 8
        }
        while r < rows {
            var sum: Float = 0
            for i in 0..<d { sum += a[r * d + i] * b[r * d + i] }
            out[r] = sum
            r += 1
        }
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
