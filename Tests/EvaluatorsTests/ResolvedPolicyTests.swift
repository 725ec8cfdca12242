import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

/// Issue 24's allow-list on what the compiler resolved (`ResolvedPolicy`), run the way the build runs it:
/// the compiler's dumps in the sandbox with the build's flags (`CompilerDump`), against the real TRMKit
/// module.
extension SandboxedCandidates {
    @Suite(.serialized) struct ResolvedPolicyTests {
        /// The resolved layer's findings on `files` (name → source); nil when the program does not compile.
        static func resolve(_ files: [String: String]) async throws -> CompilerDump.Outcome {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-resolved-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            try ProgramFiles.write(files, to: dir.appendingPathComponent("program"))
            let module = try await SharedModule.shared.get()
            try FileManager.default.copyItem(at: module.directory, to: dir.appendingPathComponent("module"))
            chmod(dir.path, 0o755)
            let sources = files.keys.sorted().map { "program/\($0)" }
            let texts = Dictionary(uniqueKeysWithValues: files.map { ("program/\($0.key)", $0.value) })
            return try await CompilerDump(sandbox: Sandbox(), limits: CandidateBuild.limits(seconds: 300, memoryBytes: 2 << 30), flags: CandidateBuild.flags(targetCPU: "native"))
                .check(sources: sources, in: dir, texts: texts, policy: .kernel)
        }

        static func seed(_ name: String) throws -> String {
            try String(contentsOf: SharedModule.repo.appendingPathComponent("Programs/\(name)/kernel.swift"), encoding: .utf8)
        }

        /// The honest programs of the issue's acceptance: the seeds, `scripts/compute-check-bench.sh`'s
        /// mutants, the TRM seed with T = 2, the HRM seed with hidden = 32, and the tests' tiny kernel.
        static func honestPrograms() throws -> [(String, String)] {
            let trm = try seed("trm"), hrm = try seed("hrm")
            func edited(_ source: String, _ old: String, _ new: String) -> String {
                precondition(source.contains(old), "the seed no longer contains \(old)")
                return source.replacingOccurrences(of: old, with: new)
            }
            return [
                ("trm", trm), ("hrm", hrm),
                ("trm-hidden128", edited(trm, "static let hidden = 64 ", "static let hidden = 128")),
                ("trm-attention", edited(trm, "static let useAttention = false", "static let useAttention = true ")),
                ("trm-T2", edited(trm, "static let T = 1 ", "static let T = 2 ")),
                ("hrm-hidden32", edited(hrm, "static let hidden = 64", "static let hidden = 32")),
                ("tiny", Fixtures.tinyKernel),
                ("idioms", Self.idioms),
            ]
        }

        /// Everyday Swift an honest kernel may write around its model: its own hashable and enum types,
        /// sets and dictionaries, strides, closures, key paths, interpolation, preconditions and prints.
        static let idioms = """
            import TRMKit
            struct Cell: Hashable { var row: Int; var col: Int }
            enum Mode: Int, CaseIterable { case a = 1, b }
            final class Counter { var value = 0 }
            func idioms(_ t: Tensor, _ batch: Batch) -> String {
                var seen: Set<Cell> = []
                var counts: [Int: Int] = [:]
                for i in stride(from: 0, to: 10, by: 2) {
                    seen.insert(Cell(row: i, col: i))
                    counts[i, default: 0] += 1
                }
                let halves = counts.keys.sorted().map { Double($0) / 2 }
                let total = halves.reduce(0, +) + Double(Mode.allCases.count) + Double(Mode(rawValue: 1)?.rawValue ?? 0)
                let widths = [t].map(\\.shape).flatMap { $0 }
                let counter = Counter()
                counter.value += widths.count
                precondition(total >= 0, "negative total \\(total)")
                let schedule = (0..<4).map { step in Float(step) * 0.5 }.enumerated().filter { $0.offset % 2 == 0 }
                var labels = Array(repeating: 0, count: batch.size)
                labels.swapAt(0, labels.count - 1)
                print("shape \\(t.shape), total \\(total), widest \\(widths.max() ?? 0), \\(schedule.count) \\(labels.isEmpty)")
                return "\\(seen.count) \\(min(1, 2)) \\(abs(-3)) \\(Float(2).squareRoot()) \\(counter.value) \\(Int.max / 3) \\(widths.first!)"
            }
            """

        @Test func theHonestProgramsPassUnchanged() async throws {
            for (name, source) in try Self.honestPrograms() {
                let outcome = try await Self.resolve(["kernel.swift": source])
                #expect(outcome.violations.isEmpty, "\(name): \(outcome.refusal ?? "")")
                #expect(outcome.refusal == nil, "\(name)")
            }
        }

        /// Issue 24's first break: a pointer from a standard-library property whose name says nothing of
        /// pointers, walked with `+` and read with `pointee`. No deny-list names any of it.
        static let pointerWithoutAName = """
            func peek(_ offset: Int) -> Int {
                let text: StaticString = "evolve"
                let start = text.utf8Start
                return Int((start + offset).pointee)
            }
            """

        @Test func aPointerFromAStandardLibraryPropertyIsRefused() async throws {
            let source = "import TRMKit\n" + Self.pointerWithoutAName
            #expect(SourcePolicy.kernel.check(file: "kernel.swift", source: source) == [], "the spelling layer does not see it")
            let outcome = try await Self.resolve(["kernel.swift": source])
            let found = outcome.violations
            #expect(found.contains { $0.rule == "vetted" && $0.line == 4 && $0.message.contains("utf8Start") }, "\(found)")
            #expect(found.contains { $0.rule == "pointer type" && $0.line == 4 }, "\(found)")
            #expect(found.contains { $0.line == 5 && $0.message.contains("pointee") }, "\(found)")
        }

        @Test func theEvaluatorRefusesItBeforeBuilding() async throws {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-resolved-eval-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            let evaluator = CandidateEvaluator(
                sandbox: Sandbox(), module: try await SharedModule.shared.get(),
                config: try ProgramConfig.parse(CandidateEvaluatorTests.tinyConfig, path: "test.yaml"), workRoot: root)
            let program = Program(files: ["kernel.swift": Fixtures.kernel(extra: Self.pointerWithoutAName)])
            let report = try await evaluator.evaluate(program, EvaluationRequest(split: .validation, trainingSeed: 1))
            #expect(report.outcome == .buildFailed)
            let artifact = report.artifacts["build"] ?? ""
            #expect(artifact.hasPrefix("refused after type-checking"), "\(artifact)")
            #expect(artifact.contains("kernel.swift:") && artifact.contains("[vetted]") && artifact.contains("utf8Start"), "\(artifact)")
        }

        /// Public standard-library declarations outside the vetted list, one per line from line 6: each is
        /// refused on its line, whatever it is called.
        static let unvetted = [
            "_ = ObjectIdentifier(t)",
            "_ = MemoryLayout<Int>.size",
            "_ = AnyIterator { 1 }.next()",
            "withExtendedLifetime(t) {}",
            "var b = box; _ = isKnownUniquelyReferenced(&b)",
            "_ = AnyHashable(1).hashValue",
            "var g = SystemRandomNumberGenerator(); _ = g.next()",
            "_ = Int.random(in: 0..<3)",
            "_ = Duration.seconds(1)",
            "debugPrint(t)",
            "_ = KeyValuePairs<Int, Int>(dictionaryLiteral: (1, 2))",
            "_ = Mirror(reflecting: t).children.count",
            "_ = (\"a\" as StaticString).hasPointerRepresentation",
            "_ = Unicode.Scalar(65)",
            "_ = readLine()",
            "_ = CommandLine.arguments",
            "_ = [1, 2].withUnsafeBufferPointer { $0.count }",
            "_ = unsafeBitCast(1, to: UInt.self)",
            "_ = \"abc\".utf8.withContiguousStorageIfAvailable { $0.count }",
            "_ = String(describing: t).utf8CString.withUnsafeBytes { $0.count }",
            // Unseeded randomness under other names than random(in:): two runs with one training seed
            // would differ (the red-team round of 2026-12-07 found these admitted).
            "_ = [1, 2].shuffled()",
            "var order = [1, 2]; order.shuffle()",
            "_ = [1, 2].randomElement()",
        ]

        @Test func standardLibraryDeclarationsOutsideTheListAreRefused() async throws {
            let source = "import TRMKit\n\nfinal class Box {}\n\nfunc samples(_ t: Tensor, _ box: Box) {\n"
                + Self.unvetted.map { "    " + $0 + "\n" }.joined() + "}\n"
            let outcome = try await Self.resolve(["kernel.swift": source])
            for (index, snippet) in Self.unvetted.enumerated() {
                #expect(outcome.violations.contains { $0.line == 6 + index && $0.rule == "vetted" }, "line \(6 + index): \(snippet)\n\(outcome.refusal ?? "no refusal")")
            }
        }

        /// A retroactive conformance of a standard-library type to the kernel's own protocol, whose witness
        /// is `StaticString.utf8Start`: generic code reaches the pointer without naming it anywhere.
        @Test func aRetroactiveConformanceWhoseWitnessIsAPointerIsRefused() async throws {
            let source = """
                import TRMKit
                protocol Start {
                    associatedtype Location: Strideable
                    var utf8Start: Location { get }
                }
                extension StaticString: Start {}
                func gap<S: Start>(_ a: S, _ b: S) -> S.Location.Stride { a.utf8Start.distance(to: b.utf8Start) }
                func leak() -> Int {
                    let first: StaticString = "evolve", second: StaticString = "kernel"
                    return gap(first, second)
                }
                """
            #expect(SourcePolicy.kernel.check(file: "kernel.swift", source: source) == [])
            let outcome = try await Self.resolve(["kernel.swift": source])
            #expect(outcome.violations.contains { $0.message.contains("raw SIL") && $0.message.contains("utf8Start") }, "\(outcome.refusal ?? "no refusal")")
        }

        @Test func pointerConversionsDSOHandleSilgenNamesAndUnmanagedReferencesAreRefused() async throws {
            let source = """
                import TRMKit
                func first(_ p: UnsafePointer<Int>) -> Int { p.pointee }
                @_silgen_name("getpid") func pid() -> Int32
                func g() -> Int {
                    var x = 1
                    let a = first(&x)
                    let h = #dsohandle
                    let p = pid()
                    return a + Int(p) + (h == h ? 1 : 0)
                }
                final class Box { var value = 1 }
                func dangling() -> Int {
                    unowned(unsafe) let box = Box()
                    return box.value
                }
                """
            let found = try await Self.resolve(["kernel.swift": source]).violations
            #expect(found.contains { $0.rule == "pointer conversion" && $0.line == 6 }, "\(found)")
            #expect(found.contains { $0.rule == "attributes" && $0.line == 3 }, "\(found)")
            #expect(found.contains { $0.message.contains("C symbol @getpid") && $0.line == 8 }, "\(found)")
            #expect(found.contains { $0.rule == "pointer type" && $0.line == 7 }, "\(found)")
            #expect(found.contains { $0.rule == "pointer type" && $0.line == 13 && $0.message.contains("unowned(unsafe)") }, "\(found)")
            #expect(found.contains { $0.rule == "imports" } == false)
        }

        @Test func aProgramOfSeveralFilesIsCheckedAsOneAndRefusedWhereItIs() async throws {
            let helpers = "func width() -> Int { 32 }\nfunc start() -> Int {\n    let text: StaticString = \"x\"\n    return text.utf8Start.hashValue\n}\n"
            let kernel = Fixtures.kernel(extra: "let w = width()")
            let outcome = try await Self.resolve(["kernel.swift": kernel, "helpers.swift": helpers])
            #expect(outcome.violations.contains { $0.file == "helpers.swift" && $0.line == 4 && $0.message.contains("utf8Start") }, "\(outcome.refusal ?? "")")
            #expect(outcome.violations.allSatisfy { $0.file == "helpers.swift" }, "\(outcome.refusal ?? "")")
            #expect(try await Self.resolve(["kernel.swift": kernel, "helpers.swift": "func width() -> Int { 32 }\n"]).violations.isEmpty)
        }

        @Test func aProgramTheDumpCannotTypeCheckIsNotBuiltUnchecked() async throws {
            let outcome = try await Self.resolve(["kernel.swift": "import TRMKit\nlet x: Int = \"text\"\n"])
            #expect(outcome.refusal?.contains("compile failed") == true && outcome.refusal?.contains("kernel.swift:2") == true, "\(outcome.refusal ?? "nil")")
        }

        /// TRMKit's API is admitted by module, including members of extensions TRMKit declares on the
        /// standard library's types, whose USRs start with the extended type.
        @Test func trmkitExtensionsOfOtherTypesAreTRMKits() {
            let policy = ResolvedPolicy.kernel
            #expect(policy.admits(usr: "s:Sa6TRMKitE5totalSivp", declared: []))
            #expect(policy.admits(usr: "s:Sa6TRMKitAA6TensorCRszlE5totalSivp", declared: []))
            #expect(!policy.admits(usr: "s:Sa5OtherE5totalSivp", declared: []))
            // The kernel's own extensions are admitted because the AST declares them, not by their USR's shape.
            #expect(!policy.admits(usr: "s:Sa9candidateE5totalSivp", declared: []))
            #expect(policy.admits(usr: "s:Sa9candidateE5totalSivp", declared: ["s:Sa9candidateE5totalSivp"]))
            #expect(!policy.admits(usr: "s:s12StaticStringV9utf8StartSPys5UInt8VGvp", declared: []))
        }

        @Test func anotherCompilersDumpIsNotJudged() throws {
            let dump = #"{"_kind":"source_file","filename":"program/kernel.swift","compiler_version":{"_kind":"compiler_version","full":"Swift version 6.2 (swift-6.2-RELEASE)"},"items":[]}"#
            #expect(throws: ResolvedPolicy.CompilerMismatch.self) {
                try ResolvedPolicy.kernel.check(ast: [Data(dump.utf8)], sil: "", sources: [:])
            }
            let message = ResolvedPolicy.CompilerMismatch(found: "Swift version 6.2 (swift-6.2-RELEASE)").description
            #expect(message.contains(ResolvedPolicy.compilerVersion) && message.contains("6.2") && !message.contains("\n"))
        }

        @Test func aDumpNestedPastTheLimitIsRefusedNotWalked() throws {
            let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
            let dump = #"{"_kind":"source_file","filename":"k.swift","compiler_version":{"full":"\#(ResolvedPolicy.compilerVersion)"},"items":\#(deep)}"#
            #expect(throws: DumpError.self) { try ResolvedPolicy.kernel.check(ast: [Data(dump.utf8)], sil: "", sources: [:]) }
        }
    }
}
