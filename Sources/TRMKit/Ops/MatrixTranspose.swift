extension Tape {
    /// dst[t][j, i] = (accumulate ? dst[t][j, i] : 0) + src[t][i, j] for `count` row-major rows×columns
    /// matrices: the same `0 + x` / `+=` per element as the general permutation, written contiguously.
    ///
    /// Whole 8×8 blocks are transposed in registers (eight row loads, three rounds of even/odd
    /// interleaves, eight row stores); the columns past the last whole block gather eight source rows
    /// into one vector store, and the rows past the last whole block go one element at a time. Each
    /// element of dst still takes exactly one addition, so the values are those of the scalar loop.
    static func transposeMatrices(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, rows: Int, columns: Int, accumulate: Bool
    ) {
        typealias V = SIMD8<Float>
        let size = rows * columns, blockedRows = rows / 8 * 8, blockedColumns = columns / 8 * 8
        for t in 0..<count {
            let from = src + t * size, to = dst + t * size
            var i = 0
            while i < blockedRows {
                var j = 0
                while j < blockedColumns {
                    transposeBlock(from + i * columns + j, columns, to + j * rows + i, rows, accumulate)
                    j += 8
                }
                while j < columns {
                    var column = V()
                    for lane in 0..<8 { column[lane] = from[(i + lane) * columns + j] }
                    let target = UnsafeMutableRawPointer(to + j * rows + i)
                    let base = accumulate ? target.loadUnaligned(as: V.self) : V()
                    target.storeBytes(of: base + column, as: V.self)
                    j += 1
                }
                i += 8
            }
            while i < rows {
                for j in 0..<columns {
                    let out = to + j * rows + i
                    out.pointee = (accumulate ? out.pointee : 0) + from[i * columns + j]
                }
                i += 1
            }
        }
    }

    /// One 8×8 block: source rows at `from + r*fromStride`, destination rows at `to + c*toStride`.
    @inline(__always)
    private static func transposeBlock(
        _ from: UnsafePointer<Float>, _ fromStride: Int, _ to: UnsafeMutablePointer<Float>, _ toStride: Int, _ accumulate: Bool
    ) {
        typealias V = SIMD8<Float>
        func row(_ r: Int) -> V { UnsafeRawPointer(from + r * fromStride).loadUnaligned(as: V.self) }
        let t = transposed((row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7)))
        @inline(__always)
        func put(_ c: Int, _ value: V) {
            let target = UnsafeMutableRawPointer(to + c * toStride)
            let base = accumulate ? target.loadUnaligned(as: V.self) : V()
            target.storeBytes(of: base + value, as: V.self)
        }
        put(0, t.0); put(1, t.1); put(2, t.2); put(3, t.3); put(4, t.4); put(5, t.5); put(6, t.6); put(7, t.7)
    }

    /// An 8×8 block given as its eight rows, returned as its eight columns. Each round maps rows (2i, 2i+1)
    /// to rows i (their even elements) and i+4 (their odd ones); three rounds leave row c holding column c.
    @inline(__always)
    static func transposed(
        _ x: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        @inline(__always)
        func round(
            _ x: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
        ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            let p0 = SIMD16(lowHalf: x.0, highHalf: x.1), p1 = SIMD16(lowHalf: x.2, highHalf: x.3)
            let p2 = SIMD16(lowHalf: x.4, highHalf: x.5), p3 = SIMD16(lowHalf: x.6, highHalf: x.7)
            return (p0.evenHalf, p1.evenHalf, p2.evenHalf, p3.evenHalf, p0.oddHalf, p1.oddHalf, p2.oddHalf, p3.oddHalf)
        }
        return round(round(round(x)))
    }
}
