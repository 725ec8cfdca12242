/// Single-precision matrix multiply, C = op(A)·op(B) (+ C), with packed panels and a 6×32 SIMD
/// register-blocked micro-kernel. This is the runtime's hot path.
///
/// op(A) is m×k with element (i, p) at `a[i*aRow + p*aCol]`; op(B) is k×n with element (p, j) at
/// `b[p*bRow + j*bCol]`; strides express transposition without copies. C is m×n with row stride `ldc`.
@usableFromInline
enum GEMM {
    static let mr = 6
    static let nr = 32

    static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, aRow: Int, aCol: Int,
        b: UnsafePointer<Float>, bRow: Int, bCol: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        guard m > 0, n > 0 else { return }
        if !accumulate {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
        }
        guard k > 0 else { return }
        let panels = (n + nr - 1) / nr
        // Pack op(B) into panels of nr columns, k-major, zero-padded past n.
        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: panels * k * nr)
        defer { packedB.deallocate() }
        for panel in 0..<panels {
            let j0 = panel * nr
            let width = min(nr, n - j0)
            let dst = packedB + panel * k * nr
            for p in 0..<k {
                let row = dst + p * nr
                let src = b + p * bRow + j0 * bCol
                if bCol == 1 {
                    row.update(from: src, count: width)
                } else {
                    for j in 0..<width { row[j] = src[j * bCol] }
                }
                if width < nr { (row + width).update(repeating: 0, count: nr - width) }
            }
        }
        let packedA = UnsafeMutablePointer<Float>.allocate(capacity: k * mr)
        defer { packedA.deallocate() }
        var i0 = 0
        while i0 < m {
            let height = min(mr, m - i0)
            // Pack mr rows of op(A), k-major, zero-padded past m.
            for p in 0..<k {
                let dst = packedA + p * mr
                for r in 0..<height { dst[r] = a[(i0 + r) * aRow + p * aCol] }
                for r in height..<mr { dst[r] = 0 }
            }
            for panel in 0..<panels {
                let j0 = panel * nr
                microKernel(
                    k: k, a: packedA, b: packedB + panel * k * nr, c: c + i0 * ldc + j0, ldc: ldc,
                    rows: height, columns: min(nr, n - j0))
            }
            i0 += mr
        }
    }

    @inline(__always)
    private static func microKernel(
        k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
        rows: Int, columns: Int
    ) {
        typealias V = SIMD16<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0..<k {
            let b0 = pb.loadUnaligned(as: V.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 64, as: V.self)
            var s = V(repeating: pa[0])
            c00.addProduct(s, b0); c01.addProduct(s, b1)
            s = V(repeating: pa[1])
            c10.addProduct(s, b0); c11.addProduct(s, b1)
            s = V(repeating: pa[2])
            c20.addProduct(s, b0); c21.addProduct(s, b1)
            s = V(repeating: pa[3])
            c30.addProduct(s, b0); c31.addProduct(s, b1)
            s = V(repeating: pa[4])
            c40.addProduct(s, b0); c41.addProduct(s, b1)
            s = V(repeating: pa[5])
            c50.addProduct(s, b0); c51.addProduct(s, b1)
            pa += 6
            pb += 128
        }
        store(c, c00, c01, columns)
        if rows > 1 { store(c + ldc, c10, c11, columns) }
        if rows > 2 { store(c + 2 * ldc, c20, c21, columns) }
        if rows > 3 { store(c + 3 * ldc, c30, c31, columns) }
        if rows > 4 { store(c + 4 * ldc, c40, c41, columns) }
        if rows > 5 { store(c + 5 * ldc, c50, c51, columns) }
    }

    /// Adds a 32-wide row of results into C; partial panels go element by element.
    @inline(__always)
    private static func store(_ row: UnsafeMutablePointer<Float>, _ lo: SIMD16<Float>, _ hi: SIMD16<Float>, _ columns: Int) {
        if columns == 32 {
            let raw = UnsafeMutableRawPointer(row)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + lo, as: SIMD16<Float>.self)
            raw.storeBytes(
                of: raw.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self) + hi, toByteOffset: 64,
                as: SIMD16<Float>.self)
        } else {
            for j in 0..<columns { row[j] += j < 16 ? lo[j] : hi[j - 16] }
        }
    }
}

extension SIMD16<Float> {
    @inline(__always)
    mutating func addProduct(_ a: Self, _ b: Self) {
        self = self.addingProduct(a, b)
    }
}
