import EvolveCore
import Foundation
import Testing
import TestSupport

@Suite struct CrossoverTests {
    @Test func crossoverTakesNamedBlocksFromTheSecondParent() throws {
        var second = PatchFixture.files
        second["kernel.swift"] = PatchFixture.kernel.replacingOccurrences(of: "hidden = 64", with: "hidden = 256")
            .replacingOccurrences(of: "    return y + Hyper.hidden", with: "    return y")
        let child = try Crossover.recombine(first: PatchFixture.files, second: second, fromSecond: ["kernel.swift: hyperparameters"])
        #expect(child["kernel.swift"]!.contains("hidden = 256"))
        #expect(child["kernel.swift"]!.contains("return y + Hyper.hidden"))
        #expect(child["helper.swift"] == PatchFixture.helper)
        #expect(Crossover.compatibleBlocks(PatchFixture.files, second) == ["helper.swift: helper", "kernel.swift: hyperparameters", "kernel.swift: step"])
    }

    @Test func crossoverRefusesParentsThatDifferOutsideTheirBlocks() throws {
        var other = PatchFixture.files
        other["kernel.swift"] = PatchFixture.kernel.replacingOccurrences(of: "func fixed() -> Int { 1 }", with: "func fixed() -> Int { 7 }")
        #expect(Crossover.compatibleBlocks(PatchFixture.files, other) == ["helper.swift: helper"])
        #expect(throws: PatchError.self) {
            try Crossover.recombine(first: PatchFixture.files, second: other, fromSecond: ["kernel.swift: step"])
        }
    }
}

@Suite struct EvolveBlocksTests {
    @Test func blocksHaveNamesLinesAndBodies() throws {
        let blocks = try EvolveBlocks.parse(PatchFixture.files)
        #expect(blocks.map(\.label) == ["helper.swift: helper", "kernel.swift: hyperparameters", "kernel.swift: step"])
        let step = blocks[2]
        #expect(step.startLine == 12 && step.endLine == 19)
        #expect(step.body.hasPrefix("func step(_ x: Int) -> Int {\n") && step.body.hasSuffix("}\n"))
    }

    @Test func theSeedKernelsParse() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for seed in ["trm", "hrm"] {
            let files = try ProgramFiles.read(directory: repo.appendingPathComponent("Programs/\(seed)"))
            let blocks = try EvolveBlocks.parse(files)
            #expect(blocks.count >= 3, "\(seed)")
            #expect(blocks.contains { $0.name == "hyperparameters" })
        }
    }

    @Test(arguments: [
        ("// EVOLVE-BLOCK-START a\nx\n", "has no EVOLVE-BLOCK-END"),
        ("x\n// EVOLVE-BLOCK-END\n", "without an EVOLVE-BLOCK-START"),
        ("// EVOLVE-BLOCK-START a\n// EVOLVE-BLOCK-START b\n// EVOLVE-BLOCK-END\n", "do not nest"),
        ("// EVOLVE-BLOCK-START a\n// EVOLVE-BLOCK-END\n// EVOLVE-BLOCK-START a\n// EVOLVE-BLOCK-END\n", "a second block named 'a'"),
    ])
    func brokenMarkersAreNamedWithTheirLine(_ text: String, _ phrase: String) {
        #expect {
            try EvolveBlocks.parse(file: "k.swift", text: text)
        } throws: { error in
            "\(error)".contains(phrase) && "\(error)".hasPrefix("k.swift:")
        }
    }

    @Test func aProgramWithoutMarkersIsRefusedWithAnExample() {
        #expect {
            try EvolveBlocks.parse(["a.swift": "let a = 1\n", "b.py": "# EVOLVE-BLOCK-STARTED\n"])
        } throws: { error in
            "\(error)".contains("looked at 2 files") && "\(error)".contains("Programs/trm/kernel.swift")
        }
    }

    @Test func markersInOtherCommentSyntaxes() throws {
        let python = "# EVOLVE-BLOCK-START model\nx = 1\n# EVOLVE-BLOCK-END\n"
        let css = "/* EVOLVE-BLOCK-START style */\na {}\n/* EVOLVE-BLOCK-END */\n"
        #expect(try EvolveBlocks.parse(file: "m.py", text: python).map(\.name) == ["model"])
        #expect(try EvolveBlocks.parse(file: "s.css", text: css).map(\.name) == ["style"])
        #expect(try EvolveBlocks.parse(file: "d.swift", text: "// mentions EVOLVE-BLOCK-START in prose\n").isEmpty)
    }
}
