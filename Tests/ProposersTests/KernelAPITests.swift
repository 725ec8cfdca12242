import EvolveCore
import Foundation
import TestSupport
import Testing
@testable import Proposers

/// The kernel API section is generated from TRMKit's symbol graph (scripts/kernel-api.sh), so it lists what
/// the source policy admits and nothing else; these tests keep the committed copy equal to a regeneration
/// from the TRMKit this test binary was built with, and the section in the prompt of a TRMKit program.
@Suite struct KernelAPITests {
    static let repo = PromptFixture.repo

    /// The folder holding the TRMKit.swiftmodule built with this test binary (beside it, in `Modules`).
    static func modules() -> URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("Modules"),
            repo.appendingPathComponent(".build/debug/Modules"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("TRMKit.swiftmodule").path) }
    }

    @Test func theCommittedSectionEqualsARegenerationFromTRMKitsPublicAPI() throws {
        let modules = try #require(Self.modules(), "no TRMKit.swiftmodule beside the test binary or in .build/debug/Modules")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.repo.appendingPathComponent("scripts/kernel-api.sh").path, "--print"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TRMKIT_MODULES": modules.path]) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let outputText = PipeDrain(output.fileHandleForReading), errorText = PipeDrain(errors.fileHandleForReading)
        try process.run()
        let regenerated = outputText.waitForText(), problem = errorText.waitForText()
        try #require(ChildExit.wait(for: process) == .success, "scripts/kernel-api.sh --print failed: \(problem)")
        let committed = try String(contentsOf: Self.repo.appendingPathComponent("Sources/Proposers/LLM/KernelAPI.swift"), encoding: .utf8)
        #expect(regenerated == committed, """
            TRMKit's public API changed but Sources/Proposers/LLM/KernelAPI.swift did not: run scripts/kernel-api.sh \
            (after swift build) and commit the result, so the prompt lists what kernels may call
            """)
    }

    @Test func theSectionListsTheOpsWithSignaturesAndOneDocLine() {
        let section = KernelAPI.section
        #expect(section.contains("- `final class Tape`"))
        #expect(section.contains("  - `func slice(_ x: Tensor, axis: Int, start: Int, length: Int) -> Tensor` — Elements `start..<start+length` along `axis`."))
        #expect(section.contains("func refill(halting: Tensor, maxSteps: Int, exploration: Float = 0)"))
        // Only public declarations: the tape's storage and the meter's internals are not API.
        #expect(!section.contains("internal") && !section.contains("private"))
        // One line per declaration: a signature in backticks, then at most one doc line.
        let members = section.split(separator: "\n").filter { $0.hasPrefix("  - ") }
        #expect(members.count > 100 && members.allSatisfy { $0.hasPrefix("  - `") && $0.count < 300 })
    }

    @Test func aTRMKitProgramsPromptCarriesTheSectionAndAnotherProgramsDoesNot() throws {
        let builder = PromptBuilder(configuration: PromptConfiguration(), limits: PatchLimits())
        let kernel = try builder.build(PromptFixture.context(), mode: .diff)
        #expect(kernel.system.contains(KernelAPI.section))
        let numbers = Program(files: ["value.txt": "# EVOLVE-BLOCK-START\n0.5\n# EVOLVE-BLOCK-END\n"], status: .evaluated)
        let other = builder.build(ProposalContext(parent: numbers, brief: "numbers"), mode: .diff)
        #expect(!other.system.contains("Kernel API"))
    }
}
