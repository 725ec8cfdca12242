/// The project's one seeded generator (SplitMix64): the same seed gives the same stream on every
/// machine, and its whole state is one integer, so a run stores it and a resumed run continues the
/// same stream. Benchmark data, the program database's sampler, mutation and the LLM ensemble draw
/// from it.
///
/// Candidates never use it: TRMKit, their runtime, has its own generator, so the data cannot change
/// when a kernel's runtime does.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in `0..<bound` (bound > 0), by rejection so small bounds carry no modulo bias.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(_:) needs a positive bound")
        let limit = UInt64(bound)
        let threshold = (0 &- limit) % limit
        while true {
            let value = next()
            if value >= threshold { return Int(value % limit) }
        }
    }
}
