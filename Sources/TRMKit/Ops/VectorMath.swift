/// Vectorised transcendental functions for the elementwise ops' hot loops.
enum VectorMath {
    typealias V = SIMD16<Float>

    /// e^x for 16 lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial (relative error
    /// ~1e-7, like expf), 2^n built in the exponent bits. Inputs are clamped to the finite float range.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let clamped = pointwiseMax(pointwiseMin(x, V(repeating: 88.3)), V(repeating: -87.3))
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits, which
        // avoids the standard library's per-lane float→int conversion (not vectorised).
        let magic: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693_145_75 - n * 1.428_606_8e-6
        var p = V(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- Int32(bitPattern: magic.bitPattern)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: V.self)
        return p * scale
    }

    /// The logistic function 1 / (1 + e^−x) for 16 lanes.
    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    /// Scalar logistic function, for loop tails.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + expf(-x))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
