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
/// `-D TRMKIT_AVX512` when its target CPU has AVX-512 (32 zmm registers: a 12×32 tile of SIMD16, 24
/// accumulators; narrow panels 12 rows of one vector), and without it for AVX2 (16 ymm registers: a 6×16
/// tile of SIMD8, 12 accumulators; SIMD16 there would be pairs of ymm registers and spill). Narrow products
/// use narrower panels rather than padding a wide one: the seed's N = 8 output head runs one 8-wide column
/// of vectors, its N = 37 mixer-down product full panels and a narrow tail.
@usableFromInline
enum GEMM {
    #if TRMKIT_AVX512
    typealias Wide = SIMD16<Float>
    typealias Narrow = SIMD8<Float>
    #else
    typealias Wide = SIMD8<Float>
    typealias Narrow = SIMD4<Float>
    #endif
    /// Rows of the six-row kernels.
    static let mr = 6
    /// Rows of C a tile covers: twelve with AVX-512 (its two-vector kernel holds 24 accumulators, its
    /// one-vector kernel 12; a tile of six rows or fewer runs the six-row kernels), six with AVX2.
    /// Rows of A a prepared product sweeps each panel of B with (a multiple of both tile heights).
    static let blockRows = 120
    #if TRMKIT_AVX512
    static let tileRows = 12
    #else
    static let tileRows = 6
    #endif
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
        if k * n > 64 * 1024 {
            // A large op(B) (the weight gradient's k = batch·length): fed to a chain in one go, which packs it
            // block by block (`Chain`).
            withChain(m: m, n: n, k: k, c: c, ldc: ldc, accumulate: accumulate) { chain in
                chain.feed(depth: k, a: a, aRow: aRow, aCol: aCol, b: b, bRow: bRow, bCol: bCol)
            }
            return
        }
        withPrepared(n: n, k: k, b: b, bRow: bRow, bCol: bCol) { prepared in
            prepared.multiply(m: m, a: a, aRow: aRow, aCol: aCol, c: c, ldc: ldc, accumulate: accumulate)
        }
    }

    /// Runs one panel's micro-kernel on a tile.
    @inline(__always)
    fileprivate static func run(_ tile: Tile, _ kind: Panel.Kind) {
        #if TRMKIT_AVX512
        if tile.rows > mr {
            switch kind {
            case .twoWide: tile.twelveRowsTwoVectors(Wide.self)
            case .oneWide: tile.twelveRowsOneVector(Wide.self)
            case .oneNarrow: tile.twelveRowsOneVector(Narrow.self)
            }
            return
        }
        #endif
        runSix(tile, kind)
        if tile.rows > mr { runSix(tile.droppingRows(mr), kind) }
    }

    /// The six-row kernel of a panel on a tile's first (up to) six rows.
    @inline(__always)
    fileprivate static func runSix(_ tile: Tile, _ kind: Panel.Kind) {
        switch kind {
        case .twoWide: tile.twoVectors(Wide.self)
        case .oneWide: tile.oneVector(Wide.self)
        case .oneNarrow: tile.oneVector(Narrow.self)
        }
    }

    /// A small op(B) (k×n) ready to be swept once per block of rows, by any number of `multiply` calls with
    /// different A and C: a panel is read straight from B when its rows are contiguous and it is full;
    /// otherwise (op(B) transposed, or a partial panel) it is packed k-major and zero-padded to the kernel's
    /// width once, here. A fused op that runs a product block of rows by block of rows prepares its weight
    /// once instead of packing it again for every block.
    struct PreparedB {
        let k: Int
        let panels: [Panel]
        /// Where panel `index`'s row p starts: `sources[index] + p * steps[index]`.
        let sources: [UnsafePointer<Float>], steps: [Int]

        /// C[m×n] = op(A)·op(B) (+ C), op(A)[i, p] at `a[i*aRow + p*aCol]`: the same per-element chains as
        /// `GEMM.multiply`.
        ///
        /// Rows go `blockRows` at a time, and within a block panel by panel: one panel of B (k × 32 floats with
        /// AVX-512) stays in L1 while the block's tiles sweep it, and the block's rows of A stay in L1/L2
        /// across its panels (sweeping every panel per tile streamed the whole of B from L2 for each tile).
        /// (AVX2's narrower panels run faster tile by tile, every panel per tile, as before.)
        func multiply(m: Int, a: UnsafePointer<Float>, aRow: Int, aCol: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
            /// Panel `index`'s kernel on the tile of rows i0..<end (at most `tileRows` of them).
            @inline(__always)
            func run(rows i0: Int, to end: Int, panel index: Int) {
                let panel = panels[index]
                GEMM.run(
                    Tile(
                        a: a + i0 * aRow, aRow: aRow, aCol: aCol, rows: min(tileRows, end - i0), k: k, b: sources[index],
                        bStep: steps[index], c: c + i0 * ldc + panel.start, ldc: ldc, columns: panel.columns,
                        accumulate: accumulate),
                    panel.kind)
            }
            #if TRMKIT_AVX512
            for r0 in stride(from: 0, to: m, by: GEMM.blockRows) {
                let end = min(m, r0 + GEMM.blockRows)
                for index in panels.indices {
                    for i0 in stride(from: r0, to: end, by: tileRows) { run(rows: i0, to: end, panel: index) }
                }
            }
            #else
            for i0 in stride(from: 0, to: m, by: tileRows) {
                for index in panels.indices { run(rows: i0, to: m, panel: index) }
            }
            #endif
        }
    }

    /// Prepares op(B) (k×n, k > 0) for `body`; the packed panels live only during the call.
    static func withPrepared<R>(n: Int, k: Int, b: UnsafePointer<Float>, bRow: Int, bCol: Int, _ body: (PreparedB) -> R) -> R {
        let panels = panels(n)
        var packedOffsets = [Int](repeating: -1, count: panels.count)
        var packedSize = 0
        for (index, panel) in panels.enumerated() where bCol != 1 || panel.columns < panel.span {
            packedOffsets[index] = packedSize
            packedSize += k * panel.span
        }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: max(packedSize, 1)) { scratch in
            let packed = scratch.baseAddress!
            var sources: [UnsafePointer<Float>] = [], steps: [Int] = []
            for (index, panel) in panels.enumerated() {
                if packedOffsets[index] < 0 {
                    sources.append(b + panel.start)
                    steps.append(bRow)
                } else {
                    pack(panel, rows: 0..<k, b: b, bRow: bRow, bCol: bCol, into: packed + packedOffsets[index])
                    sources.append(UnsafePointer(packed + packedOffsets[index]))
                    steps.append(panel.span)
                }
            }
            return body(PreparedB(k: k, panels: panels, sources: sources, steps: steps))
        }
    }

    /// A product C[m×n] = op(A)·op(B) (+ C) whose k is fed in consecutive blocks of rows of op(B) (columns of
    /// op(A)): the weight gradient's k = batch·length, in one go from `multiply` or block by block from a
    /// fused op that produces op(B) a block of rows at a time. Each block is cut in `kBlock`-row pieces; per
    /// piece, one panel at a time is packed into a contiguous stream that stays in L1 while every block of
    /// rows sweeps it, and the tiles' accumulators wait in `carry` between pieces (streaming the whole k×span
    /// panel from L2 for every block of rows ran at half the forward products' speed). Each element is still
    /// one FMA chain over p = 0…k−1 in order, added to C when the last row is fed.
    struct Chain {
        let m: Int, k: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
        let panels: [Panel]
        let packed: UnsafeMutablePointer<Float>, carry: UnsafeMutablePointer<Float>
        /// Rows of k fed so far.
        private(set) var fed = 0

        static var kBlock: Int { 4096 / (2 * GEMM.wide) }
        static let carryStep = 2 * GEMM.wide

        init(m: Int, k: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, panels: [Panel], scratch: UnsafeMutablePointer<Float>) {
            (self.m, self.k, self.c, self.ldc, self.accumulate, self.panels) = (m, k, c, ldc, accumulate, panels)
            packed = scratch
            carry = scratch + Self.kBlock * 2 * GEMM.wide
        }

        /// Feeds the next `depth` rows of k: `a` points at op(A)[0, fed], `b` at op(B)[fed, 0].
        mutating func feed(depth: Int, a: UnsafePointer<Float>, aRow: Int, aCol: Int, b: UnsafePointer<Float>, bRow: Int, bCol: Int) {
            precondition(fed + depth <= k, "GEMM chain: \(fed + depth) rows fed to a product of k = \(k)")
            for start in stride(from: 0, to: depth, by: Self.kBlock) {
                let rows = min(Self.kBlock, depth - start), k0 = fed + start
                for (index, panel) in panels.enumerated() {
                    // A full panel of contiguous rows is read in place (a piece's rows of it fit L1 as they
                    // are); others are packed k-major and zero-padded.
                    let inPlace = bCol == 1 && panel.columns == panel.span
                    if !inPlace { GEMM.pack(panel, rows: start..<(start + rows), b: b, bRow: bRow, bCol: bCol, into: packed) }
                    let source = inPlace ? b + start * bRow + panel.start : UnsafePointer(packed)
                    for i0 in stride(from: 0, to: m, by: tileRows) {
                        var tile = Tile(
                            a: a + i0 * aRow + start * aCol, aRow: aRow, aCol: aCol, rows: min(tileRows, m - i0), k: rows,
                            b: source, bStep: inPlace ? bRow : panel.span, c: c + i0 * ldc + panel.start, ldc: ldc, columns: panel.columns,
                            accumulate: accumulate)
                        tile.carry = carry + ((i0 / tileRows) * panels.count + index) * tileRows * Self.carryStep
                        tile.carryStep = Self.carryStep
                        tile.resume = k0 > 0
                        tile.finish = k0 + rows == k
                        GEMM.run(tile, panel.kind)
                    }
                }
            }
            fed += depth
        }
    }

    /// Runs `body` with a chain for C[m×n] over k (m, n, k > 0); `body` must feed all k rows.
    static func withChain(m: Int, n: Int, k: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, _ body: (inout Chain) -> Void) {
        let panels = panels(n)
        let tiles = (m + tileRows - 1) / tileRows
        let capacity = Chain.kBlock * 2 * wide + tiles * tileRows * panels.count * Chain.carryStep
        withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { scratch in
            var chain = Chain(m: m, k: k, c: c, ldc: ldc, accumulate: accumulate, panels: panels, scratch: scratch.baseAddress!)
            body(&chain)
            precondition(chain.fed == k, "GEMM chain: \(chain.fed) of k = \(k) rows fed")
        }
    }

    /// Copies op(B)'s columns of `panel`, rows `rows`, as rows of `panel.span` floats, zero past the panel's columns.
    fileprivate static func pack(_ panel: Panel, rows: Range<Int>, b: UnsafePointer<Float>, bRow: Int, bCol: Int, into dst: UnsafeMutablePointer<Float>) {
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
