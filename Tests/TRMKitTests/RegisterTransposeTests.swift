import Testing
@testable import TRMKit

/// The sequence mixer's matrix transposes (`Tape.transposeMatrices`): every destination element is
/// `(accumulate ? dst : 0) + src` exactly once, whatever mix of 8×8 register blocks, gathered columns and
/// scalar rows covers it. Compared by bit pattern with the plain loop, so a −0 source written into fresh
/// storage must come out +0 as there.
@Suite struct TransposeTests {
    /// Whole blocks only (8×16), the seed's mixer shapes (37×64 and back), and remainders in rows,
    /// columns or both, below one block (3×5) and past several (21×13), over two matrices.
    @Test(arguments: [(8, 16), (37, 64), (64, 37), (3, 5), (21, 13), (9, 8), (16, 9)])
    func matchesTheElementwiseLoop(rows: Int, columns: Int) {
        var rng = SeededRNG(seed: UInt64(rows * 1000 + columns))
        let count = 2, size = rows * columns
        var src = (0..<(count * size)).map { _ in rng.normal() }
        src[0] = -0.0
        src[count * size - 1] = -0.0
        let start = (0..<(count * size)).map { _ in rng.normal() }
        for accumulate in [false, true] {
            var expected = start
            for t in 0..<count {
                for i in 0..<rows {
                    for j in 0..<columns {
                        let d = t * size + j * rows + i
                        expected[d] = (accumulate ? start[d] : 0) + src[t * size + i * columns + j]
                    }
                }
            }
            var out = start
            src.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    Tape.transposeMatrices(s.baseAddress!, o.baseAddress!, count: count, rows: rows, columns: columns, accumulate: accumulate)
                }
            }
            let mismatches = zip(out, expected).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(mismatches == 0, "\(mismatches) elements differ for \(rows)×\(columns), accumulate \(accumulate)")
        }
    }
}

/// rmsNorm's per-row sums (`Tape.rowDots`): each row's Σ a·b is the sequential chain `s = s + a·b` from
/// i = 0 (a rounded product, then an addition), bit for bit, whether its columns go through the 8×8
/// register blocks, the gathered remainder columns or the scalar remainder rows.
@Suite struct RowDotTests {
    @Test(arguments: [(19, 64), (8, 8), (17, 13), (9, 5), (3, 24)])
    func everyRowIsOneSequentialChain(rows: Int, d: Int) {
        var rng = SeededRNG(seed: UInt64(rows * 100 + d))
        let a = (0..<(rows * d)).map { _ in rng.normal() }, b = (0..<(rows * d)).map { _ in rng.normal() }
        var expected = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var sum: Float = 0
            for i in 0..<d { sum = sum + a[r * d + i] * b[r * d + i] }
            expected[r] = sum
        }
        var out = [Float](repeating: .nan, count: rows)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { Tape.rowDots(ap.baseAddress!, bp.baseAddress!, rows: rows, d: d, into: $0.baseAddress!) }
            }
        }
        #expect(zip(out, expected).allSatisfy { $0.bitPattern == $1.bitPattern }, "rows \(rows), d \(d): \(out) vs \(expected)")
    }
}
