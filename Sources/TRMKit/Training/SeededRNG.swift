/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64): the same seed gives the
/// same stream on every machine, so training is bit-identical run to run.
///
/// ```swift
/// var rng = SeededRNG(seed: 42)
/// let w = (0..<16).map { _ in rng.truncatedNormal(std: 0.02) }
/// let order = (0..<100).shuffled(using: &rng)
/// ```
public struct SeededRNG: RandomNumberGenerator, Sendable, Equatable {
    /// The full generator state; store it to resume a stream exactly where it stopped.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from a saved `state`.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256** state must not be all zero")
        self.state = state
    }

    public static func == (a: SeededRNG, b: SeededRNG) -> Bool { a.state == b.state }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// A standard normal sample (Box–Muller, computed in Double for accuracy).
    public mutating func normal() -> Float {
        // 53-bit uniform in (0, 1]: never zero, so the log is finite.
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A normal sample with standard deviation `std`, redrawn until it lies within `bound` standard
    /// deviations (the truncated-normal initialisation TRM uses, bound 2).
    public mutating func truncatedNormal(std: Float, bound: Float = 2) -> Float {
        while true {
            let x = normal()
            if abs(x) <= bound { return x * std }
        }
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
