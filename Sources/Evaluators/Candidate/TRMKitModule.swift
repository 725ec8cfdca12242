import EvolveSupport
import EmbeddedSources
import Foundation
import Sandbox

/// TRMKit compiled once per run into `libTRMKit.a` + `TRMKit.swiftmodule`, cached by the hash of its
/// sources and the machine (`machineKey`), so each candidate compiles in about a second instead of
/// rebuilding the runtime.
public struct TRMKitModule: Sendable {
    public let directory: URL
    public let sourceHash: String
    /// The CPU it was compiled for; candidates are compiled for the same one.
    public let target: TargetCPU

    /// Where TRMKit's sources are: `EVOLVE_TRMKIT_SOURCES`, else `Sources/TRMKit` of the package that
    /// built this executable (found from the executable's path, for a build inside a checkout), else the copy
    /// embedded in the binary at build time, written once under `cacheRoot` (an installed binary).
    public static func locateSources(cacheRoot: URL = defaultCacheRoot) throws -> URL {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["EVOLVE_TRMKIT_SOURCES"] {
            let url = URL(fileURLWithPath: explicit)
            guard fm.fileExists(atPath: url.appendingPathComponent("Driver/TRMDriver.swift").path) else {
                throw EvaluationError("EVOLVE_TRMKIT_SOURCES is \(explicit), which holds no Driver/TRMDriver.swift; point it at the Sources/TRMKit folder of an evolve checkout or unset it")
            }
            return url
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("Sources/TRMKit")
            if fm.fileExists(atPath: candidate.appendingPathComponent("Driver/TRMDriver.swift").path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return try writeEmbeddedSources(into: cacheRoot)
    }

    /// `~/.cache/evolve`: where built modules and the embedded sources go.
    public static var defaultCacheRoot: URL {
        FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/evolve")
    }

    /// Writes the TRMKit sources carried in the binary to `cacheRoot/trmkit-sources-<hash>/` (once: the folder
    /// is named by its content and appears complete or not at all) and returns that folder.
    static func writeEmbeddedSources(into cacheRoot: URL) throws -> URL {
        let fm = FileManager.default
        var hasher = FNV1a()
        for file in EmbeddedSources.trmkit.sorted(by: { $0.path < $1.path }) {
            hasher.combine(Array(file.path.utf8))
            hasher.combine(Array(file.text.utf8))
        }
        let folder = cacheRoot.appendingPathComponent("trmkit-sources-\(hasher.hex)")
        if fm.fileExists(atPath: folder.appendingPathComponent("Driver/TRMDriver.swift").path) { return folder }
        let staging = cacheRoot.appendingPathComponent("trmkit-sources-\(hasher.hex).partial-\(getpid())")
        do {
            try? fm.removeItem(at: staging)
            for file in EmbeddedSources.trmkit {
                let url = staging.appendingPathComponent(file.path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.text.utf8).write(to: url)
            }
            try? fm.removeItem(at: folder)
            try fm.moveItem(at: staging, to: folder)
        } catch {
            try? fm.removeItem(at: staging)
            // Another evolve may have published the same folder meanwhile.
            if fm.fileExists(atPath: folder.appendingPathComponent("Driver/TRMDriver.swift").path) { return folder }
            throw EvaluationError("cannot write TRMKit's sources to \(folder.path) (\(error.localizedDescription)); make \(cacheRoot.path) writable or set EVOLVE_TRMKIT_SOURCES to the Sources/TRMKit folder of an evolve checkout")
        }
        return folder
    }

    /// Which machine a cached module (built for its CPU, `TargetCPU`) and its compute calibration belong
    /// to: the host and the CPU's model and feature flags. A home directory shared by machines of different
    /// CPUs (a cluster's workers) then never hands one of them a binary or a calibration made for another.
    public static func machineKey(
        cpuinfo: String = TargetCPU.cpuinfo,
        host: String = ProcessInfo.processInfo.hostName
    ) -> String {
        let lines = cpuinfo.split(separator: "\n")
        var hasher = FNV1a()
        hasher.combine(Array(host.utf8))
        for field in ["model name", "flags"] {
            hasher.combine(Array((lines.first { $0.hasPrefix(field) } ?? "").utf8))
        }
        return String(hasher.hex.prefix(12))
    }

    /// Builds (or reuses) the module for `sources` under `cacheRoot/trmkit-<hash>-<machine>/` (`machineKey`,
    /// with the target CPU's name appended when it is not this machine's own: `EVOLVE_TARGET_CPU`).
    public static func prepare(sources: URL, cacheRoot: URL, machine: String = machineKey(), target: TargetCPU? = nil) throws -> TRMKitModule {
        let target = try target ?? TargetCPU.fromEnvironment()
        let machine = target.isNative ? machine : "\(machine)-\(target.name)"
        let files = try FileManager.default.subpathsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }.sorted()
        var hasher = FNV1a()
        for file in files {
            hasher.combine(Array(file.utf8))
            hasher.combine(Array((FileManager.default.contents(atPath: sources.appendingPathComponent(file).path) ?? Data())))
        }
        let hash = hasher.hex
        let dir = cacheRoot.appendingPathComponent("trmkit-\(hash)-\(machine)")
        let library = dir.appendingPathComponent("libTRMKit.a")
        if FileManager.default.fileExists(atPath: library.path) { return TRMKitModule(directory: dir, sourceHash: hash, target: target) }
        let staging = cacheRoot.appendingPathComponent("trmkit-\(hash)-\(machine).partial-\(getpid())")
        try? FileManager.default.removeItem(at: staging)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        // TRMKit's plumbing is `package`: visible to evolve's own targets, never to a candidate (compiled
        // without this package name), so kernels reach only TRMKit's public API.
        let arguments = ["swiftc", "-parse-as-library", "-emit-library", "-static", "-emit-module", "-module-name", "TRMKit",
                         "-package-name", "TRMKitRuntime",
                         "-wmo", "-O", "-target-cpu", target.name] + target.defines + [
                         "-emit-module-path", staging.appendingPathComponent("TRMKit.swiftmodule").path,
                         "-o", staging.appendingPathComponent("libTRMKit.a").path]
            + files.map { sources.appendingPathComponent($0).path }
        // A failed build would leave swiftc's driver folder in $TMPDIR (`runWithPrivateTMPDIR`).
        let build = try Subprocess.runWithPrivateTMPDIR("/usr/bin/env", arguments)
        guard build.status == 0 else {
            throw EvaluationError("building TRMKit from \(sources.path) failed: \(build.output.prefix(2000))")
        }
        // Publish atomically, so a crash never leaves a half-built module that looks complete.
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.moveItem(at: staging, to: dir)
        return TRMKitModule(directory: dir, sourceHash: hash, target: target)
    }
}
