/// 64-bit FNV-1a: a small, stable content hash for cache keys, program identity and data sets (not for
/// security). Inlinable, so hashing a streamed file from another module runs as a plain loop.
public struct FNV1a: Sendable {
    @usableFromInline var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public var value: UInt64 { state }

    /// Mixes `bytes` in, then a separator, so ("ab", "c") and ("a", "bc") hash differently. One loop for
    /// arrays, strings' UTF-8 and raw buffers (a chunk read from a file) alike: being inlinable, it is
    /// specialised for the caller's sequence type.
    @inlinable
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        var v = state
        for byte in bytes {
            v ^= UInt64(byte)
            v &*= 0x0000_0100_0000_01b3
        }
        v ^= 0xff
        v &*= 0x0000_0100_0000_01b3
        state = v
    }

    /// The hash as 16 lowercase hex digits.
    public var hex: String {
        let digits = String(state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
