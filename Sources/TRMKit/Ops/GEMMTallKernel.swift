#if TRMKIT_AVX512
extension Tile {
    /// Twelve rows by two vectors of V: 24 accumulators, AVX-512's main kernel (32 zmm registers: 24
    /// accumulators, two rows of B and a broadcast). Each row of B loaded serves twice the FMAs of the
    /// six-row kernel, so a panel's stream from L1/L2 and the loop's overhead are halved per FMA. The
    /// per-element chains are the six-row kernel's: every accumulator starts at zero (or its carry) and
    /// takes A[i, p]·B[p, j] by one FMA for p = 0…k−1 in order.
    @inline(__always)
    func twelveRowsTwoVectors<V: SIMD>(_: V.Type) where V.Scalar == Float {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var c60 = V(), c61 = V(), c70 = V(), c71 = V(), c80 = V(), c81 = V()
        var c90 = V(), c91 = V(), cA0 = V(), cA1 = V(), cB0 = V(), cB1 = V()
        if resume {
            (c00, c01) = (carried(0, 0), carried(0, w)); (c10, c11) = (carried(1, 0), carried(1, w))
            (c20, c21) = (carried(2, 0), carried(2, w)); (c30, c31) = (carried(3, 0), carried(3, w))
            (c40, c41) = (carried(4, 0), carried(4, w)); (c50, c51) = (carried(5, 0), carried(5, w))
            (c60, c61) = (carried(6, 0), carried(6, w)); (c70, c71) = (carried(7, 0), carried(7, w))
            (c80, c81) = (carried(8, 0), carried(8, w)); (c90, c91) = (carried(9, 0), carried(9, w))
            (cA0, cA1) = (carried(10, 0), carried(10, w)); (cB0, cB1) = (carried(11, 0), carried(11, w))
        }
        var a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
        var a6 = row(6), a7 = row(7), a8 = row(8), a9 = row(9), aA = row(10), aB = row(11)
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
            s = V(repeating: a6.pointee)
            c60 = c60.addingProduct(s, b0); c61 = c61.addingProduct(s, b1)
            s = V(repeating: a7.pointee)
            c70 = c70.addingProduct(s, b0); c71 = c71.addingProduct(s, b1)
            s = V(repeating: a8.pointee)
            c80 = c80.addingProduct(s, b0); c81 = c81.addingProduct(s, b1)
            s = V(repeating: a9.pointee)
            c90 = c90.addingProduct(s, b0); c91 = c91.addingProduct(s, b1)
            s = V(repeating: aA.pointee)
            cA0 = cA0.addingProduct(s, b0); cA1 = cA1.addingProduct(s, b1)
            s = V(repeating: aB.pointee)
            cB0 = cB0.addingProduct(s, b0); cB1 = cB1.addingProduct(s, b1)
            a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol; a4 += aCol; a5 += aCol
            a6 += aCol; a7 += aCol; a8 += aCol; a9 += aCol; aA += aCol; aB += aCol
            pb += bBytes
        }
        guard finish else {
            carry(0, 0, c00); carry(0, w, c01); carry(1, 0, c10); carry(1, w, c11); carry(2, 0, c20); carry(2, w, c21)
            carry(3, 0, c30); carry(3, w, c31); carry(4, 0, c40); carry(4, w, c41); carry(5, 0, c50); carry(5, w, c51)
            carry(6, 0, c60); carry(6, w, c61); carry(7, 0, c70); carry(7, w, c71); carry(8, 0, c80); carry(8, w, c81)
            carry(9, 0, c90); carry(9, w, c91); carry(10, 0, cA0); carry(10, w, cA1); carry(11, 0, cB0); carry(11, w, cB1)
            return
        }
        store(0, c00, c01); store(1, c10, c11); store(2, c20, c21); store(3, c30, c31)
        store(4, c40, c41); store(5, c50, c51); store(6, c60, c61)
        if rows > 7 { store(7, c70, c71) }
        if rows > 8 { store(8, c80, c81) }
        if rows > 9 { store(9, c90, c91) }
        if rows > 10 { store(10, cA0, cA1) }
        if rows > 11 { store(11, cB0, cB1) }
    }

    /// Twelve rows by one vector of V: AVX-512's narrow panels (the seed's N = 8 output head, the five
    /// columns past 32 of its N = 37 products). Two six-row passes held six accumulators each, too few
    /// independent chains to cover the FMA's latency on two units; twelve do, and each row of B loaded
    /// serves twice the FMAs. The chains are the six-row kernel's.
    @inline(__always)
    func twelveRowsOneVector<V: SIMD>(_: V.Type) where V.Scalar == Float {
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        var c6 = V(), c7 = V(), c8 = V(), c9 = V(), cA = V(), cB = V()
        if resume {
            (c0, c1, c2, c3) = (carried(0, 0), carried(1, 0), carried(2, 0), carried(3, 0))
            (c4, c5, c6, c7) = (carried(4, 0), carried(5, 0), carried(6, 0), carried(7, 0))
            (c8, c9, cA, cB) = (carried(8, 0), carried(9, 0), carried(10, 0), carried(11, 0))
        }
        var a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
        var a6 = row(6), a7 = row(7), a8 = row(8), a9 = row(9), aA = row(10), aB = row(11)
        var pb = UnsafeRawPointer(b)
        let bBytes = bStep * 4
        for _ in 0..<k {
            let b0 = pb.loadUnaligned(as: V.self)
            c0 = c0.addingProduct(V(repeating: a0.pointee), b0); c1 = c1.addingProduct(V(repeating: a1.pointee), b0)
            c2 = c2.addingProduct(V(repeating: a2.pointee), b0); c3 = c3.addingProduct(V(repeating: a3.pointee), b0)
            c4 = c4.addingProduct(V(repeating: a4.pointee), b0); c5 = c5.addingProduct(V(repeating: a5.pointee), b0)
            c6 = c6.addingProduct(V(repeating: a6.pointee), b0); c7 = c7.addingProduct(V(repeating: a7.pointee), b0)
            c8 = c8.addingProduct(V(repeating: a8.pointee), b0); c9 = c9.addingProduct(V(repeating: a9.pointee), b0)
            cA = cA.addingProduct(V(repeating: aA.pointee), b0); cB = cB.addingProduct(V(repeating: aB.pointee), b0)
            a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol; a4 += aCol; a5 += aCol
            a6 += aCol; a7 += aCol; a8 += aCol; a9 += aCol; aA += aCol; aB += aCol
            pb += bBytes
        }
        guard finish else {
            carry(0, 0, c0); carry(1, 0, c1); carry(2, 0, c2); carry(3, 0, c3); carry(4, 0, c4); carry(5, 0, c5)
            carry(6, 0, c6); carry(7, 0, c7); carry(8, 0, c8); carry(9, 0, c9); carry(10, 0, cA); carry(11, 0, cB)
            return
        }
        store(0, c0); store(1, c1); store(2, c2); store(3, c3); store(4, c4); store(5, c5); store(6, c6)
        if rows > 7 { store(7, c7) }
        if rows > 8 { store(8, c8) }
        if rows > 9 { store(9, c9) }
        if rows > 10 { store(10, cA) }
        if rows > 11 { store(11, cB) }
    }
}
#endif
