extension Tape {
    /// x[…, K] · w[K, N] → […, N]: the linear layer (no bias), over every leading position at once.
    public func matmul(_ x: Tensor, _ w: Tensor) -> Tensor {
        precondition(w.rank == 2 && x.shape.last == w.shape[0], "matmul: \(x.shape) · \(w.shape)")
        let k = w.shape[0], n = w.shape[1], m = x.count / k
        let out = [Float](unsafeUninitializedCapacity: m * n) { op, written in
            x.data.withUnsafeBufferPointer { xp in
                w.data.withUnsafeBufferPointer { wp in
                    GEMM.multiply(
                        m: m, n: n, k: k, a: xp.baseAddress!, aRow: k, aCol: 1, b: wp.baseAddress!, bRow: n, bCol: 1,
                        c: op.baseAddress!, ldc: n, accumulate: false)
                }
            }
            written = m * n
        }
        chargeDense(forward: FLOPCost.matmul(m: m, k: k, n: n))
        let y = Tensor(shape: Array(x.shape.dropLast()) + [n], data: out, requiresGrad: needsGrad(x, w))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            dy.withUnsafeBufferPointer { dyp in
                if x.requiresGrad {
                    // dx[m×k] += dy[m×n] · wᵀ
                    w.data.withUnsafeBufferPointer { wp in
                        x.addToGrad { gx, accumulate in
                            GEMM.multiply(
                                m: m, n: k, k: n, a: dyp.baseAddress!, aRow: n, aCol: 1, b: wp.baseAddress!, bRow: 1,
                                bCol: n, c: gx, ldc: k, accumulate: accumulate)
                        }
                    }
                    chargeDense(backward: FLOPCost.matmul(m: m, k: n, n: k))
                }
                if w.requiresGrad {
                    // dw[k×n] += xᵀ · dy
                    x.data.withUnsafeBufferPointer { xp in
                        w.addToGrad { gw, accumulate in
                            GEMM.multiply(
                                m: k, n: n, k: m, a: xp.baseAddress!, aRow: 1, aCol: k, b: dyp.baseAddress!, bRow: n,
                                bCol: 1, c: gw, ldc: n, accumulate: accumulate)
                        }
                    }
                    chargeDense(backward: FLOPCost.matmul(m: k, k: m, n: n))
                }
            }
        }
        return y
    }

    /// Batched a[batch, M, K] · b[batch, K, N] → [batch, M, N]; with `transposeB`, b is [batch, N, K]
    /// and is used transposed (attention's q·kᵀ).
    public func bmm(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0], "bmm: \(a.shape) · \(b.shape)")
        let batch = a.shape[0], m = a.shape[1], k = a.shape[2]
        let n = transposeB ? b.shape[1] : b.shape[2]
        precondition((transposeB ? b.shape[2] : b.shape[1]) == k, "bmm: inner sizes differ: \(a.shape) · \(b.shape)")
        // Strides of op(B)[p, j] inside one batch item.
        let bRow = transposeB ? 1 : n, bCol = transposeB ? k : 1
        let out = [Float](unsafeUninitializedCapacity: batch * m * n) { op, written in
            a.data.withUnsafeBufferPointer { ap in
                b.data.withUnsafeBufferPointer { bp in
                    for t in 0..<batch {
                        GEMM.multiply(
                            m: m, n: n, k: k, a: ap.baseAddress! + t * m * k, aRow: k, aCol: 1,
                            b: bp.baseAddress! + t * k * n, bRow: bRow, bCol: bCol,
                            c: op.baseAddress! + t * m * n, ldc: n, accumulate: false)
                    }
                }
            }
            written = batch * m * n
        }
        chargeDense(forward: FLOPCost.matmul(m: m, k: k, n: n, batch: batch))
        let y = Tensor(shape: [batch, m, n], data: out, requiresGrad: needsGrad(a, b))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            dy.withUnsafeBufferPointer { dyp in
                if a.requiresGrad {
                    // da[m×k] += dy[m×n] · op(B)ᵀ; op(B)ᵀ[j, p] = op(B)[p, j].
                    b.data.withUnsafeBufferPointer { bp in
                        a.addToGrad { ga, accumulate in
                            for t in 0..<batch {
                                GEMM.multiply(
                                    m: m, n: k, k: n, a: dyp.baseAddress! + t * m * n, aRow: n, aCol: 1,
                                    b: bp.baseAddress! + t * k * n, bRow: bCol, bCol: bRow,
                                    c: ga + t * m * k, ldc: k, accumulate: accumulate)
                            }
                        }
                    }
                    chargeDense(backward: FLOPCost.matmul(m: m, k: n, n: k, batch: batch))
                }
                if b.requiresGrad {
                    // d op(B)[k×n] += aᵀ · dy, written through op(B)'s strides.
                    a.data.withUnsafeBufferPointer { ap in
                        b.addToGrad { gb, accumulate in
                            for t in 0..<batch {
                                let base = gb + t * k * n
                                if transposeB {
                                    // b is [n×k]: db = dyᵀ · a.
                                    GEMM.multiply(
                                        m: n, n: k, k: m, a: dyp.baseAddress! + t * m * n, aRow: 1, aCol: n,
                                        b: ap.baseAddress! + t * m * k, bRow: k, bCol: 1, c: base, ldc: k,
                                        accumulate: accumulate)
                                } else {
                                    GEMM.multiply(
                                        m: k, n: n, k: m, a: ap.baseAddress! + t * m * k, aRow: 1, aCol: k,
                                        b: dyp.baseAddress! + t * m * n, bRow: n, bCol: 1, c: base, ldc: n,
                                        accumulate: accumulate)
                                }
                            }
                        }
                    }
                    chargeDense(backward: FLOPCost.matmul(m: k, k: m, n: n, batch: batch))
                }
            }
        }
        return y
    }
}

extension Tensor {
    /// Runs `body` on the gradient's storage and whether it must add to it. A tensor's first gradient is
    /// written whole into uninitialised storage (`accumulate` false) instead of being added to zeros that
    /// were written first: `body` stores `0 + x` where it would have added x to a zero, so the values are
    /// the same (a −0 still becomes +0), and zeroing gradients was an eighth of the seed's training step
    /// (perf). `body` must write every element when `accumulate` is false.
    func addToGrad(_ body: (UnsafeMutablePointer<Float>, _ accumulate: Bool) -> Void) {
        guard count > 0 else {
            if grad == nil { grad = [] }
            return
        }
        if grad != nil {
            grad!.withUnsafeMutableBufferPointer { body($0.baseAddress!, true) }
            return
        }
        grad = [Float](unsafeUninitializedCapacity: count) { g, written in
            body(g.baseAddress!, false)
            written = count
        }
    }
}
