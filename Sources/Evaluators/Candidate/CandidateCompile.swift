import EvolveCore
import Foundation
import Sandbox

/// Compiling a candidate: the source checks, then `swiftc` in the sandbox against the cached TRMKit module.
extension CandidateEvaluator {
    struct Build {
        var binary: URL?
        var diagnostics: String
        var seconds: Double
        /// The build's quota mount, removed when the evaluation ends.
        var workDir: SandboxWorkDir? = nil
    }

    /// A work dir with a kernel-enforced quota, or a plain one when the work is kept for inspection
    /// (a mount would vanish with the evaluation).
    func makeWorkDir(_ dir: URL) throws -> SandboxWorkDir? {
        if keepWork {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return nil
        }
        return try sandbox.makeWorkDir(at: dir)
    }

    func compile(files: [String: String], in dir: URL) async throws -> Build {
        try await compile(files: files, in: dir, policy: sourcePolicy)
    }

    /// Compiles with `policy` (nil: evolve's own calibration kernel, which needs none).
    func compile(files: [String: String], in dir: URL, policy: SourcePolicy?) async throws -> Build {
        let fm = FileManager.default
        // The run's configuration is not the candidate's to change; a copy of it in a program is ignored.
        let programFiles = files.filter { $0.key != ProgramFiles.configFileName }
        let sourceBytes = programFiles.filter { $0.key.hasSuffix(".swift") }.values.reduce(0) { $0 + $1.utf8.count }
        guard sourceBytes <= Self.maxSourceBytes else {
            return Build(
                binary: nil,
                diagnostics: "not compiled: the program has \(sourceBytes >> 10) KiB of Swift source, more than the \(Self.maxSourceBytes >> 10) KiB limit; make it smaller (generate tables at run time instead of writing them out)",
                seconds: 0)
        }
        let workDir = try makeWorkDir(dir)
        try ProgramFiles.write(programFiles, to: dir.appendingPathComponent("program"))
        try fm.createDirectory(at: dir.appendingPathComponent("module"), withIntermediateDirectories: true)
        let sources = programFiles.keys.filter { $0.hasSuffix(".swift") }.sorted().map { "program/\($0)" }
        guard !sources.isEmpty else {
            return Build(binary: nil, diagnostics: "the program has no .swift files", seconds: 0, workDir: workDir)
        }
        // Issue 15 hook: refuse what a kernel may not use before the compiler sees it.
        if let refusal = try policy?.refusal(sources: sources.map { dir.appendingPathComponent($0) }) {
            return Build(binary: nil, diagnostics: Artifacts.cap(refusal), seconds: 0, workDir: workDir)
        }
        for file in try fm.contentsOfDirectory(atPath: module.directory.path) {
            try fm.copyItem(at: module.directory.appendingPathComponent(file), to: dir.appendingPathComponent("module/\(file)"))
        }
        let limits = CandidateBuild.limits(seconds: compileSeconds, memoryBytes: compileMemoryBytes)
        let flags = CandidateBuild.flags(targetCPU: module.target.name)
        // Issue 24: what the program references, as the compiler resolved it, checked in the build's
        // sandbox before the real build (docs/candidate-protocol.md, "What a kernel may do").
        var checkSeconds = 0.0
        if policy != nil {
            let texts = Dictionary(uniqueKeysWithValues: sources.map { ($0, programFiles[String($0.dropFirst("program/".count))] ?? "") })
            let outcome = try await CompilerDump(sandbox: sandbox, limits: limits, flags: flags).check(sources: sources, in: dir, texts: texts, policy: .kernel)
            checkSeconds = outcome.seconds
            if let refusal = outcome.refusal {
                return Build(binary: nil, diagnostics: Artifacts.cap(refusal), seconds: checkSeconds, workDir: workDir)
            }
        }
        let command = ["swiftc"] + flags + ["-o", "candidate"] + sources
        let result = try await sandbox.run(command, in: dir, limits: limits)
        let diagnostics = SandboxArtifacts.trimDiagnostics(result.stderr.text + result.stdout.text)
        let quoted = Artifacts.candidateBlock(diagnostics, label: "compiler output (it quotes the program's code)", maxLines: 40)
        guard result.succeeded else {
            return Build(
                binary: nil, diagnostics: Artifacts.cap(SandboxArtifacts.compileFailure(result, compileSeconds: compileSeconds) + "\n" + quoted),
                seconds: checkSeconds + result.wallSeconds, workDir: workDir)
        }
        // The linker wrote it as the run's uid: take only a regular file, never a link it left instead.
        let binary = dir.appendingPathComponent("candidate")
        var info = stat()
        guard lstat(binary.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return Build(binary: nil, diagnostics: "compile produced no executable file 'candidate'", seconds: checkSeconds + result.wallSeconds, workDir: workDir)
        }
        return Build(binary: binary, diagnostics: Artifacts.cap(quoted), seconds: checkSeconds + result.wallSeconds, workDir: workDir)
    }
}
