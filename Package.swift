// swift-tools-version:6.1
import PackageDescription

// TRMKit's hot loops need the host's SIMD width; without it SIMD.addingProduct lowers to library calls.
let nativeCPU: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native"])]

let package = Package(
    name: "evolve",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "evolve", targets: ["evolve"]),
        .library(name: "TRMKit", targets: ["TRMKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries, found through pkg-config; `providers` names the Debian package to install.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // What Swift cannot call directly: variadic C functions and function-like macros.
        .target(name: "CShims", dependencies: ["CCurl"]),

        // The seeded generator and content hash every module shares (no dependencies).
        .target(name: "EvolveSupport"),
        .target(name: "TRMKit", swiftSettings: nativeCPU),
        .target(name: "Sandbox", dependencies: ["CShims", .product(name: "Logging", package: "swift-log")]),
        .target(name: "LLMClient", dependencies: ["CCurl", "CShims", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "EvolveCore",
            dependencies: ["CSQLite", "CGit2", "EvolveSupport", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "Evaluators",
            dependencies: ["EvolveCore", "EvolveSupport", "Sandbox", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")]),
        // The proposers: the one place that knows both EvolveCore and LLMClient.
        .target(
            name: "Proposers",
            dependencies: [
                "EvolveCore", "EvolveSupport", "LLMClient", .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "evolve",
            dependencies: [
                "EvolveCore", "Evaluators", "LLMClient", "Proposers", "Sandbox", "TRMKit", "CSQLite", "CGit2", "CCurl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .testTarget(name: "TRMKitTests", dependencies: ["TRMKit"], swiftSettings: nativeCPU),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox"]),
        // A real loopback HTTP server the test targets share (scripted OpenAI-style answers).
        .target(name: "LoopbackServer", path: "Tests/Support/LoopbackServer"),
        .testTarget(name: "LLMClientTests", dependencies: ["LLMClient", "LoopbackServer"]),
        // Against a real llama.cpp server (scripts/test-real-llm.sh); skipped unless EVOLVE_REAL_LLM is set.
        .testTarget(name: "LLMClientRealServerTests", dependencies: ["LLMClient", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "EvolveCoreTests", dependencies: ["EvolveCore", "EvolveSupport"]),
        .testTarget(name: "EvaluatorsTests", dependencies: ["Evaluators", "EvolveSupport"]),
        // Evaluators and Sandbox: the offline mutator's children are compiled against TRMKit to measure validity.
        .testTarget(name: "ProposersTests", dependencies: ["Proposers", "EvolveCore", "EvolveSupport", "LLMClient", "Evaluators", "Sandbox", "LoopbackServer"]),
        .testTarget(name: "evolveTests", dependencies: ["evolve", "EvolveCore", "LoopbackServer"]),
    ]
)

// Measurement tool for TRMKit and the seed kernels (benchmarks, never run by `swift test`).
package.targets.append(
    .executableTarget(name: "trm-bench", dependencies: ["TRMKit", "Evaluators", "EvolveCore"], swiftSettings: nativeCPU))

// Load and crash-safety driver for the program database (the crash test runs it and kills it).
package.targets.append(.executableTarget(name: "evolve-dbbench", dependencies: ["EvolveCore", "EvolveSupport"]))
// The evolution loop's own overhead per iteration at 1k, 10k and 100k programs (a benchmark).
package.targets.append(
    .executableTarget(name: "evolve-loopbench", dependencies: ["EvolveCore", "EvolveSupport", "LLMClient", "Proposers", "LoopbackServer"]))
if let tests = package.targets.first(where: { $0.name == "EvolveCoreTests" }) {
    tests.dependencies.append("evolve-dbbench")
}
