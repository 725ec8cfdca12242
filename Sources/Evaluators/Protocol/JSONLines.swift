import Foundation

/// The candidate's data files as JSON lines, written without `JSONEncoder`: a run writes thousands of
/// training examples for every evaluation, and encoding each through `Codable` was about half of the
/// coordinator's own CPU during a run (perf, issue 26). The bytes are exactly what `JSONEncoder` with
/// `.sortedKeys` writes for the same records (a test holds them to it), so the kernel's reader sees no change.
enum JSONLines {
    /// `{"augmented":true,"input":[…],"label":[…],"puzzle":N}` per training example; `augmented` only on copies.
    static func training(_ examples: [TokenExample]) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(examples.count * (examples.first.map { ($0.input.count + $0.label.count) * 3 + 40 } ?? 0))
        for example in examples {
            out.append(contentsOf: example.augmented ? #"{"augmented":true,"input":"#.utf8 : #"{"input":"#.utf8)
            append(example.input, to: &out)
            out.append(contentsOf: #","label":"#.utf8)
            append(example.label, to: &out)
            out.append(contentsOf: #","puzzle":"#.utf8)
            append(example.puzzle, to: &out)
            out.append(contentsOf: "}\n".utf8)
        }
        return Data(out)
    }

    /// `{"id":"…","input":[…],"puzzle":N}` per query: no label.
    static func queries(_ examples: [TokenExample]) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(examples.count * (examples.first.map { $0.input.count * 3 + 60 } ?? 0))
        for example in examples {
            out.append(contentsOf: #"{"id":"#.utf8)
            appendString(example.id, to: &out)
            out.append(contentsOf: #","input":"#.utf8)
            append(example.input, to: &out)
            out.append(contentsOf: #","puzzle":"#.utf8)
            append(example.puzzle, to: &out)
            out.append(contentsOf: "}\n".utf8)
        }
        return Data(out)
    }

    static func append(_ values: [Int], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(value, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    static func append(_ value: Int, to out: inout [UInt8]) {
        if value >= 0, value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            out.append(contentsOf: String(value).utf8)
        }
    }

    /// A JSON string as `JSONEncoder` escapes it: `"` and `\`, `/` as `\/`, the named control escapes and
    /// `\u00XX` for the other control characters; everything else as its UTF-8 bytes.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "/"): out.append(contentsOf: #"\/"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
