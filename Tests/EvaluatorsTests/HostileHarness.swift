import EvolveCore
import Foundation
import Sandbox
import Testing
@testable import Evaluators

#if canImport(Glibc)
import Glibc
#endif
/// What the hostile-candidate suites share: an evaluator over the real sandbox with no source policy (the
/// attackers are Foundation programs on purpose), a candidate that answers every query and then runs an
/// attack, and readers of what a report and this process show. Apart from the suites, so each suite holds
/// one family of findings.
protocol HostileHarness {
    /// Where this suite's evaluations keep their work directories.
    var root: URL { get }
}

extension HostileHarness {
    static var config: String { CandidateEvaluatorTests.tinyConfig }

    func evaluator(keepWork: Bool = false, compileSeconds: Double = 300, compileMemoryBytes: Int = 2 << 30) async throws -> CandidateEvaluator {
        CandidateEvaluator(
            sandbox: Sandbox(), module: try await SharedModule.shared.get(), config: try ProgramConfig.parse(Self.config, path: "test.yaml"),
            workRoot: root.appendingPathComponent("work"), compileSeconds: compileSeconds, keepWork: keepWork,
            compileMemoryBytes: compileMemoryBytes, sourcePolicy: nil)  // these attackers are Foundation programs on purpose
    }

    func evaluate(_ source: String, split: Split = .validation, keepWork: Bool = false) async throws -> EvaluationReport {
        try await evaluator(keepWork: keepWork).evaluate(
            Program(files: ["kernel.swift": source]), EvaluationRequest(split: split, trainingSeed: 1))
    }

    /// A program that answers every query with a blank-filled grid (well-formed, mostly wrong), then runs
    /// `after` with `dir` (the work dir) in scope.
    static func hostile(before: String = "", after: String = "") -> String {
        CandidateEvaluatorTests.answering("input.map { $0 <= 1 ? 2 : $0 }", before: before, after: after)
    }

    /// A root-only file on the host (not under /tmp, which is private to each run).
    static func rootOnly(_ content: String) throws -> String {
        let path = "/var/tmp/evolve-hostile-\(UUID().uuidString)"
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        return path
    }

    static func allText(_ report: EvaluationReport) -> String {
        report.artifacts.map { "\($0.key)\n\($0.value)" }.joined(separator: "\n")
    }

    /// evolve's peak RSS while scoring, from /proc/self/status after resetting the high-water mark.
    static func peakRSSDuring(_ body: () -> Void) -> (before: Int, peak: Int) {
        func field(_ name: String) -> Int {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix(name) } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        if fd >= 0 {
            _ = write(fd, "5", 1)  // resets VmHWM to the current RSS
            close(fd)
        }
        let before = field("VmRSS:")
        body()
        return (before, field("VmHWM:"))
    }

    static func peakRSSDuringAsync(_ body: () async throws -> Void) async throws -> (before: Int, peak: Int) {
        let before = peakRSSDuring {}.before  // also resets the high-water mark
        try await body()
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (before, (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024)
    }

    @discardableResult
    func create(_ file: URL) throws -> URL {
        unlink(file.path)
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        return file
    }
}
