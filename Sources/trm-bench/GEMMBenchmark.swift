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

    /// Peak: 12 independent register-resident FMA chains on 16-wide vectors whose operands are read
    /// from memory at run time (with compile-time constants the compiler splits them into 8-wide halves).
    static func fmaPeak() -> Double {
        typealias V = SIMD16<Float>
        let values = (0..<80).map { 1 + Float($0) * 1e-9 }
        let iterations = 20_000_000
        var total = V()
        let t = seconds {
            values.withUnsafeBytes { raw in
                let a0 = raw.loadUnaligned(as: V.self), a1 = raw.loadUnaligned(fromByteOffset: 64, as: V.self)
                let b0 = raw.loadUnaligned(fromByteOffset: 128, as: V.self)
                let b1 = raw.loadUnaligned(fromByteOffset: 192, as: V.self)
                let b2 = raw.loadUnaligned(fromByteOffset: 256, as: V.self)
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
                var c10 = V(repeating: 0)
                var c11 = V(repeating: 0)
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
                    c10 = c10.addingProduct(a0, b1)
                    c11 = c11.addingProduct(a1, b2)
                }
                total = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11
            }
        }
        sink += total.sum()
        return Double(iterations) * 12 * 16 * 2 / t / 1e9
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
