import EvolveCore
import Foundation
import LLMClient
import Sandbox

/// One line of `evolve doctor`.
struct MachineCheck: Encodable, Equatable {
    enum Status: String, Encodable {
        case ok, warning, missing, info
        var label: String {
            switch self {
            case .ok: "ok     "
            case .warning: "warning"
            case .missing: "MISSING"
            case .info: "info   "
            }
        }
    }

    let name: String
    let status: Status
    let detail: String
    /// What to do about a warning or a missing item.
    var remedy: String?
}

/// The checks behind `evolve doctor`. Required: swiftc (candidates are compiled) and the three
/// libraries' development packages (evolve builds against them). Everything else degrades gracefully
/// and is reported as a warning.
enum MachineChecks {
    static func all(environment: [String: String]) -> [MachineCheck] {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        let pkgConfig = ExecutableLookup.find("pkg-config", path: path)
        let libraries = [
            ("sqlite3", SQLiteConnection.libraryVersion, "sqlite3", "libsqlite3-dev"),
            ("libgit2", GitRepository.libraryVersion, "libgit2", "libgit2-dev"),
            ("libcurl", curlLibraryVersion, "libcurl", "libcurl4-openssl-dev"),
        ]
        return [swiftCompiler(path: path)]
            + libraries.map {
                library($0.0, loaded: $0.1, pkgConfigName: $0.2, package: $0.3, pkgConfig: pkgConfig, environment: environment)
            }
            + sandbox(IsolationCapabilities.probe())
            + [cpu(), llmEndpoint(environment)]
    }

    static func swiftCompiler(path: String) -> MachineCheck {
        guard let swiftc = ExecutableLookup.find("swiftc", path: path) else {
            return MachineCheck(
                name: "swiftc", status: .missing, detail: "not found on PATH (candidates are compiled with it)",
                remedy: "Install Swift 6.3 from swift.org and put its usr/bin on PATH.")
        }
        let output = capture(swiftc, ["--version"], environment: nil)
        let version = output.split(separator: "\n").first.map(String.init) ?? "version unknown"
        return MachineCheck(name: "swiftc", status: .ok, detail: "\(version) at \(swiftc)")
    }

    static func library(
        _ name: String, loaded: String, pkgConfigName: String, package: String, pkgConfig: String?,
        environment: [String: String]
    ) -> MachineCheck {
        guard let pkgConfig else {
            return MachineCheck(
                name: name, status: .missing,
                detail: "library \(loaded) loaded, but pkg-config is not installed, so builds cannot find \(package)",
                remedy: "Install it with: apt-get install -y pkg-config \(package)")
        }
        let found = capture(pkgConfig, ["--modversion", pkgConfigName], environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !found.isEmpty else {
            return MachineCheck(
                name: name, status: .missing,
                detail: "library \(loaded) loaded, but pkg-config cannot find '\(pkgConfigName)' (\(package))",
                remedy: "Install it with: apt-get install -y \(package)  (or run scripts/setup.sh)")
        }
        return MachineCheck(name: name, status: .ok, detail: "library \(loaded); \(package) \(found)")
    }

    static func sandbox(_ caps: IsolationCapabilities) -> [MachineCheck] {
        let yesNo = { (flag: Bool) in flag ? "yes" : "no" }
        return [
            MachineCheck(
                name: "namespaces", status: caps.networkNamespaces ? .ok : .warning,
                detail: "unshare: user namespaces \(yesNo(caps.userNamespaces)), network namespaces \(yesNo(caps.networkNamespaces))",
                remedy: caps.networkNamespaces ? nil : "Without them candidates keep network access unless bubblewrap or seccomp covers it."),
            MachineCheck(
                name: "bubblewrap", status: caps.bubblewrap == nil ? .warning : .ok,
                detail: caps.bubblewrap.map { "bwrap \($0): --unshare-net --die-with-parent works" }
                    ?? "not usable: writes are confined by Landlock only, if present",
                remedy: caps.bubblewrap == nil ? "Install it with: apt-get install -y bubblewrap" : nil),
            MachineCheck(
                name: "landlock", status: caps.landlockABI == nil ? .warning : .ok,
                detail: caps.landlockABI.map { "ABI \($0)" } ?? "not available in this kernel"),
            MachineCheck(
                name: "seccomp", status: caps.seccompFilters ? .ok : .warning,
                detail: caps.seccompFilters ? "filters available" : "filters not available"),
            MachineCheck(
                name: "sandbox", status: .info,
                detail: "candidates run with: " + Sandbox.layers(capabilities: caps).map(\.rawValue).joined(separator: ", ")),
        ]
    }

    static func cpu() -> MachineCheck {
        let info = ProcFile.read("/proc/cpuinfo") ?? ""
        func field(_ key: String) -> String? {
            info.split(separator: "\n").first { $0.hasPrefix(key) }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        let simd = [("AVX2", "avx2"), ("FMA", "fma"), ("AVX-512", "avx512f")]
            .map { "\($0.0) \(flags.contains($0.1) ? "yes" : "no")" }.joined(separator: ", ")
        let model = field("model name") ?? "unknown model"
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return MachineCheck(name: "cpu", status: .info, detail: "\(model), \(cores) cores; \(simd)")
    }

    /// Reports the endpoint as the client reads it (`Endpoint.fromEnvironment`, the one rule for both):
    /// host, model and the key variable's status — never the key.
    static func llmEndpoint(_ environment: [String: String]) -> MachineCheck {
        do {
            guard let endpoint = try Endpoint.fromEnvironment(environment) else {
                return MachineCheck(
                    name: "llm", status: .info,
                    detail: "no endpoint configured (EVOLVE_LLM_BASE_URL unset): the offline proposer will be used")
            }
            return MachineCheck(name: "llm", status: .ok, detail: endpoint.describe(environment: environment))
        } catch {
            return MachineCheck(
                name: "llm", status: .warning, detail: "\(error)",
                remedy: "fix the EVOLVE_LLM_* variables (see docs/llm-endpoints.md), or unset EVOLVE_LLM_BASE_URL to use the offline proposer")
        }
    }

    /// Runs a short command and returns its output when it exits 0; empty otherwise.
    static func capture(_ executable: String, _ arguments: [String], environment: [String: String]?) -> String {
        guard let result = try? Subprocess.runWithPrivateTMPDIR(executable, arguments, environment: environment, errors: .discarded), result.status == 0
        else { return "" }
        return result.output
    }
}
