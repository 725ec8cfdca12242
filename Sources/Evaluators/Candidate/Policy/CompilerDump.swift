import Foundation
import Sandbox

/// Runs the compiler's AST dump and raw SIL of a candidate — part of its build step, so in the sandbox
/// with the build's own flags and limits: the dumps type-check hostile source — and hands them to
/// `ResolvedPolicy`. The outputs are files the run's uid wrote, read back like a run's `out/` files
/// (no links, regular files, bounded sizes).
struct CompilerDump {
    let sandbox: Sandbox
    let limits: SandboxLimits
    /// The build's flags without its output (`-o candidate`) and sources.
    let flags: [String]

    /// The most a dump may be: the seeds' AST is 0.5 MB per 190 lines and their SIL 0.4 MB, so this is
    /// a hundred times an honest kernel's, and refuses a dump made to exhaust evolve's memory.
    static let maxDumpBytes = 48 << 20

    /// What came of checking: a refusal to use as the build artifact, or nil; and the wall seconds the
    /// two compiler runs took.
    struct Outcome {
        var refusal: String?
        /// The policy's findings (empty when the dumps were not made or not readable).
        var violations: [SourcePolicy.Violation] = []
        var seconds: Double
    }

    /// Dumps and checks `sources` (paths relative to `dir`, as the build passes them). Throws an
    /// `EvaluationError` (the machine's fault, not the candidate's) when the toolchain is not the one the
    /// policy was written for.
    func check(sources: [String], in dir: URL, texts: [String: String], policy: ResolvedPolicy) async throws -> Outcome {
        let fm = FileManager.default
        let out = dir.appendingPathComponent("out")
        try? fm.removeItem(at: out)
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        var map: [String: [String: String]] = [:]
        for (index, source) in sources.enumerated() { map[source] = ["ast-dump": "out/ast-\(index).json"] }
        try JSONSerialization.data(withJSONObject: map).write(to: out.appendingPathComponent("ast-map.json"))

        let astCommand = ["swiftc", "-dump-ast", "-dump-ast-format", "json"] + flags + ["-output-file-map", "out/ast-map.json"] + sources
        let ast = try await sandbox.run(astCommand, in: dir, limits: limits)
        // A program the dump cannot type-check is not built unchecked: its diagnostics are the artifact,
        // as the build's would be.
        guard ast.succeeded else { return Outcome(refusal: Self.failure(ast, limits: limits), seconds: ast.wallSeconds) }
        let astOutput = CandidateOutput(workDir: dir, owner: ast.user?.uid ?? getuid())
        var dumps: [Data] = []
        for index in sources.indices {
            switch astOutput.read("ast-\(index).json", maxBytes: Self.maxDumpBytes) {
            case .success(let data): dumps.append(data)
            case .failure(let refusal):
                return Outcome(refusal: "refused after type-checking: the compiler's AST dump could not be read (\(refusal)); make the program smaller", seconds: ast.wallSeconds)
            }
        }
        let silCommand = ["swiftc", "-emit-silgen", "-Xllvm", "-sil-print-debuginfo", "-wmo"] + flags + ["-o", "out/program.sil"] + sources
        let silRun = try await sandbox.run(silCommand, in: dir, limits: limits)
        let seconds = ast.wallSeconds + silRun.wallSeconds
        guard silRun.succeeded else { return Outcome(refusal: Self.failure(silRun, limits: limits), seconds: seconds) }
        let sil: String
        switch CandidateOutput(workDir: dir, owner: silRun.user?.uid ?? getuid()).read("program.sil", maxBytes: Self.maxDumpBytes) {
        case .success(let data): sil = String(decoding: data, as: UTF8.self)
        case .failure(let refusal):
            return Outcome(refusal: "refused after type-checking: the compiler's SIL could not be read (\(refusal)); make the program smaller", seconds: seconds)
        }
        try? fm.removeItem(at: out)
        let started = Date()
        do {
            let violations = try policy.check(ast: dumps, sil: sil, sources: texts)
            return Outcome(
                refusal: violations.isEmpty ? nil : ResolvedPolicy.describe(violations), violations: violations,
                seconds: seconds + Date().timeIntervalSince(started))
        } catch let error as DumpError {
            return Outcome(refusal: "refused after type-checking: \(error.description)", seconds: seconds + Date().timeIntervalSince(started))
        } catch let mismatch as ResolvedPolicy.CompilerMismatch {
            throw EvaluationError(mismatch.description)
        }
    }

    /// A compiler run that failed, in the words the build would use (`SandboxArtifacts.compileFailure`).
    static func failure(_ result: SandboxResult, limits: SandboxLimits) -> String {
        let diagnostics = SandboxArtifacts.trimDiagnostics(result.stderr.text + result.stdout.text)
        let quoted = Artifacts.candidateBlock(diagnostics, label: "compiler output (it quotes the program's code)", maxLines: 40)
        return Artifacts.cap(SandboxArtifacts.compileFailure(result, compileSeconds: limits.wallSeconds) + "\n" + quoted)
    }
}
