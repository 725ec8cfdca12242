import Foundation
import Testing
@testable import Evaluators

@Suite struct SourcePolicyTests {
    let policy = SourcePolicy.kernel

    func violations(_ source: String) -> [SourcePolicy.Violation] {
        policy.check(file: "kernel.swift", source: source)
    }

    @Test(arguments: ["Programs/trm/kernel.swift", "Programs/hrm/kernel.swift"])
    func theSeedKernelsPass(_ path: String) throws {
        let source = try String(contentsOf: SharedModule.repo.appendingPathComponent(path), encoding: .utf8)
        #expect(violations(source) == [])
    }

    /// Each construct an attacker might use, the rule that refuses it, and the line it is on.
    @Test(arguments: [
        ("import Foundation", "imports"),
        ("import Glibc", "imports"),
        ("import SwiftGlibc", "imports"),
        ("import func Glibc.open", "imports"),
        ("import struct TRMKit.Tensor", "imports"),
        ("import TRMKit.Driver", "imports"),
        ("import _Concurrency", "imports"),
        ("@testable import TRMKit", "attributes"),
        ("@_exported import TRMKit", "attributes"),
        ("@_implementationOnly import TRMKit", "attributes"),
        (#"@_silgen_name("open") func o(_ p: Int, _ f: Int32) -> Int32"#, "attributes"),
        (#"@_cdecl("hook") func h() {}"#, "attributes"),
        (#"@_extern(c, "dlopen") func d()"#, "attributes"),
        ("@objc func f() {}", "attributes"),
        ("let f: @convention(c) () -> Void = g", "attributes"),
        ("@propertyWrapper struct W {}", "attributes"),
        ("let x = unsafeBitCast(t, to: Int.self)", "unsafe"),
        ("var p: UnsafeMutablePointer<Float>? = nil", "unsafe"),
        ("a.withUnsafeBufferPointer { _ in }", "unsafe"),
        ("a.withContiguousStorageIfAvailable { $0[9999] }", "unsafe"),
        ("s.withUTF8 { _ in }", "unsafe"),
        ("let m = Unmanaged.passUnretained(t)", "unsafe"),
        ("let p: OpaquePointer? = nil", "unsafe"),
        ("let s = String(unsafeUninitializedCapacity: 4) { _ in 0 }", "unsafe"),
        ("let c = _getRetainCount(t)", "underscore"),
        ("_ = _openExistential(t, do: f)", "underscore"),
        ("let m = Mirror(reflecting: batch)", "reflection"),
        ("dump(batch, to: &text)", "reflection"),
        ("Task { await work() }", "concurrency"),
        ("func f() async {}", "concurrency"),
        ("actor A {}", "concurrency"),
        ("let t = ContinuousClock.now", "clocks"),
        ("let a = CommandLine.arguments", "system"),
        ("let s = readLine()", "system"),
        ("let h = dlopen(nil, 0)", "system"),
        ("atexit { }", "system"),
        ("let e = getenv(\"HOME\")", "system"),
        ("let s = try String(contentsOfFile: \"/x\", encoding: .utf8)", "system"),
        ("try s.write(toFile: \"/x\", atomically: true, encoding: .utf8)", "system"),
        ("let m = FileManager.default", "system"),
        ("exit(0)", "system"),
        ("#if canImport(Foundation)\n#endif", "directives"),
        ("#sourceLocation(file: \"x.swift\", line: 1)", "directives"),
        ("let f = #file", "directives"),
        ("let h = #dsohandle", "directives"),
        ("macro m() = #externalMacro(module: \"M\", type: \"T\")", "macros"),
        ("let r = #/[0-9]+/#", "literals"),
    ])
    func refusesWithTheRuleAndLine(snippet: String, rule: String) {
        let source = "import TRMKit\n\n" + snippet + "\n"
        let found = violations(source)
        #expect(found.contains { $0.rule == rule && $0.line == 3 }, "\(snippet): \(found)")
    }

    @Test func codeInsideStringInterpolationsIsChecked() {
        let cases = [
            #"let s = "value \(unsafeBitCast(t, to: Int.self))""#,
            "let s = #\"raw \\#(Mirror(reflecting: t))\"#",
            "let s = \"\"\"\n  multi \\(dump(t))\n  \"\"\"",
            #"let s = "outer \("inner \(unsafeBitCast(t, to: Int.self))")""#,
        ]
        for source in cases {
            #expect(!violations(source).isEmpty, "\(source)")
        }
    }

    @Test func commentsAndStringsMayNameAnything() {
        let source = """
            import TRMKit
            // unsafeBitCast, import Foundation, Mirror, #if, @_silgen_name are only words here
            /* nested /* unsafeBitCast */ still a comment: dlopen */
            let text = "import Foundation; unsafeBitCast(x); @_cdecl"
            let raw = #"a "quoted" \\(not interpolated) dump"#
            let multi = \"\"\"
                atexit and CommandLine in a multi-line string
                \"\"\"
            @inline(__always) func f(_ `default`: Int) -> Int { [1_000, 0x_FF, 0b1].reduce(`default`) { $0 + $1 } }
            @main struct Program { static func main() { TRMDriver.main(K.self) } }
            """
        #expect(violations(source) == [])
    }

    @Test func aStringTerminatorHiddenInAnEscapeDoesNotHideCode() {
        // The compiler reads `\"` as an escaped quote: the string goes on, so the call after it is text…
        #expect(violations(#"let s = "a\" unsafeBitCast(x) ""#).isEmpty)
        // …and with an escaped backslash the string ends, so the call is code.
        #expect(violations(#"let s = "a\\" + "\(unsafeBitCast(x, to: Int.self))""#).contains { $0.rule == "unsafe" })
    }

    @Test func backtickedNamesAreCheckedByTheirName() {
        #expect(violations("let p: `UnsafeMutablePointer`<Int>? = nil").contains { $0.rule == "unsafe" })
        #expect(violations("let m = `Mirror`(reflecting: x)").contains { $0.rule == "reflection" })
    }

    @Test func invisibleAndBidirectionalCharactersAreRefusedEvenInComments() {
        for scalar in ["\u{202E}", "\u{2066}", "\u{2028}", "\u{200B}", "\u{0000}", "\u{000B}"] {
            let source = "import TRMKit\n// a comment\(scalar) unsafeBitCast\nlet x = 1\n"
            #expect(violations(source).contains { $0.rule == "characters" && $0.line == 2 }, "U+\(String(scalar.unicodeScalars.first!.value, radix: 16))")
        }
    }

    @Test func invalidUTF8IsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("kernel.swift")
        try Data([0x69, 0x6D, 0x70, 0xFF, 0xFE, 0x0A]).write(to: file)
        let refusal = try #require(try policy.refusal(sources: [file]))
        #expect(refusal.contains("kernel.swift:1:1: refused [characters]"))
    }

    @Test func theRefusalNamesFileLineColumnAndRule() {
        let found = violations("import TRMKit\nlet a = 1\n    let p = unsafeBitCast(a, to: UInt.self)\n")
        #expect(found.count == 1)
        #expect(found.first?.description.hasPrefix("kernel.swift:3:13: refused [unsafe]: `unsafeBitCast` is not available to kernels") == true)
        let text = SourcePolicy.describe(found)
        #expect(text.hasPrefix("refused before compiling: 1 use of what kernels may not use"))
        #expect(text.contains("kernel.swift:3:13"))
    }
}
