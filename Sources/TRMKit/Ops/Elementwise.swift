#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tape {
    /// a + b, where b's shape equals a's or a suffix of it (then b is broadcast over a's leading axes:
    /// a bias, a position table, a fixed initial state).
    public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(Array(a.shape.suffix(b.rank)) == b.shape, "add: cannot broadcast \(b.shape) onto \(a.shape)")
        let inner = b.count
        // One pass into uninitialised storage (copying a first and adding in place was two).
        let out = [Float](unsafeUninitializedCapacity: a.count) { o, written in
            a.data.withUnsafeBufferPointer { ap in
                b.data.withUnsafeBufferPointer { bp in
                    Tape.addBroadcast(ap.baseAddress!, bp.baseAddress!, into: o.baseAddress!, count: ap.count, inner: inner)
                }
            }
            written = a.count
        }
        charge(forward: FLOPCost.elementwise(a.count))
        let y = Tensor(shape: a.shape, data: out, requiresGrad: needsGrad(a, b))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            if a.requiresGrad { a.accumulateGrad(dy) }
            dy.withUnsafeBufferPointer { d in
                if b.requiresGrad {
                    if inner == d.count {
                        // b has a's shape (a residual branch): its first gradient is written as 0 + dy in one
                        // pass, as zeroing it and then adding dy computed, without the zeroing pass.
                        b.addToGrad { g, accumulate in
                            if accumulate {
                                for i in 0..<inner { g[i] += d[i] }
                            } else {
                                for i in 0..<inner { g[i] = 0 + d[i] }
                            }
                        }
                    } else {
                        b.withGrad { g in
                            var base = 0
                            while base < d.count {
                                for i in 0..<inner { g[i] += d[base + i] }
                                base += inner
                            }
                        }
                    }
                    charge(backward: FLOPCost.elementwise(d.count))
                }
            }
        }
        return y
    }

    /// o[i] = a[i] + b[i mod inner]: one vector loop per block of `inner` (aliasing is ruled out here,
    /// so the compiler vectorises it; each element is still the one addition it was).
    private static func addBroadcast(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into o: UnsafeMutablePointer<Float>, count: Int, inner: Int
    ) {
        var base = 0
        while base < count {
            let ai = a + base, oi = o + base
            for i in 0..<inner { oi[i] = ai[i] + b[i] }
            base += inner
        }
    }

    /// Elementwise a · b (same shapes).
    public func mul(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "mul: shapes differ: \(a.shape) vs \(b.shape)")
        var out = a.data
        out.withUnsafeMutableBufferPointer { o in
            b.data.withUnsafeBufferPointer { bp in for i in 0..<o.count { o[i] *= bp[i] } }
        }
        charge(forward: FLOPCost.elementwise(a.count))
        let y = Tensor(shape: a.shape, data: out, requiresGrad: needsGrad(a, b))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            if a.requiresGrad {
                a.withGrad { g in for i in 0..<g.count { g[i] += dy[i] * b.data[i] } }
            }
            if b.requiresGrad {
                b.withGrad { g in for i in 0..<g.count { g[i] += dy[i] * a.data[i] } }
            }
            charge(backward: FLOPCost.elementwise(a.count, perElement: 4))
        }
        return y
    }

    /// x · s for a constant s.
    public func scale(_ x: Tensor, _ s: Float) -> Tensor {
        let y = Tensor(shape: x.shape, data: x.data.map { $0 * s }, requiresGrad: needsGrad(x))
        charge(forward: FLOPCost.elementwise(x.count))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            x.withGrad { g in for i in 0..<g.count { g[i] += dy[i] * s } }
            charge(backward: FLOPCost.elementwise(x.count, perElement: 2))
        }
        return y
    }

    /// The sum of all elements, as a scalar.
    public func sum(_ x: Tensor) -> Tensor {
        let total = x.data.reduce(0, +)
        charge(forward: FLOPCost.elementwise(x.count))
        let y = Tensor(shape: [1], data: [total], requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad?[0] else { return }
            x.withGrad { g in for i in 0..<g.count { g[i] += dy } }
            charge(backward: FLOPCost.elementwise(x.count))
        }
        return y
    }

    /// SiLU (swish): x · σ(x).
    public func silu(_ x: Tensor) -> Tensor {
        let y = Tensor(shape: x.shape, data: x.data.map { $0 / (1 + expf(-$0)) }, requiresGrad: needsGrad(x))
        charge(forward: FLOPCost.elementwise(x.count, perElement: 4))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            x.withGrad { g in
                for i in 0..<g.count {
                    let s = 1 / (1 + expf(-x.data[i]))
                    g[i] += dy[i] * s * (1 + x.data[i] * (1 - s))
                }
            }
            charge(backward: FLOPCost.elementwise(x.count, perElement: 7))
        }
        return y
    }

    /// SwiGLU's gate: h[…, 2I] → silu(h[…, :I]) · h[…, I:], the activation between a SwiGLU MLP's
    /// up- and down-projections. The backward pass computes the gate's sigmoid again rather than keeping it:
    /// the step's tensors are larger than L2, so storing and re-reading a third array cost more than the
    /// exp and division (perf), and the same function on the same input gives the same value.
    public func swiglu(_ h: Tensor) -> Tensor {
        let width = h.shape.last!
        precondition(width % 2 == 0, "swiglu: last dimension \(width) must be even")
        let hidden = width / 2, rows = h.count / width
        let out = [Float](unsafeUninitializedCapacity: rows * hidden) { op, written in
            h.data.withUnsafeBufferPointer { hp in
                Tape.swigluForward(h: hp.baseAddress!, into: op.baseAddress!, rows: rows, hidden: hidden)
            }
            written = rows * hidden
        }
        charge(forward: FLOPCost.elementwise(out.count, perElement: 5))
        let y = Tensor(shape: Array(h.shape.dropLast()) + [hidden], data: out, requiresGrad: needsGrad(h))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            h.addToGrad { g, accumulate in
                h.data.withUnsafeBufferPointer { hp in
                    dy.withUnsafeBufferPointer { dp in
                        Tape.swigluBackward(
                            h: hp.baseAddress!, dy: dp.baseAddress!, into: g, accumulate: accumulate, rows: rows, hidden: hidden)
                    }
                }
            }
            charge(backward: FLOPCost.elementwise(rows * hidden, perElement: 12))
        }
        return y
    }

    /// The gate's sigmoid as both passes compute it: 16 lanes at a time for the row's first ⌊I/16⌋·16
    /// columns, the scalar function for the rest (the two round differently, so the split must match).
    private typealias V16 = SIMD16<Float>

    static func swigluForward(h: UnsafePointer<Float>, into o: UnsafeMutablePointer<Float>, rows: Int, hidden: Int) {
        let width = 2 * hidden, vectorEnd = hidden / 16 * 16
        let hb = UnsafeRawPointer(h), ob = UnsafeMutableRawPointer(o)
        for r in 0..<rows {
            let gateBase = r * width, outBase = r * hidden
            var j = 0
            while j < vectorEnd {
                let gate = hb.loadUnaligned(fromByteOffset: 4 * (gateBase + j), as: V16.self)
                let up = hb.loadUnaligned(fromByteOffset: 4 * (gateBase + hidden + j), as: V16.self)
                ob.storeBytes(of: gate * VectorMath.sigmoid(gate) * up, toByteOffset: 4 * (outBase + j), as: V16.self)
                j += 16
            }
            while j < hidden {
                let gate = h[gateBase + j]
                o[outBase + j] = gate * VectorMath.sigmoid(gate) * h[gateBase + hidden + j]
                j += 1
            }
        }
    }

    /// SwiGLU's backward, 16 lanes at a time: for each gate g, up u, upstream d and sigmoid s = σ(g),
    /// ∂gate = d·u·s·(1 + g·(1 − s)) and ∂up = d·g·s, evaluated in the same order as the scalar tail, so
    /// each lane's value is the scalar one. Where `accumulate` is false the gradient is written as 0 + x.
    private static func swigluBackward(
        h: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        into g: UnsafeMutablePointer<Float>, accumulate: Bool, rows: Int, hidden: Int
    ) {
        typealias V = V16
        let width = 2 * hidden, vectorEnd = hidden / 16 * 16
        let hb = UnsafeRawPointer(h), db = UnsafeRawPointer(dy)
        let gb = UnsafeMutableRawPointer(g)
        for r in 0..<rows {
            var j = 0
            while j < vectorEnd {
                let gi = 4 * (r * width + j), ui = gi + 4 * hidden, oi = 4 * (r * hidden + j)
                let gate = hb.loadUnaligned(fromByteOffset: gi, as: V.self)
                let up = hb.loadUnaligned(fromByteOffset: ui, as: V.self)
                let d = db.loadUnaligned(fromByteOffset: oi, as: V.self)
                let s = VectorMath.sigmoid(gate)
                let gateBase = accumulate ? gb.loadUnaligned(fromByteOffset: gi, as: V.self) : V()
                let upBase = accumulate ? gb.loadUnaligned(fromByteOffset: ui, as: V.self) : V()
                gb.storeBytes(of: gateBase + d * up * s * (1 + gate * (1 - s)), toByteOffset: gi, as: V.self)
                gb.storeBytes(of: upBase + d * gate * s, toByteOffset: ui, as: V.self)
                j += 16
            }
            while j < hidden {
                let gi = r * width + j, oi = r * hidden + j
                let gate = h[gi], up = h[gi + hidden], d = dy[oi], s = VectorMath.sigmoid(gate)
                g[gi] = (accumulate ? g[gi] : 0) + d * up * s * (1 + gate * (1 - s))
                g[gi + hidden] = (accumulate ? g[gi + hidden] : 0) + d * gate * s
                j += 1
            }
        }
    }
}

extension Tape {
    /// Per example, `whereTrue` where `mask` is 1 and `whereFalse` where it is 0: TRM's reset of the carry
    /// for slots holding a new example (`torch.where(reset, H_init, z_H)`). `mask` is [B]; `whereFalse`
    /// is [B, …]; `whereTrue` has `whereFalse`'s shape or a suffix of it (broadcast: an initial state [D]).
    public func select(_ mask: Tensor, _ whereTrue: Tensor, _ whereFalse: Tensor) -> Tensor {
        let batch = mask.count
        precondition(
            whereFalse.rank >= 1 && whereFalse.shape[0] == batch && whereFalse.count % max(batch, 1) == 0,
            "select: mask has \(batch) values but the tensor is \(whereFalse.shape)")
        precondition(Array(whereFalse.shape.suffix(whereTrue.rank)) == whereTrue.shape, "select: cannot broadcast \(whereTrue.shape) onto \(whereFalse.shape)")
        let row = whereFalse.count / max(batch, 1)
        // whereTrue is either per example (same shape) or one block of `inner` values repeated.
        let perExample = whereTrue.rank == whereFalse.rank, inner = perExample ? row : whereTrue.count
        @inline(__always) func source(_ b: Int, _ i: Int) -> Int { perExample ? b * row + i : i % inner }
        var out = whereFalse.data
        out.withUnsafeMutableBufferPointer { o in
            whereTrue.data.withUnsafeBufferPointer { t in
                for b in 0..<batch where mask.data[b] != 0 {
                    var i = 0
                    while i < row {
                        let base = perExample ? b * row + i : 0
                        for j in 0..<inner { o[b * row + i + j] = t[base + j] }
                        i += inner
                    }
                }
            }
        }
        charge(forward: FLOPCost.elementwise(whereFalse.count))
        let y = Tensor(shape: whereFalse.shape, data: out, requiresGrad: needsGrad(whereTrue, whereFalse))
        guard y.requiresGrad else { return y }
        let chosen = mask.data.map { $0 != 0 }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            if whereFalse.requiresGrad {
                whereFalse.withGrad { g in
                    for b in 0..<batch where !chosen[b] { for i in 0..<row { g[b * row + i] += dy[b * row + i] } }
                }
            }
            if whereTrue.requiresGrad {
                whereTrue.withGrad { g in
                    for b in 0..<batch where chosen[b] { for i in 0..<row { g[source(b, i)] += dy[b * row + i] } }
                }
            }
            charge(backward: FLOPCost.elementwise(dy.count))
        }
        return y
    }

    /// The logistic function 1 / (1 + e^−x), elementwise (HRM's Q-learning target).
    public func sigmoid(_ x: Tensor) -> Tensor {
        let out = x.data.map { VectorMath.sigmoid($0) }
        charge(forward: FLOPCost.elementwise(x.count, perElement: 4))
        let y = Tensor(shape: x.shape, data: out, requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            x.withGrad { g in for i in 0..<g.count { g[i] += dy[i] * out[i] * (1 - out[i]) } }
            charge(backward: FLOPCost.elementwise(x.count, perElement: 3))
        }
        return y
    }

    /// The larger of a and b, elementwise (same shapes); the gradient goes to the larger one (a on ties).
    public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "maximum: shapes differ: \(a.shape) vs \(b.shape)")
        let fromA = zip(a.data, b.data).map { $0 >= $1 }
        let out = zip(a.data, b.data).map { max($0, $1) }
        charge(forward: FLOPCost.elementwise(a.count))
        let y = Tensor(shape: a.shape, data: out, requiresGrad: needsGrad(a, b))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            if a.requiresGrad { a.withGrad { g in for i in 0..<g.count where fromA[i] { g[i] += dy[i] } } }
            if b.requiresGrad { b.withGrad { g in for i in 0..<g.count where !fromA[i] { g[i] += dy[i] } } }
            charge(backward: FLOPCost.elementwise(a.count))
        }
        return y
    }
}
