extension Tape {
    /// Rows of the fused SwiGLU MLP's blocks: a block's gate/up rows (120 × 2I floats, 169 KB for the seed's
    /// channel MLP), its SwiGLU rows and their gradients stay in L2 from the product that makes them to the
    /// one that reads them. A multiple of the GEMM tile's 6 rows, so only a product's last tile is partial.
    static let fusedBlockRows = 120

    /// The SwiGLU MLP `(swiglu(x·Wg))·Wd` as one op, run a block of rows at a time, or nil where the op
    /// does not apply (then the caller composes `matmul`, `swiglu` and `matmul`, which it replaces exactly).
    ///
    /// Composed, each of the three steps reads its input back from memory: the seed's gate/up output
    /// (2368 × 352 floats) and SwiGLU output are larger than L2, and in the backward pass so are their
    /// gradients, which are written and read twice. Here a block's gate/up rows feed its SwiGLU and its
    /// down-projection while they are in cache; the backward pass recomputes a block's SwiGLU output from
    /// the stored gate/up rows (it needs the sigmoid anyway) instead of storing it, and feeds the weight
    /// gradients' products a block of k at a time (`GEMM.Chain`), so neither gradient is ever stored whole.
    ///
    /// The values are the composed ops' values bit for bit: every product element is the same in-order FMA
    /// chain (`GEMM`), the SwiGLU lanes and tails are the same functions of the same inputs, and a gradient
    /// written into fresh storage is `0 + x` as there. The FLOPs are charged exactly as the composed ops
    /// charge them, one charge per op in the same order (forward: gate/up, SwiGLU, down; backward: down's
    /// input and weight gradients, SwiGLU, gate/up's input and weight gradients), after the work, as the
    /// composed ops do, so budgets, op counts and the op that crosses a budget are unchanged.
    func fusedSwiGLUMLP(_ x: Tensor, gateUp wg: Tensor, down wd: Tensor) -> Tensor? {
        guard wg.rank == 2, wd.rank == 2, let width = x.shape.last, width > 0, wg.shape[0] == width,
              wg.shape[1] % 2 == 0, wd.shape[0] == wg.shape[1] / 2, x.count > 0
        else { return nil }
        let twice = wg.shape[1], hidden = twice / 2, out = wd.shape[1], rows = x.count / width
        let recording = needsGrad(x, wg, wd)
        // The backward pass below computes both weights' gradients; other mixes take the composed ops.
        if recording && !(wg.requiresGrad && wd.requiresGrad) { return nil }
        guard hidden > 0, out > 0 else { return nil }
        let block = Tape.fusedBlockRows
        // Gate/up rows are kept for the backward pass only when there is one.
        var gateUp = recording ? [Float](unsafeUninitializedCapacity: rows * twice) { $1 = rows * twice } : []
        let output = [Float](unsafeUninitializedCapacity: rows * out) { yp, written in
            x.data.withUnsafeBufferPointer { xp in
                wg.data.withUnsafeBufferPointer { gp in
                    wd.data.withUnsafeBufferPointer { dp in
                        gateUp.withUnsafeMutableBufferPointer { stored in
                            GEMM.withPrepared(n: twice, k: width, b: gp.baseAddress!, bRow: twice, bCol: 1) { up in
                                GEMM.withPrepared(n: out, k: hidden, b: dp.baseAddress!, bRow: out, bCol: 1) { down in
                                    let scratchSize = block * (hidden + (recording ? 0 : twice))
                                    withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchSize) { scratch in
                                        let s = scratch.baseAddress!
                                        for r0 in stride(from: 0, to: rows, by: block) {
                                            let n = min(block, rows - r0)
                                            let h = recording ? stored.baseAddress! + r0 * twice : s + block * hidden
                                            up.multiply(m: n, a: xp.baseAddress! + r0 * width, aRow: width, aCol: 1, c: h, ldc: twice, accumulate: false)
                                            Tape.swigluForward(h: h, into: s, rows: n, hidden: hidden)
                                            down.multiply(m: n, a: s, aRow: hidden, aCol: 1, c: yp.baseAddress! + r0 * out, ldc: out, accumulate: false)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            written = rows * out
        }
        chargeDense(forward: FLOPCost.matmul(m: rows, k: width, n: twice))
        charge(forward: FLOPCost.elementwise(rows * hidden, perElement: 5))
        chargeDense(forward: FLOPCost.matmul(m: rows, k: hidden, n: out))
        let y = Tensor(shape: Array(x.shape.dropLast()) + [out], data: output, requiresGrad: recording)
        guard recording else { return y }
        let stored = gateUp
        record { [unowned self] in
            guard let dy = y.grad else { return }
            Tape.fusedSwiGLUMLPBackward(
                x: x, wg: wg, wd: wd, gateUp: stored, dy: dy, rows: rows, width: width, hidden: hidden, out: out)
            chargeDense(backward: FLOPCost.matmul(m: rows, k: out, n: hidden))
            chargeDense(backward: FLOPCost.matmul(m: hidden, k: rows, n: out))
            charge(backward: FLOPCost.elementwise(rows * hidden, perElement: 12))
            if x.requiresGrad { chargeDense(backward: FLOPCost.matmul(m: rows, k: twice, n: width)) }
            chargeDense(backward: FLOPCost.matmul(m: width, k: rows, n: twice))
        }
        return y
    }

    /// The fused MLP's backward pass, a block of rows at a time: the SwiGLU output's gradient dy·Wdᵀ, then
    /// the SwiGLU output (again) and the gate/up gradient, then x's gradient dh·Wgᵀ; each block's SwiGLU
    /// output and gate/up gradient are fed to the weight gradients' chains (sᵀ·dy and xᵀ·dh over all rows).
    private static func fusedSwiGLUMLPBackward(
        x: Tensor, wg: Tensor, wd: Tensor, gateUp: [Float], dy: [Float], rows: Int, width: Int, hidden: Int, out: Int
    ) {
        let twice = 2 * hidden, block = fusedBlockRows
        func withInputGrad(_ body: (UnsafeMutablePointer<Float>?, Bool) -> Void) {
            if x.requiresGrad { x.addToGrad { body($0, $1) } } else { body(nil, false) }
        }
        dy.withUnsafeBufferPointer { dyb in
            gateUp.withUnsafeBufferPointer { hb in
                x.data.withUnsafeBufferPointer { xb in
                    wg.data.withUnsafeBufferPointer { gp in
                        wd.data.withUnsafeBufferPointer { dp in
                            let dyp = dyb.baseAddress!, hp = hb.baseAddress!, xp = xb.baseAddress!
                            // op(B)[p, j] = W[j, p]: the transposed weights, packed once for every block.
                            GEMM.withPrepared(n: hidden, k: out, b: dp.baseAddress!, bRow: 1, bCol: out) { downT in
                                GEMM.withPrepared(n: width, k: twice, b: gp.baseAddress!, bRow: 1, bCol: twice) { upT in
                                    wd.addToGrad { gwd, accumulateDown in
                                        wg.addToGrad { gwg, accumulateUp in
                                            GEMM.withChain(m: hidden, n: out, k: rows, c: gwd, ldc: out, accumulate: accumulateDown) { downW in
                                                GEMM.withChain(m: width, n: twice, k: rows, c: gwg, ldc: twice, accumulate: accumulateUp) { upW in
                                                    withInputGrad { gx, accumulateX in
                                                        withUnsafeTemporaryAllocation(of: Float.self, capacity: block * (2 * hidden + twice)) { scratch in
                                                            let ds = scratch.baseAddress!, s = ds + block * hidden, dh = s + block * hidden
                                                            for r0 in stride(from: 0, to: rows, by: block) {
                                                                let n = min(block, rows - r0), dyRows = dyp + r0 * out
                                                                downT.multiply(m: n, a: dyRows, aRow: out, aCol: 1, c: ds, ldc: hidden, accumulate: false)
                                                                swigluBackward(h: hp + r0 * twice, dy: ds, output: s, into: dh, rows: n, hidden: hidden)
                                                                downW.feed(depth: n, a: s, aRow: 1, aCol: hidden, b: dyRows, bRow: out, bCol: 1)
                                                                if let gx {
                                                                    upT.multiply(m: n, a: dh, aRow: twice, aCol: 1, c: gx + r0 * width, ldc: width, accumulate: accumulateX)
                                                                }
                                                                upW.feed(depth: n, a: xp + r0 * width, aRow: 1, aCol: width, b: dh, bRow: twice, bCol: 1)
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `swiglu`'s backward into fresh storage (`0 + x`, as a first gradient is written), which also writes
    /// the forward's output `gate · σ(gate) · up` from the same sigmoid: the lanes and the scalar tail split
    /// the row where `swigluForward` and `swiglu`'s backward split it and evaluate the same expressions in
    /// the same order, so both outputs are theirs bit for bit.
    private static func swigluBackward(
        h: UnsafePointer<Float>, dy: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        into g: UnsafeMutablePointer<Float>, rows: Int, hidden: Int
    ) {
        typealias V = SIMD16<Float>
        let width = 2 * hidden, vectorEnd = hidden / 16 * 16
        let hb = UnsafeRawPointer(h), db = UnsafeRawPointer(dy)
        let gb = UnsafeMutableRawPointer(g), ob = UnsafeMutableRawPointer(output)
        for r in 0..<rows {
            var j = 0
            while j < vectorEnd {
                let gi = 4 * (r * width + j), ui = gi + 4 * hidden, oi = 4 * (r * hidden + j)
                let gate = hb.loadUnaligned(fromByteOffset: gi, as: V.self)
                let up = hb.loadUnaligned(fromByteOffset: ui, as: V.self)
                let d = db.loadUnaligned(fromByteOffset: oi, as: V.self)
                let s = VectorMath.sigmoid(gate)
                ob.storeBytes(of: gate * s * up, toByteOffset: oi, as: V.self)
                gb.storeBytes(of: V() + d * up * s * (1 + gate * (1 - s)), toByteOffset: gi, as: V.self)
                gb.storeBytes(of: V() + d * gate * s, toByteOffset: ui, as: V.self)
                j += 16
            }
            while j < hidden {
                let gi = r * width + j, oi = r * hidden + j
                let gate = h[gi], up = h[gi + hidden], d = dy[oi], s = VectorMath.sigmoid(gate)
                output[oi] = gate * s * up
                g[gi] = 0 + d * up * s * (1 + gate * (1 - s))
                g[gi + hidden] = 0 + d * gate * s
                j += 1
            }
        }
    }
}
