extension Tape {
    /// The same values under a new shape with the same element count.
    public func reshape(_ x: Tensor, _ shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == x.count, "reshape: \(x.shape) has \(x.count) values, \(shape) needs \(shape.reduce(1, *))")
        let y = Tensor(shape: shape, data: x.data, requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record {
            guard let dy = y.grad else { return }
            x.accumulateGrad(dy)
        }
        return y
    }

    /// Swaps axes `i` and `j` (for example [B, L, D] → [B, D, L] for the sequence mixer).
    public func transpose(_ x: Tensor, _ i: Int, _ j: Int) -> Tensor {
        let (p, q) = (min(i, j), max(i, j))
        precondition(p >= 0 && q < x.rank, "transpose: axes \(i), \(j) out of range for \(x.shape)")
        if p == q { return x }
        var shape = x.shape
        shape.swapAt(p, q)
        // View as [outer, A, mid, B, inner] → [outer, B, mid, A, inner].
        let outer = x.shape[..<p].reduce(1, *), a = x.shape[p], mid = x.shape[(p + 1)..<q].reduce(1, *)
        let b = x.shape[q], inner = x.shape[(q + 1)...].reduce(1, *)
        func permute(_ src: UnsafeBufferPointer<Float>, _ dst: UnsafeMutableBufferPointer<Float>, forward: Bool) {
            for o in 0..<outer {
                for ai in 0..<a {
                    for m in 0..<mid {
                        for bi in 0..<b {
                            let s = (((o * a + ai) * mid + m) * b + bi) * inner
                            let d = (((o * b + bi) * mid + m) * a + ai) * inner
                            let (from, to) = forward ? (s, d) : (d, s)
                            for t in 0..<inner { dst[to + t] += src[from + t] }
                        }
                    }
                }
            }
        }
        // Adjacent axes with nothing inside them (the sequence mixer's [B, L, D] ↔ [B, D, L]) are `outer`
        // matrix transposes: a tight loop instead of the general index arithmetic, and no zeroing first.
        let matrices = mid == 1 && inner == 1
        var out: [Float]
        if matrices {
            out = [Float](unsafeUninitializedCapacity: x.count) { dst, written in
                x.data.withUnsafeBufferPointer { src in
                    Tape.transposeMatrices(src.baseAddress!, dst.baseAddress!, count: outer, rows: a, columns: b, accumulate: false)
                }
                written = x.count
            }
        } else {
            out = [Float](repeating: 0, count: x.count)
            x.data.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { permute(src, $0, forward: true) } }
        }
        charge(forward: FLOPCost.elementwise(x.count))
        let y = Tensor(shape: shape, data: out, requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            dy.withUnsafeBufferPointer { src in
                if matrices {
                    x.addToGrad { g, accumulate in
                        Tape.transposeMatrices(src.baseAddress!, g, count: outer, rows: b, columns: a, accumulate: accumulate)
                    }
                } else {
                    x.withGrad { permute(src, $0, forward: false) }
                }
            }
            charge(backward: FLOPCost.elementwise(x.count))
        }
        return y
    }

    /// Elements `start..<start+length` along `axis`.
    public func slice(_ x: Tensor, axis: Int, start: Int, length: Int) -> Tensor {
        precondition(axis < x.rank && start >= 0 && start + length <= x.shape[axis], "slice out of range for \(x.shape)")
        let outer = x.shape[..<axis].reduce(1, *), n = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
        var shape = x.shape
        shape[axis] = length
        var out = [Float](repeating: 0, count: outer * length * inner)
        for o in 0..<outer {
            let src = (o * n + start) * inner, dst = o * length * inner
            out.replaceSubrange(dst..<(dst + length * inner), with: x.data[src..<(src + length * inner)])
        }
        charge(forward: FLOPCost.elementwise(out.count))
        let y = Tensor(shape: shape, data: out, requiresGrad: needsGrad(x))
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            x.withGrad { g in
                for o in 0..<outer {
                    let src = o * length * inner, dst = (o * n + start) * inner
                    for t in 0..<(length * inner) { g[dst + t] += dy[src + t] }
                }
            }
            charge(backward: FLOPCost.elementwise(dy.count))
        }
        return y
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public func concat(_ xs: [Tensor], axis: Int) -> Tensor {
        precondition(!xs.isEmpty, "concat of nothing")
        let first = xs[0]
        for x in xs {
            precondition(
                x.rank == first.rank && x.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == first.shape[$0.offset] },
                "concat: \(x.shape) does not match \(first.shape) off axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *), inner = first.shape[(axis + 1)...].reduce(1, *)
        let total = xs.reduce(0) { $0 + $1.shape[axis] }
        var shape = first.shape
        shape[axis] = total
        var out = [Float]()
        out.reserveCapacity(outer * total * inner)
        for o in 0..<outer {
            for x in xs {
                let width = x.shape[axis] * inner
                out.append(contentsOf: x.data[(o * width)..<((o + 1) * width)])
            }
        }
        charge(forward: FLOPCost.elementwise(out.count))
        let y = Tensor(shape: shape, data: out, requiresGrad: isRecording && xs.contains { $0.requiresGrad })
        guard y.requiresGrad else { return y }
        record { [unowned self] in
            guard let dy = y.grad else { return }
            var offset = 0
            for x in xs {
                let width = x.shape[axis] * inner
                if x.requiresGrad {
                    x.withGrad { g in
                        for o in 0..<outer {
                            let src = o * total * inner + offset
                            for t in 0..<width { g[o * width + t] += dy[src + t] }
                        }
                    }
                }
                offset += width
            }
            charge(backward: FLOPCost.elementwise(dy.count))
        }
        return y
    }
}
