import Foundation

/// Reads the compiler's mangled names (`$sSPySiGD`, a USR's `s:…`) as the runtime prints them
/// (`Swift.UnsafePointer<Swift.Int>`), so a rule can ask which module a type comes from: the printed form
/// is fully qualified, and no kernel can declare something in module `Swift` or `Builtin`.
enum MangledName {
    /// The demangled text, or nil when the runtime cannot read the name.
    static func demangle(_ mangled: String) -> String? {
        let bytes = Array(mangled.utf8)
        guard let text = bytes.withUnsafeBufferPointer({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { swiftDemangle($0.baseAddress, $0.count, nil, nil, 0) }
        }) else { return nil }
        defer { free(text) }
        let result = String(cString: text)
        // The runtime echoes what it cannot read.
        return result == mangled ? nil : result
    }

    /// A USR (`s:…`) as a declaration's printed path, or the USR itself when it does not demangle.
    static func declaration(usr: String) -> String {
        guard usr.hasPrefix("s:") else { return usr }
        return demangle("$s" + usr.dropFirst(2)) ?? usr
    }

    /// What makes a printed type raw memory: the standard library's pointer types, `Unmanaged`,
    /// `OpaquePointer`, C varargs, any `Builtin` type, and an `unowned(unsafe)` reference (a reference
    /// read after its object is freed reads freed memory). Nil when the type mentions none of them.
    static func rawMemory(in printed: String) -> String? {
        for marker in ["Swift.Unsafe", "Swift.AutoreleasingUnsafe", "Swift.OpaquePointer", "Swift.Unmanaged", "Swift.CVaListPointer",
                       "Swift.CVarArg", "Swift._Pointer", "Swift.ManagedBuffer", "Builtin.", "unowned(unsafe) "] where printed.contains(marker) {
            return marker.hasSuffix(".") || marker.hasSuffix(" ") ? String(marker.dropLast()) : marker
        }
        return nil
    }
}

/// The runtime's demangler (`swift_demangle` in libswiftCore): returns a `malloc`ed C string when
/// `outputBuffer` is nil.
@_silgen_name("swift_demangle")
private func swiftDemangle(
    _ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int, _ outputBuffer: UnsafeMutablePointer<CChar>?,
    _ outputBufferSize: UnsafeMutablePointer<Int>?, _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?
