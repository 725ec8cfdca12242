import Foundation
import Sandbox

/// The CPU that TRMKit and the candidates are compiled for (`-target-cpu`): this machine's own
/// (`native`), or the one `EVOLVE_TARGET_CPU` names, so that another of TRMKit's instruction-set paths
/// can be measured on this machine — `znver3` or `haswell` run the AVX2 tile on an AVX-512 machine, as
/// `scripts/bench-trmkit.sh --target-cpu` does for the bench. Every path of one machine gives the same
/// results (Sources/TRMKit/Ops/GEMM.swift); only the speed differs.
public struct TargetCPU: Sendable, Equatable {
    /// What `-target-cpu` (and clang's `-march`) is given.
    public let name: String
    /// It has AVX-512F: TRMKit's GEMM then uses its 32-register tile (`-D TRMKIT_AVX512`).
    public let hasAVX512: Bool

    public var isNative: Bool { name == "native" }
    /// TRMKit's compile-time switches for this CPU.
    public var defines: [String] { hasAVX512 ? ["-D", "TRMKIT_AVX512"] : [] }

    /// This machine, read from `cpuinfo`'s flags.
    public static func native(cpuinfo: String = TargetCPU.cpuinfo) -> TargetCPU {
        TargetCPU(name: "native", hasAVX512: cpuinfo.contains(" avx512f"))
    }

    /// `EVOLVE_TARGET_CPU` when it is set and not `native`, else this machine. The name must be one clang
    /// knows (it says what the CPU implies), and a target with AVX-512 needs a machine with it: its
    /// candidates would otherwise die of illegal instructions and be scored as crashes.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, cpuinfo: String = TargetCPU.cpuinfo
    ) throws -> TargetCPU {
        let host = native(cpuinfo: cpuinfo)
        guard let name = environment["EVOLVE_TARGET_CPU"]?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name != "native" else {
            return host
        }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw EvaluationError("EVOLVE_TARGET_CPU is '\(name)', not a CPU name; use one clang -march accepts (znver3, haswell, native) or unset it")
        }
        let macros = try Subprocess.run("/usr/bin/env", ["clang", "-march=\(name)", "-dM", "-E", "-x", "c", "/dev/null"])
        guard macros.status == 0 else {
            throw EvaluationError("EVOLVE_TARGET_CPU is '\(name)', which clang does not know (\(macros.output.prefix(200))); use one clang -march accepts (znver3, haswell, native) or unset it")
        }
        let target = TargetCPU(name: name, hasAVX512: macros.output.contains("__AVX512F__"))
        if target.hasAVX512 && !host.hasAVX512 {
            throw EvaluationError("EVOLVE_TARGET_CPU is '\(name)', which has AVX-512, and this machine has not: its candidates could not run here; use znver3 or haswell (AVX2) or unset it")
        }
        return target
    }

    /// This machine's /proc/cpuinfo (empty where there is none).
    public static var cpuinfo: String { ProcFile.read("/proc/cpuinfo") ?? "" }
}
