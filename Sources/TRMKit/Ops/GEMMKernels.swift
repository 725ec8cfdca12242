/// GEMM's register-blocked micro-kernels: one tile of up to `GEMM.mr` rows of C by one panel of columns.
///
/// op(A) is read in place (row r of the tile at `a + r*aRow`, column p at `+ p*aCol`): both the plain and
/// the transposed A of the backward pass walk it with constant strides, so packing it would only copy.
/// Rows past the end of C (a partial tile) read the tile's last valid row and are not stored, which keeps
/// one straight-line kernel per width instead of one per height.
struct Tile {
    let a: UnsafePointer<Float>, aRow: Int, aCol: Int, rows: Int, k: Int
    /// Row p of the panel starts at `b + p*bStep` (op(B)'s row stride, or the packed panel's width).
    let b: UnsafePointer<Float>, bStep: Int
    let c: UnsafeMutablePointer<Float>, ldc: Int, columns: Int, accumulate: Bool
    /// When k is split into blocks (GEMM's large-k path), the tile's accumulators between blocks: 6 rows of
    /// `carryStep` floats. `resume`: start from them instead of zero; `finish`: this is the last block, so
    /// add them to C; otherwise they are stored back whole for the next block. A float stored and loaded
    /// again is the same float, so each element is still one chain over p = 0…k−1 in order.
    var carry: UnsafeMutablePointer<Float>? = nil, carryStep = 0, resume = false, finish = true

    /// The same tile without its first `n` rows (n < rows): A, C and the carry start n rows further on.
    @inline(__always)
    func droppingRows(_ n: Int) -> Tile {
        var lower = Tile(
            a: a + n * aRow, aRow: aRow, aCol: aCol, rows: rows - n, k: k, b: b, bStep: bStep, c: c + n * ldc, ldc: ldc,
            columns: columns, accumulate: accumulate)
        lower.carry = carry.map { $0 + n * carryStep }
        (lower.carryStep, lower.resume, lower.finish) = (carryStep, resume, finish)
        return lower
    }

    /// Row r's first element of op(A), clamped to the last valid row.
    @inline(__always)
    func row(_ r: Int) -> UnsafePointer<Float> { a + min(r, rows - 1) * aRow }

    /// Six rows by two vectors of V: 12 accumulators, the main kernel (V = GEMM.Wide).
    @inline(__always)
    func twoVectors<V: SIMD>(_: V.Type) where V.Scalar == Float {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        if resume {
            (c00, c01) = (carried(0, 0), carried(0, w)); (c10, c11) = (carried(1, 0), carried(1, w))
            (c20, c21) = (carried(2, 0), carried(2, w)); (c30, c31) = (carried(3, 0), carried(3, w))
            (c40, c41) = (carried(4, 0), carried(4, w)); (c50, c51) = (carried(5, 0), carried(5, w))
        }
        var a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
        var pb = UnsafeRawPointer(b)
        let bBytes = bStep * 4, wBytes = w * 4
        for _ in 0..<k {
            let b0 = pb.loadUnaligned(as: V.self)
            let b1 = pb.loadUnaligned(fromByteOffset: wBytes, as: V.self)
            var s = V(repeating: a0.pointee)
            c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: a1.pointee)
            c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: a2.pointee)
            c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: a3.pointee)
            c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V(repeating: a4.pointee)
            c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V(repeating: a5.pointee)
            c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol; a4 += aCol; a5 += aCol
            pb += bBytes
        }
        guard finish else {
            carry(0, 0, c00); carry(0, w, c01); carry(1, 0, c10); carry(1, w, c11); carry(2, 0, c20); carry(2, w, c21)
            carry(3, 0, c30); carry(3, w, c31); carry(4, 0, c40); carry(4, w, c41); carry(5, 0, c50); carry(5, w, c51)
            return
        }
        store(0, c00, c01)
        if rows > 1 { store(1, c10, c11) }
        if rows > 2 { store(2, c20, c21) }
        if rows > 3 { store(3, c30, c31) }
        if rows > 4 { store(4, c40, c41) }
        if rows > 5 { store(5, c50, c51) }
    }

    /// Six rows by one vector of V: narrow panels (N = 8, a product's last few columns).
    @inline(__always)
    func oneVector<V: SIMD>(_: V.Type) where V.Scalar == Float {
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        if resume {
            (c0, c1, c2) = (carried(0, 0), carried(1, 0), carried(2, 0))
            (c3, c4, c5) = (carried(3, 0), carried(4, 0), carried(5, 0))
        }
        var a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
        var pb = UnsafeRawPointer(b)
        let bBytes = bStep * 4
        for _ in 0..<k {
            let b0 = pb.loadUnaligned(as: V.self)
            c0 = c0.addingProduct(V(repeating: a0.pointee), b0)
            c1 = c1.addingProduct(V(repeating: a1.pointee), b0)
            c2 = c2.addingProduct(V(repeating: a2.pointee), b0)
            c3 = c3.addingProduct(V(repeating: a3.pointee), b0)
            c4 = c4.addingProduct(V(repeating: a4.pointee), b0)
            c5 = c5.addingProduct(V(repeating: a5.pointee), b0)
            a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol; a4 += aCol; a5 += aCol
            pb += bBytes
        }
        guard finish else {
            carry(0, 0, c0); carry(1, 0, c1); carry(2, 0, c2); carry(3, 0, c3); carry(4, 0, c4); carry(5, 0, c5)
            return
        }
        store(0, c0)
        if rows > 1 { store(1, c1) }
        if rows > 2 { store(2, c2) }
        if rows > 3 { store(3, c3) }
        if rows > 4 { store(4, c4) }
        if rows > 5 { store(5, c5) }
    }

    /// Accumulator row r's vector at column `offset` of the carry (all six rows are always stored, so the
    /// rows past a partial tile's end hold finished values, never uninitialised memory).
    @inline(__always)
    func carried<V: SIMD>(_ r: Int, _ offset: Int) -> V where V.Scalar == Float {
        UnsafeRawPointer(carry! + r * carryStep + offset).loadUnaligned(as: V.self)
    }

    @inline(__always)
    func carry<V: SIMD>(_ r: Int, _ offset: Int, _ value: V) where V.Scalar == Float {
        UnsafeMutableRawPointer(carry! + r * carryStep + offset).storeBytes(of: value, as: V.self)
    }

    /// Adds a two-vector row of results into row r of C (into zero when not accumulating: `0 + x`, not
    /// `x`, so a −0 sum stores +0 exactly as adding it to a zeroed C did).
    @inline(__always)
    func store<V: SIMD>(_ r: Int, _ lo: V, _ hi: V) where V.Scalar == Float {
        let w = V.scalarCount
        if columns == 2 * w {
            let raw = UnsafeMutableRawPointer(c + r * ldc)
            let base0 = accumulate ? raw.loadUnaligned(as: V.self) : V()
            let base1 = accumulate ? raw.loadUnaligned(fromByteOffset: 4 * w, as: V.self) : V()
            raw.storeBytes(of: base0 + lo, as: V.self)
            raw.storeBytes(of: base1 + hi, toByteOffset: 4 * w, as: V.self)
        } else {
            storePartial(r, lo, from: 0)
            storePartial(r, hi, from: w)
        }
    }

    @inline(__always)
    func store<V: SIMD>(_ r: Int, _ values: V) where V.Scalar == Float {
        if columns == V.scalarCount {
            let raw = UnsafeMutableRawPointer(c + r * ldc)
            let base = accumulate ? raw.loadUnaligned(as: V.self) : V()
            raw.storeBytes(of: base + values, as: V.self)
        } else {
            storePartial(r, values, from: 0)
        }
    }

    /// The columns of a partial panel that fall in `values` (those from `first`), one by one.
    @inline(__always)
    private func storePartial<V: SIMD>(_ r: Int, _ values: V, from first: Int) where V.Scalar == Float {
        let out = c + r * ldc
        for j in first..<min(columns, first + V.scalarCount) {
            out[j] = (accumulate ? out[j] : 0) + values[j - first]
        }
    }
}
