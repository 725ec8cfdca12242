import Foundation
import TestSupport
import Testing
@testable import Evaluators

/// Issue 24's sampling acceptance: public standard-library declarations drawn at random (seeded) from the
/// standard library's own symbol graph, outside the vetted list, each referenced on a line of its own and
/// each refused by the resolved layer on that line.
extension SandboxedCandidates.ResolvedPolicyTests {
    /// Public declarations of Swift that a line of code can name without arguments: static properties
    /// and enum cases (`Owner.name`), instance properties (`\Owner.name`), and methods whose full name
    /// is unique on their type (`Owner.name(label:)`), all of non-generic types and not in the list.
    static func unvettedReferences() throws -> [String] {
        let graph = try symbolGraph()
        let symbols = graph["symbols"] as? [[String: Any]] ?? []
        func path(_ symbol: [String: Any]) -> [String] { symbol["pathComponents"] as? [String] ?? [] }
        func kind(_ symbol: [String: Any]) -> String { (symbol["kind"] as? [String: Any])?["identifier"] as? String ?? "" }
        var byPath: [[String]: [[String: Any]]] = [:]
        for symbol in symbols { byPath[path(symbol), default: []].append(symbol) }
        var references: [String] = []
        for symbol in symbols {
            let components = path(symbol)
            guard components.count >= 2, !components.contains(where: { $0.hasPrefix("_") }),
                let usr = (symbol["identifier"] as? [String: Any])?["precise"] as? String, !usr.contains("::SYNTHESIZED::"),
                ResolvedPolicy.vetted[usr] == nil, symbol["swiftGenerics"] == nil,
                let owner = byPath[Array(components.dropLast())]?.first, owner["swiftGenerics"] == nil,
                ["swift.struct", "swift.enum", "swift.class"].contains(kind(owner))
            else { continue }
            let availability = symbol["availability"] as? [[String: Any]] ?? []
            if availability.contains(where: { $0["isUnconditionallyUnavailable"] as? Bool == true || $0["domain"] as? String != nil && $0["domain"] as? String != "Swift" }) { continue }
            let ownerName = components.dropLast().joined(separator: ".")
            let fragments = (symbol["declarationFragments"] as? [[String: Any]] ?? []).compactMap { $0["spelling"] as? String }
            switch kind(symbol) {
            case "swift.type.property", "swift.enum.case":
                references.append("\(ownerName).\(components.last!)")
            case "swift.property":
                references.append("\\\(ownerName).\(components.last!)")
            case "swift.method", "swift.type.method":
                guard byPath[components]?.count == 1, !fragments.contains("mutating"), components.last!.contains("(") else { continue }
                references.append("\(ownerName).\(components.last!)")
            default:
                continue
            }
        }
        return references.sorted()
    }

    /// The standard library's symbol graph, extracted once per compiler into the temporary directory.
    static func symbolGraph() throws -> [String: Any] {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("evolve-test-symbolgraph-\(ResolvedPolicy.compilerVersion.filter { $0.isLetter || $0.isNumber })")
        let file = dir.appendingPathComponent("Swift.symbols.json")
        if !FileManager.default.fileExists(atPath: file.path) {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            #if arch(x86_64)
            let target = "x86_64-unknown-linux-gnu"
            #else
            let target = "aarch64-unknown-linux-gnu"
            #endif
            try run(["swift-symbolgraph-extract", "-module-name", "Swift", "-target", target, "-output-dir", dir.path, "-minimum-access-level", "public"])
        }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
    }

    /// Runs a trusted tool; its combined output. In `dir` it also gets `dir` as $TMPDIR: swiftc's driver
    /// leaves an empty `TemporaryDirectory.XXXXXX` there after `-typecheck`, which then goes with `dir`.
    @discardableResult
    static func run(_ arguments: [String], in dir: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let dir {
            process.currentDirectoryURL = dir
            process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": dir.path]) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readAllRetryingInterrupts()
        let ended = ChildExit.wait(for: process)
        return (ended.shellStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func aSeededSampleOfUnvettedPublicDeclarationsIsRefusedLineByLine() async throws {
        let all = try Self.unvettedReferences()
        #expect(all.count > 200, "the sampler found only \(all.count) declarations")
        // A fixed sample (a seeded shuffle), so a failure names the same declarations every run.
        let state: UInt64 = 24
        var sample = all.sorted { a, b in
            func key(_ s: String) -> UInt64 { s.utf8.reduce(state) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 } }
            return key(a) < key(b)
        }.prefix(40).map { $0 }
        // Drop what does not type-check on this platform (availability, ambiguity), so the program compiles.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-sample-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func program(_ lines: [String]) -> String { "func samples() {\n" + lines.map { "    _ = \($0)\n" }.joined() + "}\n" }
        for _ in 0..<4 {
            try program(sample).write(to: dir.appendingPathComponent("kernel.swift"), atomically: true, encoding: .utf8)
            let check = try Self.run(["swiftc", "-typecheck", "-swift-version", "5", "kernel.swift"], in: dir)
            if check.status == 0 { break }
            let bad = Set(check.output.split(separator: "\n").compactMap { line -> Int? in
                guard line.hasPrefix("kernel.swift:"), line.contains(": error:") else { return nil }
                return Int(line.split(separator: ":")[1]).map { $0 - 2 }
            })
            sample = sample.enumerated().filter { !bad.contains($0.offset) }.map(\.element)
        }
        #expect(sample.count >= 25, "only \(sample.count) sampled declarations type-check")
        let outcome = try await Self.resolve(["kernel.swift": program(sample)])
        for (index, reference) in sample.enumerated() {
            #expect(outcome.violations.contains { $0.line == index + 2 && $0.rule == "vetted" }, "line \(index + 2): `\(reference)` was not refused")
        }
    }
}
