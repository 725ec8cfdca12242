import Foundation
import Testing
@testable import Evaluators

/// The TRMKit module is built with `-target-cpu native` and the compute calibration is measured on one
/// CPU: machines sharing a home directory (a cluster's workers) must not share them.
struct MachineCacheTests {
    static let avx2 = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse2 avx avx2 fma\n"
    static let avx512 = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw\n"

    @Test func theMachineKeyFollowsTheCPUFeaturesTheModelAndTheHost() {
        #expect(TRMKitModule.machineKey(cpuinfo: Self.avx2, host: "n1") == TRMKitModule.machineKey(cpuinfo: Self.avx2, host: "n1"))
        #expect(TRMKitModule.machineKey(cpuinfo: Self.avx2, host: "n1") != TRMKitModule.machineKey(cpuinfo: Self.avx512, host: "n1"))
        #expect(TRMKitModule.machineKey(cpuinfo: Self.avx2, host: "n1") != TRMKitModule.machineKey(cpuinfo: Self.avx2, host: "n2"))
        let otherModel = Self.avx2.replacingOccurrences(of: "Xeon(R) Processor", with: "Core(TM) i7")
        #expect(TRMKitModule.machineKey(cpuinfo: Self.avx2, host: "n1") != TRMKitModule.machineKey(cpuinfo: otherModel, host: "n1"))
    }

    @Test func twoCPUFeatureSetsGetSeparateModuleAndCalibrationCaches() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-machine-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let sources = root.appendingPathComponent("sources"), cache = root.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        try Data("public func answer() -> Int { 42 }\n".utf8).write(to: sources.appendingPathComponent("Answer.swift"))
        let first = try TRMKitModule.prepare(sources: sources, cacheRoot: cache, machine: TRMKitModule.machineKey(cpuinfo: Self.avx2, host: "n1"))
        let second = try TRMKitModule.prepare(sources: sources, cacheRoot: cache, machine: TRMKitModule.machineKey(cpuinfo: Self.avx512, host: "n1"))
        #expect(first.sourceHash == second.sourceHash)
        #expect(first.directory.standardizedFileURL.path != second.directory.standardizedFileURL.path)
        for module in [first, second] {
            #expect(FileManager.default.fileExists(atPath: module.directory.appendingPathComponent("libTRMKit.a").path))
        }
        #expect(ComputeCalibrator.cacheFile(for: first) != ComputeCalibrator.cacheFile(for: second))
        // The same machine again reuses its own.
        let again = try TRMKitModule.prepare(sources: sources, cacheRoot: cache, machine: TRMKitModule.machineKey(cpuinfo: Self.avx2, host: "n1"))
        #expect(again.directory.standardizedFileURL.path == first.directory.standardizedFileURL.path)
    }

    @Test func aTargetCPUFromTheEnvironmentIsCheckedAndKeptApartFromTheNativeModule() throws {
        #expect(try TargetCPU.fromEnvironment([:], cpuinfo: Self.avx512) == TargetCPU(name: "native", hasAVX512: true))
        #expect(try TargetCPU.fromEnvironment(["EVOLVE_TARGET_CPU": "native"], cpuinfo: Self.avx2) == TargetCPU(name: "native", hasAVX512: false))
        let avx2Path = try TargetCPU.fromEnvironment(["EVOLVE_TARGET_CPU": "znver3"], cpuinfo: Self.avx512)
        #expect(avx2Path == TargetCPU(name: "znver3", hasAVX512: false) && avx2Path.defines.isEmpty)
        #expect(try TargetCPU.fromEnvironment(["EVOLVE_TARGET_CPU": "skylake-avx512"], cpuinfo: Self.avx512).defines == ["-D", "TRMKIT_AVX512"])
        #expect(throws: EvaluationError.self, "an AVX-512 target on a machine without it") {
            try TargetCPU.fromEnvironment(["EVOLVE_TARGET_CPU": "skylake-avx512"], cpuinfo: Self.avx2)
        }
        #expect(throws: EvaluationError.self, "a name clang does not know") { try TargetCPU.fromEnvironment(["EVOLVE_TARGET_CPU": "znver99"]) }
        #expect(throws: EvaluationError.self, "not a name") { try TargetCPU.fromEnvironment(["EVOLVE_TARGET_CPU": "x;true"]) }

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-target-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let sources = root.appendingPathComponent("sources"), cache = root.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        try Data("public func answer() -> Int { 42 }\n".utf8).write(to: sources.appendingPathComponent("Answer.swift"))
        let native = try TRMKitModule.prepare(sources: sources, cacheRoot: cache, machine: "m", target: .native())
        let other = try TRMKitModule.prepare(sources: sources, cacheRoot: cache, machine: "m", target: avx2Path)
        #expect(native.directory.standardizedFileURL.path != other.directory.standardizedFileURL.path)
        #expect(other.target.name == "znver3" && ComputeCalibrator.cacheFile(for: native) != ComputeCalibrator.cacheFile(for: other))
        let flags = CandidateBuild.flags(targetCPU: other.target.name)
        #expect(flags[flags.firstIndex(of: "-target-cpu")! + 1] == "znver3", "candidates are compiled for the module's CPU")
    }
}
