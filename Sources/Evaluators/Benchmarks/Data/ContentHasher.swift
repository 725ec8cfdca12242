import EvolveSupport

/// `EvolveSupport.FNV1a` fed from raw buffers: the same value, at the speed of a plain loop.
///
/// `FNV1a.combine` is generic over `Sequence` and not inlinable, so from this module every byte goes through
/// protocol witnesses; streaming Sudoku-Extreme's 672 MB spent over half its time there. This loop uses the same
/// constants and separator (a test checks the values agree), so a data set's hash is the project's one hash.
/// It can go once `FNV1a.combine` is `@inlinable` or takes a buffer.
struct ContentHasher {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Mixes `bytes` in, then a separator, exactly as `FNV1a.combine` does.
    mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var v = value
        for byte in bytes {
            v ^= UInt64(byte)
            v &*= 0x0000_0100_0000_01b3
        }
        v ^= 0xff
        v &*= 0x0000_0100_0000_01b3
        value = v
    }

    mutating func combine(_ bytes: [UInt8]) { bytes.withUnsafeBytes { combine($0) } }

    mutating func combine(_ text: String) { combine(Array(text.utf8)) }

    /// The hash as 16 lowercase hex digits, like `FNV1a.hex`.
    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
