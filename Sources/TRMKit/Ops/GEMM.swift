/// Single-precision matrix multiply, C = op(A)·op(B) (+ C): the runtime's hot path.
///
/// op(A) is m×k with element (i, p) at `a[i*aRow + p*aCol]`; op(B) is k×n with element (p, j) at
/// `b[p*bRow + j*bCol]`; strides express transposition without copies. C is m×n with row stride `ldc`.
///
/// Every element of C is one accumulator that starts at zero and takes op(A)[i, p]·op(B)[p, j] by fused
/// multiply-add for p = 0, 1, …, k−1 in that order, and is then added to C (to zero when not
/// accumulating). The register tile, the panel widths and the loop order below decide only which elements
/// are computed together, never that order, so the results are bit-for-bit the same on every path of one
/// machine's build, and a speed change here cannot move a training run (scripts/check-trmkit-predictions.sh).
///
/// The register tile is chosen per instruction set at module build time: the module is compiled with
/// `-D TRMKIT_AVX512` when its target CPU has AVX-512 (32 zmm registers: a 6×32 tile of SIMD16, 12
/// accumulators), and without it for AVX2 (16 ymm registers: a 6×16 tile of SIMD8, 12 accumulators;
/// SIMD16 there would be pairs of ymm registers and spill). Narrow products use narrower panels rather
/// than padding a wide one: the seed's N = 8 output head runs one 8-wide column of vectors, its N = 37
/// mixer-down product two full panels and a narrow tail.
@usableFromInline
enum GEMM {
    #if TRMKIT_AVX512
    typealias Wide = SIMD16<Float>
    typealias Narrow = SIMD8<Float>
    #else
    typealias Wide = SIMD8<Float>
    typealias Narrow = SIMD4<Float>
    #endif
    /// Rows of the register tile.
    static let mr = 6
    static var wide: Int { Wide.scalarCount }
    static var narrow: Int { Narrow.scalarCount }

    /// One column panel of C: where it starts, how many columns it covers, and which micro-kernel
    /// computes it (two wide vectors, one wide vector, or one narrow vector per row).
    struct Panel {
        enum Kind { case twoWide, oneWide, oneNarrow }
        let start: Int, columns: Int, kind: Kind
        /// Columns the kernel computes (the panel's packed width; ≥ `columns`).
        var span: Int {
            switch kind {
            case .twoWide: 2 * GEMM.wide
            case .oneWide: GEMM.wide
            case .oneNarrow: GEMM.narrow
            }
        }
    }

    /// The panels covering n columns: full two-vector panels, then the remainder in the narrowest
    /// kernel that holds it, so N = 8 or the 5 columns past 32 do not pay for a 32-wide panel.
    static func panels(_ n: Int) -> [Panel] {
        var out: [Panel] = []
        var j0 = 0
        while j0 < n {
            let left = n - j0
            let kind: Panel.Kind = left > wide ? .twoWide : left > narrow ? .oneWide : .oneNarrow
            let panel = Panel(start: j0, columns: 0, kind: kind)
            let columns = min(panel.span, left)
            out.append(Panel(start: j0, columns: columns, kind: kind))
            j0 += columns
        }
        return out
    }

    static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, aRow: Int, aCol: Int,
        b: UnsafePointer<Float>, bRow: Int, bCol: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let panels = panels(n)
        func run(_ panel: Panel, rowStart i0: Int, b source: UnsafePointer<Float>, bStep: Int) {
            let tile = Tile(
                a: a + i0 * aRow, aRow: aRow, aCol: aCol, rows: min(mr, m - i0), k: k, b: source, bStep: bStep,
                c: c + i0 * ldc + panel.start, ldc: ldc, columns: panel.columns, accumulate: accumulate)
            switch panel.kind {
            case .twoWide: tile.twoVectors(Wide.self)
            case .oneWide: tile.oneVector(Wide.self)
            case .oneNarrow: tile.oneVector(Narrow.self)
            }
        }
        if k * n > 64 * 1024 {
            // A large op(B) (the weight gradient's k = batch·length): k in blocks of `kBlock`, and per block
            // one panel at a time packed into a contiguous kBlock×span stream that stays in L1 while every
            // block of rows sweeps it; the tiles' accumulators wait in `carry` between blocks. Streaming the
            // whole k×span panel from L2 for every block of rows ran at half the forward products' speed.
            let kBlock = 4096 / (2 * wide)
            let tiles = (m + mr - 1) / mr, carryStep = 2 * wide
            withUnsafeTemporaryAllocation(of: Float.self, capacity: kBlock * 2 * wide + tiles * mr * panels.count * carryStep) { scratch in
                let packed = scratch.baseAddress!, carry = packed + kBlock * 2 * wide
                for k0 in stride(from: 0, to: k, by: kBlock) {
                    let depth = min(kBlock, k - k0)
                    for (index, panel) in panels.enumerated() {
                        pack(panel, rows: k0..<(k0 + depth), b: b, bRow: bRow, bCol: bCol, into: packed)
                        for i0 in stride(from: 0, to: m, by: mr) {
                            var tile = Tile(
                                a: a + i0 * aRow + k0 * aCol, aRow: aRow, aCol: aCol, rows: min(mr, m - i0), k: depth,
                                b: packed, bStep: panel.span, c: c + i0 * ldc + panel.start, ldc: ldc, columns: panel.columns,
                                accumulate: accumulate)
                            tile.carry = carry + ((i0 / mr) * panels.count + index) * mr * carryStep
                            tile.carryStep = carryStep
                            tile.resume = k0 > 0
                            tile.finish = k0 + depth == k
                            switch panel.kind {
                            case .twoWide: tile.twoVectors(Wide.self)
                            case .oneWide: tile.oneVector(Wide.self)
                            case .oneNarrow: tile.oneVector(Narrow.self)
                            }
                        }
                    }
                }
            }
            return
        }
        // A small op(B) is swept once per block of rows. A panel is read straight from B when its rows are
        // contiguous and it is full; otherwise (op(B) transposed, or a partial panel) it is packed k-major
        // and zero-padded to the kernel's width, all panels up front.
        var packedOffsets = [Int](repeating: -1, count: panels.count)
        var packedSize = 0
        for (index, panel) in panels.enumerated() where bCol != 1 || panel.columns < panel.span {
            packedOffsets[index] = packedSize
            packedSize += k * panel.span
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(packedSize, 1)) { scratch in
            let packed = scratch.baseAddress!
            for (index, panel) in panels.enumerated() where packedOffsets[index] >= 0 {
                pack(panel, rows: 0..<k, b: b, bRow: bRow, bCol: bCol, into: packed + packedOffsets[index])
            }
            for i0 in stride(from: 0, to: m, by: mr) {
                for (index, panel) in panels.enumerated() {
                    if packedOffsets[index] < 0 {
                        run(panel, rowStart: i0, b: b + panel.start, bStep: bRow)
                    } else {
                        run(panel, rowStart: i0, b: packed + packedOffsets[index], bStep: panel.span)
                    }
                }
            }
        }
    }

    /// Copies op(B)'s columns of `panel`, rows `rows`, as rows of `panel.span` floats, zero past the panel's columns.
    private static func pack(_ panel: Panel, rows: Range<Int>, b: UnsafePointer<Float>, bRow: Int, bCol: Int, into dst: UnsafeMutablePointer<Float>) {
        let span = panel.span, width = panel.columns
        for p in rows {
            let row = dst + (p - rows.lowerBound) * span
            let src = b + p * bRow + panel.start * bCol
            if bCol == 1 && width == span && span == 2 * wide {
                // A full two-vector row: two vector moves (a memcpy call per 64–128-byte row was 5–11% of the
                // weight gradients' time).
                let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(row)
                to.storeBytes(of: from.loadUnaligned(as: Wide.self), as: Wide.self)
                to.storeBytes(of: from.loadUnaligned(fromByteOffset: 4 * wide, as: Wide.self), toByteOffset: 4 * wide, as: Wide.self)
                continue
            } else if bCol == 1 {
                row.update(from: src, count: width)
            } else {
                for j in 0..<width { row[j] = src[j * bCol] }
            }
            if width < span { (row + width).update(repeating: 0, count: span - width) }
        }
    }
}
