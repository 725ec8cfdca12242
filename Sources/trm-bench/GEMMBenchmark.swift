import Foundation
import TRMKit

/// Measures the FMA peak of one core and TRMKit's matmul at the seed kernel's shapes.
enum GEMMBenchmark {
    static func seconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Peak: 24 independent register-resident FMA chains on 16-wide vectors, enough to cover FMA
    /// latency × issue width on current cores (two 512-bit pipes × 4-cycle latency needs 8).
    static func fmaPeak() -> Double {
        typealias V = SIMD16<Float>
        let a = V(repeating: 1.0000001), b = V(repeating: 0.9999999)
        let iterations = 4_000_000
        var total = V()
        let t = seconds {
            var c0 = V(repeating: 0)
            var c1 = V(repeating: 1)
            var c2 = V(repeating: 2)
            var c3 = V(repeating: 3)
            var c4 = V(repeating: 4)
            var c5 = V(repeating: 5)
            var c6 = V(repeating: 6)
            var c7 = V(repeating: 7)
            var c8 = V(repeating: 8)
            var c9 = V(repeating: 9)
            var c10 = V(repeating: 10)
            var c11 = V(repeating: 11)
            var c12 = V(repeating: 12)
            var c13 = V(repeating: 13)
            var c14 = V(repeating: 14)
            var c15 = V(repeating: 15)
            var c16 = V(repeating: 16)
            var c17 = V(repeating: 17)
            var c18 = V(repeating: 18)
            var c19 = V(repeating: 19)
            var c20 = V(repeating: 20)
            var c21 = V(repeating: 21)
            var c22 = V(repeating: 22)
            var c23 = V(repeating: 23)
            for _ in 0..<iterations {
                c0 = c0.addingProduct(a, b)
                c1 = c1.addingProduct(a, b)
                c2 = c2.addingProduct(a, b)
                c3 = c3.addingProduct(a, b)
                c4 = c4.addingProduct(a, b)
                c5 = c5.addingProduct(a, b)
                c6 = c6.addingProduct(a, b)
                c7 = c7.addingProduct(a, b)
                c8 = c8.addingProduct(a, b)
                c9 = c9.addingProduct(a, b)
                c10 = c10.addingProduct(a, b)
                c11 = c11.addingProduct(a, b)
                c12 = c12.addingProduct(a, b)
                c13 = c13.addingProduct(a, b)
                c14 = c14.addingProduct(a, b)
                c15 = c15.addingProduct(a, b)
                c16 = c16.addingProduct(a, b)
                c17 = c17.addingProduct(a, b)
                c18 = c18.addingProduct(a, b)
                c19 = c19.addingProduct(a, b)
                c20 = c20.addingProduct(a, b)
                c21 = c21.addingProduct(a, b)
                c22 = c22.addingProduct(a, b)
                c23 = c23.addingProduct(a, b)
            }
            total = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15 + c16 + c17 + c18 + c19 + c20 + c21 + c22 + c23
        }
        sink += total.sum()
        return Double(iterations) * 24 * 16 * 2 / t / 1e9
    }

    nonisolated(unsafe) static var sink: Float = 0

    static func run() {
        let peak = max(fmaPeak(), fmaPeak())
        print(String(format: "FMA peak (one core, 16-wide, register-resident): %.1f GFLOP/s", peak))
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
