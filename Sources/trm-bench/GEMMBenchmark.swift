import Foundation
import TRMKit

/// Measures the FMA peak of one core and TRMKit's matmul at the seed kernel's shapes.
enum GEMMBenchmark {
    /// The calling thread's CPU seconds spent in `body`: on a machine shared with other builds, wall time
    /// counts the time the thread waited for a core, and the peak and the products would be measured at
    /// different loads; CPU time leaves the waiting out of both.
    static func seconds(_ body: () -> Void) -> Double {
        func now() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        let start = now()
        body()
        return now() - start
    }

    /// Peak: 10 independent register-resident FMA chains on vectors of the width TRMKit's GEMM uses on
    /// this build (SIMD16 with AVX-512, SIMD8 with AVX2), operands read from memory at run time (constants
    /// get folded). 10 chains cover the FMA latency × units of the cores we meet (4 × 2), and 10 accumulators
    /// + 5 operands fit AVX2's 16 ymm registers as well as AVX-512's 32: 12 chains of SIMD16 spilled on AVX2
    /// and understated its peak. With 4 operands LLVM's SLP vectoriser split the chains into partial vectors
    /// and the loop ran at half speed: check the assembly (objdump) after editing `chains`.
    static func fmaPeak() -> Double {
        let values = (0..<(5 * PeakVector.scalarCount)).map { 1 + Float($0) * 1e-9 }
        let iterations = 40_000_000
        var total = PeakVector()
        let t = seconds { values.withUnsafeBytes { total = chains($0, iterations) } }
        sink += total.sum()
        return Double(iterations) * 10 * Double(PeakVector.scalarCount) * 2 / t / 1e9
    }

    #if TRMKIT_AVX512
    typealias PeakVector = SIMD16<Float>
    #else
    typealias PeakVector = SIMD8<Float>
    #endif

    /// The peak loop, out of line with a run-time trip count: inlined with a constant one, LLVM split the
    /// chains into partial vectors (half the speed).
    @inline(never)
    static func chains(_ raw: UnsafeRawBufferPointer, _ iterations: Int) -> PeakVector {
        typealias V = PeakVector
        let w = 4 * V.scalarCount
        let a0 = raw.loadUnaligned(as: V.self), a1 = raw.loadUnaligned(fromByteOffset: w, as: V.self)
        let b0 = raw.loadUnaligned(fromByteOffset: 2 * w, as: V.self)
        let b1 = raw.loadUnaligned(fromByteOffset: 3 * w, as: V.self)
        let b2 = raw.loadUnaligned(fromByteOffset: 4 * w, as: V.self)
        var c0 = V(repeating: 0)
        var c1 = V(repeating: 0)
        var c2 = V(repeating: 0)
        var c3 = V(repeating: 0)
        var c4 = V(repeating: 0)
        var c5 = V(repeating: 0)
        var c6 = V(repeating: 0)
        var c7 = V(repeating: 0)
        var c8 = V(repeating: 0)
        var c9 = V(repeating: 0)
        for _ in 0..<iterations {
            c0 = c0.addingProduct(a0, b0)
            c1 = c1.addingProduct(a1, b1)
            c2 = c2.addingProduct(a0, b2)
            c3 = c3.addingProduct(a1, b0)
            c4 = c4.addingProduct(a0, b1)
            c5 = c5.addingProduct(a1, b2)
            c6 = c6.addingProduct(a0, b0)
            c7 = c7.addingProduct(a1, b1)
            c8 = c8.addingProduct(a0, b2)
            c9 = c9.addingProduct(a1, b0)
        }
        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9
    }

    nonisolated(unsafe) static var sink: Float = 0

    static func run() {
        let peak = max(fmaPeak(), fmaPeak())
        #if TRMKIT_AVX512
        let path = "AVX-512, 16-wide"
        #else
        let path = "AVX2, 8-wide"
        #endif
        print(String(format: "FMA peak (one core, %@, register-resident; thread CPU time): %.1f GFLOP/s", path, peak))
        // [M, K] · [K, N] shapes of the seed kernel (batch 64, L = 37, D = 64, hidden 176, 6×6 Sudoku).
        let shapes: [(String, Int, Int, Int)] = [
            ("mlp up   [B·L, D]·[D, 2H]", 64 * 37, 64, 352),
            ("mlp down [B·L, H]·[H, D]", 64 * 37, 176, 64),
            ("mixer up [B·D, L]·[L, 2H']", 64 * 64, 37, 2 * 64),
            ("mixer dn [B·D, H']·[H', L]", 64 * 64, 64, 37),
            ("head     [B·36, D]·[D, V]", 64 * 36, 64, 8),
        ]
        var rng = SeededRNG(seed: 1)
        for (name, m, k, n) in shapes {
            let x = Tensor(shape: [m, k], data: (0..<(m * k)).map { _ in rng.normal() }, requiresGrad: true)
            let w = Tensor(shape: [k, n], data: (0..<(k * n)).map { _ in rng.normal() }, requiresGrad: true)
            let tape = Tape()
            var reps = 0
            var elapsed = 0.0
            while elapsed < 0.3 {
                elapsed += seconds { sink += tape.withoutGradients { tape.matmul(x, w) }.data[reps % (m * n)] }
                reps += 1
            }
            let flops = Double(2 * m * n * k) * Double(reps)
            print(String(format: "%@  M=%5d K=%4d N=%4d  %6.1f GFLOP/s  (%.0f%% of peak)", name, m, k, n, flops / elapsed / 1e9,
                         100 * flops / elapsed / 1e9 / peak))
        }
    }
}
