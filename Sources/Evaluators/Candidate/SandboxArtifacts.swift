import Foundation
import Sandbox

/// Artifact text made from a sandboxed process: a failed compile in words a model can act on, compiler
/// output cut to its diagnostics, and a run's headline, sandbox line, problems and stderr tail. Shared by
/// the candidate build, the compiler dumps and the command evaluator.
enum SandboxArtifacts {
    /// Why the compile failed, in words a model can act on.
    static func compileFailure(_ result: SandboxResult, compileSeconds: Double) -> String {
        switch result.termination {
        case .timeout, .cpuLimit:
            return String(format: "compile failed: the compiler ran out of time (%.0f s) on this program; split long functions, add type annotations to long literal or arithmetic expressions, and shrink large literals (functions reported as slow to type-check are listed below)", compileSeconds)
        case .memoryLimit:
            return "compile failed: the compiler ran out of memory (\(result.limits.memoryBytes.map { $0 >> 20 } ?? 0) MiB) on this program; make it smaller or simpler (large literals, deeply nested generics and long expressions cost the most)"
        case .workDirQuota, .outputLimit:
            return "compile failed: \(result.verdict)"
        default:
            return "compile failed (\(result.verdict))"
        }
    }

    /// Compiler output reduced to the error and warning lines and their context, at most 40 lines.
    static func trimDiagnostics(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var keep: [Substring] = []
        for (index, line) in lines.enumerated() where line.contains("error:") || line.contains("warning:") {
            keep += lines[index...min(index + 3, lines.count - 1)]
        }
        return (keep.isEmpty ? Array(lines.suffix(20)) : Array(keep.prefix(40))).joined(separator: "\n")
    }

    /// One artifact: evolve's headline and sandbox line, the problems found (ids quoted and capped), and
    /// the end of the candidate's stderr as a labelled, escaped block; at most `Artifacts.maxArtifactBytes`.
    static func describe(run: SandboxResult, problems: [String], headline: String) -> String {
        var lines = [Artifacts.escape(headline, keepNewlines: true),
                     String(format: "sandbox: %@ after %.1f s wall, %.1f s CPU, peak memory %d MiB, work dir %d MiB in %d files",
                            run.verdict, run.wallSeconds, run.cpuSeconds, run.peakMemoryBytes >> 20, run.workDirBytes >> 20, run.workDirFiles)]
        lines += problems.prefix(5).map { Artifacts.truncate(Artifacts.escape($0), to: 300) }
        let tail = Artifacts.candidateBlock(run.stderr.lastLines(8), label: "stderr (last lines)")
        if !tail.isEmpty { lines.append(tail) }
        return Artifacts.cap(lines.joined(separator: "\n"))
    }
}
