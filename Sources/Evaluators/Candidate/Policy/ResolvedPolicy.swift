import Foundation

/// What a kernel may reference, checked on what the compiler resolved rather than on how the source
/// spells it: every declaration and conformance the type-checked AST refers to must be the kernel's own,
/// TRMKit's public API (admitted by module, so TRMKit can change without an edit here) or a vetted
/// standard-library declaration (`VettedStandardLibrary`, by USR); no expression or declaration may have
/// a type that mentions raw memory; and raw SIL (SILGen, before any inlining) may call, witness, dispatch
/// to, take key paths of or address only the same.
///
/// A spelling list cannot see that `StaticString.utf8Start` returns a pointer, that `&x` is a pointer
/// conversion, or that a retroactive conformance's witness is a standard-library getter; the compiler's
/// own dumps name each of them by USR or symbol. The dumps' formats are not stable across compilers, so
/// the policy is pinned to the compiler it was written for and refuses to judge under another.
///
/// ```swift
/// let violations = try ResolvedPolicy.kernel.check(ast: dumps, sil: silText, sources: ["program/kernel.swift": text])
/// if !violations.isEmpty { print(ResolvedPolicy.describe(violations)) }
/// ```
public struct ResolvedPolicy: Sendable {
    /// The `swiftc --version` line the dump readers were written and measured against.
    public static let compilerVersion = VettedStandardLibrary.compilerVersion
    /// The module name candidates are compiled under (the dumps and the build use the same).
    public static let moduleName = "candidate"
    /// The module whose public declarations are admitted whole: the kernel API.
    static let kernelAPIModule = "TRMKit"

    /// The policy for TRM kernels (docs/candidate-protocol.md, "What a kernel may do").
    public static let kernel = ResolvedPolicy()

    /// The vetted standard-library USRs and their printed paths.
    static let vetted: [String: String] = {
        var table: [String: String] = [:]
        for line in VettedStandardLibrary.table.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { table[String(parts[0])] = String(parts[1]) }
        }
        return table
    }()

    /// The compiler a dump came from is not the one this policy reads.
    public struct CompilerMismatch: Error, CustomStringConvertible {
        public var found: String
        public var description: String {
            "the kernel checker reads the compiler dumps of \(ResolvedPolicy.compilerVersion), but this machine's swiftc is \(found.isEmpty ? "unknown" : found); install that toolchain (or point PATH at it), or update the checker and re-run scripts/vet-standard-library.sh"
        }
    }

    public init() {}

    /// Every violation in the AST dumps (one JSON document per source file) and the raw SIL of the same
    /// program; `sources` maps the file names the compiler was given to their text, for line numbers.
    /// Throws `CompilerMismatch` when a dump names another compiler, `DumpError` when a dump is unreadable.
    public func check(ast: [Data], sil: String, sources: [String: String]) throws -> [SourcePolicy.Violation] {
        var reader = ResolvedAST(policy: self, sources: sources)
        for dump in ast { try reader.read(dump) }
        var violations = reader.check()
        // The SIL pass sees most of what the AST pass refused again, lowered; keep its findings only on
        // lines the AST pass let through.
        let refusedLines = Set(violations.map { "\($0.file):\($0.line)" })
        violations += ResolvedSIL(policy: self, ast: reader).check(sil).filter { !refusedLines.contains("\($0.file):\($0.line)") }
        var seen = Set<String>()
        return violations.filter { seen.insert($0.description).inserted }
            .sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
    }

    /// The refusal as one artifact: a headline and one line per violation (at most 20).
    public static func describe(_ violations: [SourcePolicy.Violation]) -> String {
        var lines = ["refused after type-checking: \(violations.count) reference\(violations.count == 1 ? "" : "s") to what kernels may not use (docs/candidate-protocol.md, \"What a kernel may do\")"]
        lines += violations.prefix(20).map(\.description)
        if violations.count > 20 { lines.append("… and \(violations.count - 20) more") }
        return lines.joined(separator: "\n")
    }

    /// Whether a referenced declaration (by USR) is the kernel's own, TRMKit's or vetted.
    func admits(usr: String, declared: Set<String>) -> Bool {
        declared.contains(usr) || usr.hasPrefix("s:\(Self.moduleName.utf8.count)\(Self.moduleName)")
            || usr.hasPrefix("s:\(Self.kernelAPIModule.utf8.count)\(Self.kernelAPIModule)") || Self.vetted[usr] != nil
            || Self.isKernelAPIExtension(mangled: "$s" + usr.dropFirst(2))
    }

    /// Whether a mangled name is a member of an extension TRMKit declares on another module's type
    /// (`extension Array where Element == Tensor`): its USR starts with the extended type, not with
    /// TRMKit, so only the demangled form says whose it is. No other module can extend in TRMKit's name.
    static func isKernelAPIExtension(mangled: String) -> Bool {
        guard mangled.contains("\(kernelAPIModule.utf8.count)\(kernelAPIModule)") else { return false }
        return MangledName.demangle(mangled)?.hasPrefix("(extension in \(kernelAPIModule)):") ?? false
    }

    /// A printed name for a refusal: the vetted path, else the demangled USR.
    static func printed(usr: String) -> String {
        vetted[usr] ?? MangledName.declaration(usr: usr)
    }
}

/// A compiler dump the checker could not read: refused, never guessed at.
public struct DumpError: Error, CustomStringConvertible {
    public var description: String
}
