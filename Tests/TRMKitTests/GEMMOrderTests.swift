import Testing
@testable import TRMKit

/// TRMKit's determinism contract for its products: every element of C is one accumulator that starts at
/// zero, takes op(A)[i, p]·op(B)[p, j] by fused multiply-add for p in order, and is then added to C (to
/// zero when not accumulating). A faster tile, panel or loop order must keep it bit for bit, or training runs
/// — and every score an evolution run stored — would move; these tests compare bit patterns, not values
/// within a tolerance.
@Suite struct GEMMOrderTests {
    func reference(
        _ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ aRow: Int, _ aCol: Int, _ b: [Float], _ bRow: Int, _ bCol: Int,
        start: [Float], accumulate: Bool
    ) -> [Float] {
        var c = start
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum = sum.addingProduct(a[i * aRow + p * aCol], b[p * bRow + j * bCol]) }
                c[i * n + j] = (accumulate ? start[i * n + j] : 0) + sum
            }
        }
        return c
    }

    /// The seed's narrow products (N = 8, N = 37), partial tiles (m = 7, 13), every panel kind's remainder
    /// (N = 5, 17, 33, 70), and large k·n that take the weight gradient's path: k split into blocks whose
    /// last one is partial, the tiles' accumulators carried between blocks (k = 2000, and the seed's mixer
    /// dW shape N = 37 with k = 4100 past a whole number of blocks on both instruction sets). AVX-512's
    /// twelve-row tiles: full ones followed by a tall partial one (19 = 12 + 7) and by a short one that runs
    /// the six-row kernels (29 = 12 + 12 + 5), on both the prepared and the carried (k-blocked) paths.
    @Test(arguments: [
        (1, 1, 1), (7, 8, 64), (13, 37, 64), (6, 5, 3), (7, 17, 9), (12, 33, 20), (9, 70, 11), (7, 40, 2000), (13, 37, 4100),
        (19, 96, 50), (29, 70, 33), (19, 37, 1800), (29, 64, 1100),
    ])
    func everyElementIsOneInOrderFMAChain(m: Int, n: Int, k: Int) {
        var rng = SeededRNG(seed: UInt64(m * 100_000 + n * 100 + k))
        let a = (0..<(m * k)).map { _ in rng.normal() }
        let b = (0..<(k * n)).map { _ in rng.normal() }
        let start = (0..<(m * n)).map { _ in rng.normal() }
        var mismatches = 0
        for (aRow, aCol) in [(k, 1), (1, m)] {
            for (bRow, bCol) in [(n, 1), (1, k)] {
                for accumulate in [true, false] {
                    let expected = reference(m, n, k, a, aRow, aCol, b, bRow, bCol, start: start, accumulate: accumulate)
                    var c = start
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                GEMM.multiply(
                                    m: m, n: n, k: k, a: ap.baseAddress!, aRow: aRow, aCol: aCol, b: bp.baseAddress!,
                                    bRow: bRow, bCol: bCol, c: cp.baseAddress!, ldc: n, accumulate: accumulate)
                            }
                        }
                    }
                    mismatches += zip(c, expected).filter { $0.bitPattern != $1.bitPattern }.count
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) elements differ from the in-order FMA chain for m=\(m) n=\(n) k=\(k)")
    }

    /// The panels cover every column exactly once, and a narrow product does not get a wide panel.
    @Test func panelsTileTheColumnsWithoutWastingAWidePanel() {
        for n in 1...100 {
            let panels = GEMM.panels(n)
            #expect(panels.map(\.columns).reduce(0, +) == n)
            #expect(zip(panels, panels.dropFirst()).allSatisfy { $0.start + $0.columns == $1.start })
            #expect(panels.allSatisfy { $0.columns <= $0.span })
        }
        #expect(GEMM.panels(8).map(\.span) == [8])  // one 8-wide column of vectors on both paths
        #expect(GEMM.panels(37).last!.span <= GEMM.wide)
    }
}
