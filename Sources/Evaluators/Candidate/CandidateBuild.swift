import Sandbox

/// How a candidate is compiled: the flags and the sandbox limits of its build, which the policy's
/// compiler dumps (`CompilerDump`) share so that they type-check exactly what the build compiles.
enum CandidateBuild {
    /// The build's flags, without output and sources.
    // A three-line closure took 7 s to type-check here; LLM code must fail fast instead. The slow-body
    // warnings name the function to simplify when the compiler runs out of time.
    // MemberImportVisibility: members of modules TRMKit uses internally (Glibc…) stay out of reach.
    // Swift 5 mode: no bare /regex/ literals, which SourcePolicy's lexer does not read.
    // An explicit module name: the dumps' USRs name it (ResolvedPolicy.moduleName).
    // The target CPU: the TRMKit module's (`native` unless EVOLVE_TARGET_CPU names another, TargetCPU).
    static func flags(targetCPU: String) -> [String] { [
        "-parse-as-library", "-O", "-target-cpu", targetCPU, "-I", "module", "-L", "module", "-lTRMKit",
        "-module-name", ResolvedPolicy.moduleName, "-swift-version", "5", "-enable-upcoming-feature", "MemberImportVisibility",
        "-Xfrontend", "-solver-expression-time-threshold=2",
        "-Xfrontend", "-warn-long-function-bodies=1000", "-Xfrontend", "-warn-long-expression-type-checking=1000",
    ] }

    /// The build's limits: `seconds` of wall time (twice that of CPU) and `memoryBytes` for the compiler.
    static func limits(seconds: Double, memoryBytes: Int) -> SandboxLimits {
        var limits = SandboxLimits()
        limits.wallSeconds = seconds
        limits.cpuSeconds = max(1, Int(seconds * 2))
        limits.addressSpaceBytes = nil  // the compiler reserves large virtual ranges
        limits.dataBytes = memoryBytes
        limits.memoryBytes = memoryBytes
        limits.processes = 64
        return limits
    }
}
