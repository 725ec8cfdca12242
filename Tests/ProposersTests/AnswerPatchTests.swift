import EvolveCore
import Foundation
import Proposers
import Testing
import TestSupport

/// One row of the patch table: an answer, and either the child it must make (each `(file, from, to)`
/// replaced once in the parent) or the kind of failure it must report.
struct PatchCase: Sendable, CustomTestStringConvertible {
    enum Expect: Sendable {
        case child([(file: String, from: String, to: String)])
        case failure(PatchError.Kind)
    }

    var name: String
    var answer: String
    var files: [String: String] = PatchFixture.files
    var expect: Expect

    var testDescription: String { name }

    static let spanning = "    static let layers = 2\n}\n// EVOLVE-BLOCK-END\n\nfunc fixed() -> Int { 1 }\n\n// EVOLVE-BLOCK-START step\nfunc step(_ x: Int) -> Int {\n    var y = x"

    static let all: [PatchCase] = {
        let e = PatchFixture.edit
        return [
            PatchCase(
                name: "match", answer: "Summary: widen the state\n" + e("kernel.swift", "    static let hidden = 64", "    static let hidden = 96"),
                expect: .child([("kernel.swift", "hidden = 64", "hidden = 96")])),
            PatchCase(
                name: "fuzzy whitespace: trailing spaces", answer: e("kernel.swift", "    static let layers = 2", "    static let layers = 3"),
                expect: .child([("kernel.swift", "static let layers = 2   ", "static let layers = 3")])),
            PatchCase(
                name: "fuzzy whitespace: indentation dropped, replacement re-indented",
                answer: e("kernel.swift", "static let hidden = 64\nstatic let layers = 2", "static let hidden = 128\nstatic let layers = 2"),
                expect: .child([("kernel.swift", "    static let hidden = 64", "    static let hidden = 128")])),
            PatchCase(
                name: "fuzzy whitespace: blank lines around the SEARCH",
                answer: e("kernel.swift", "\n    static let hidden = 64\n", "\n    static let hidden = 32\n"),
                expect: .child([("kernel.swift", "hidden = 64", "hidden = 32")])),
            PatchCase(
                name: "fences around the answer and a decorated header",
                answer: "Here is my change.\n\n**kernel.swift**\n```swift\n" + e(nil, "    static let hidden = 64", "    static let hidden = 80") + "```\n",
                expect: .child([("kernel.swift", "hidden = 64", "hidden = 80")])),
            PatchCase(
                name: "fences inside the sections, file in the fence's info string",
                answer: "```swift kernel.swift\n<<<<<<< SEARCH\n```swift\n    static let hidden = 64\n```\n=======\n```swift\n    static let hidden = 72\n```\n>>>>>>> REPLACE\n```\n",
                expect: .child([("kernel.swift", "hidden = 64", "hidden = 72")])),
            PatchCase(
                name: "CRLF answer", answer: e("kernel.swift", "    static let hidden = 64", "    static let hidden = 48").replacingOccurrences(of: "\n", with: "\r\n"),
                expect: .child([("kernel.swift", "hidden = 64", "hidden = 48")])),
            PatchCase(
                name: "CRLF file keeps its line endings", answer: e("kernel.swift", "let b = 2", "let b = 5"),
                files: ["kernel.swift": "let a = 1\r\n// EVOLVE-BLOCK-START\r\nlet b = 2\r\n// EVOLVE-BLOCK-END\r\n"],
                expect: .child([("kernel.swift", "let b = 2\r\n", "let b = 5\r\n")])),
            PatchCase(
                name: "two files", answer: e("kernel.swift", "    return y + Hyper.hidden", "    return y * 2 + Hyper.hidden") + "\n" + e("helper.swift", "let scale = 2", "let scale = 4"),
                expect: .child([("kernel.swift", "return y + Hyper", "return y * 2 + Hyper"), ("helper.swift", "scale = 2", "scale = 4")])),
            PatchCase(
                name: "a later edit without a header stays in the previous file",
                answer: e("kernel.swift", "    static let hidden = 64", "    static let hidden = 96") + e(nil, "    return y + Hyper.hidden", "    return y - Hyper.hidden"),
                expect: .child([("kernel.swift", "hidden = 64", "hidden = 96"), ("kernel.swift", "return y + Hyper", "return y - Hyper")])),
            PatchCase(
                name: "context lines with an unchanged marker are fine",
                answer: e("kernel.swift", "// EVOLVE-BLOCK-START hyperparameters\nenum Hyper {\n    static let hidden = 64", "// EVOLVE-BLOCK-START hyperparameters\nenum Hyper {\n    static let hidden = 40"),
                expect: .child([("kernel.swift", "hidden = 64", "hidden = 40")])),
            PatchCase(
                name: "one SEARCH spanning two blocks and the fixed text between them",
                answer: e("kernel.swift", Self.spanning, Self.spanning.replacingOccurrences(of: "layers = 2", with: "layers = 3").replacingOccurrences(of: "var y = x", with: "var y = x * 2")),
                expect: .child([("kernel.swift", "static let layers = 2   ", "static let layers = 3"), ("kernel.swift", "    var y = x\n", "    var y = x * 2\n")])),
            PatchCase(
                name: "one SEARCH spanning two blocks that changes the fixed text between them",
                answer: e("kernel.swift", Self.spanning, Self.spanning.replacingOccurrences(of: "layers = 2", with: "layers = 3").replacingOccurrences(of: "{ 1 }", with: "{ 2 }")),
                expect: .failure(.outsideBlock)),
            PatchCase(
                name: "insertion at the end of a block",
                answer: e("kernel.swift", "    return y + Hyper.hidden\n}\n// EVOLVE-BLOCK-END", "    return y + Hyper.hidden\n}\nfunc extra() {}\n// EVOLVE-BLOCK-END"),
                expect: .child([("kernel.swift", "    return y + Hyper.hidden\n}\n", "    return y + Hyper.hidden\n}\nfunc extra() {}\n")])),
            PatchCase(
                name: "rewrite of one named block",
                answer: "Summary: step doubles\n```swift\n// EVOLVE-BLOCK-START step\nfunc step(_ x: Int) -> Int {\n    return 2 * x\n}\n// EVOLVE-BLOCK-END\n```\n",
                expect: .child([("kernel.swift", "    var y = x\n    y += 1\n    y += 1\n    return y + Hyper.hidden", "    return 2 * x")])),

            PatchCase(name: "ambiguous match", answer: e("kernel.swift", "    y += 1", "    y += 2"), expect: .failure(.ambiguous)),
            PatchCase(name: "unmatched SEARCH", answer: e("kernel.swift", "    static let hidden = 65", "    static let hidden = 96"), expect: .failure(.unmatched)),
            PatchCase(name: "edit outside a block", answer: e("kernel.swift", "func fixed() -> Int { 1 }", "func fixed() -> Int { 2 }"), expect: .failure(.outsideBlock)),
            PatchCase(name: "edit outside a block in a second file", answer: e("helper.swift", "let fixedHelper = 3", "let fixedHelper = 4"), expect: .failure(.outsideBlock)),
            PatchCase(
                name: "insertion just after a block's end marker",
                answer: e("kernel.swift", "// EVOLVE-BLOCK-END\n\nfunc fixed() -> Int { 1 }", "// EVOLVE-BLOCK-END\nlet sneaky = 1\n\nfunc fixed() -> Int { 1 }"),
                expect: .failure(.outsideBlock)),
            PatchCase(
                name: "marker removed", answer: e("kernel.swift", "    static let layers = 2\n}\n// EVOLVE-BLOCK-END", "    static let layers = 3\n}"),
                expect: .failure(.markerChanged)),
            PatchCase(
                name: "marker renamed", answer: e("kernel.swift", "// EVOLVE-BLOCK-START step\nfunc step(_ x: Int) -> Int {", "// EVOLVE-BLOCK-START stepper\nfunc step(_ x: Int) -> Int {"),
                expect: .failure(.markerChanged)),
            PatchCase(
                name: "marker added inside a block", answer: e("kernel.swift", "    var y = x", "    var y = x\n// EVOLVE-BLOCK-END\n// EVOLVE-BLOCK-START more"),
                expect: .failure(.markerChanged)),
            PatchCase(name: "identical child", answer: e("kernel.swift", "    static let hidden = 64", "    static let hidden = 64"), expect: .failure(.unchanged)),
            PatchCase(name: "evolve.yaml is never editable", answer: e("evolve.yaml", "seed: 1", "seed: 2"), expect: .failure(.notEditable)),
            PatchCase(name: "a file without blocks is read-only", answer: e("BRIEF.md", "Make it better.", "Ignore the budget."), expect: .failure(.notEditable)),
            PatchCase(name: "unknown file", answer: e("model.swift", "let a = 1", "let a = 2"), expect: .failure(.unknownFile)),
            PatchCase(name: "no header in a multi-file program", answer: e(nil, "    static let hidden = 64", "    static let hidden = 96"), expect: .failure(.malformed)),
            PatchCase(
                name: "answer cut off before REPLACE", answer: "kernel.swift\n<<<<<<< SEARCH\n    static let hidden = 64\n=======\n    static let hidden = 9",
                expect: .failure(.malformed)),
            PatchCase(name: "no edits at all", answer: "I think the model is fine as it is.", expect: .failure(.noEdits)),
            PatchCase(
                name: "rewrite of a block the file lacks",
                answer: "kernel.swift\n// EVOLVE-BLOCK-START optimiser\nlet lr = 1\n// EVOLVE-BLOCK-END\n", expect: .failure(.noSuchBlock)),
            PatchCase(
                name: "child over the size limit",
                answer: e("kernel.swift", "    static let hidden = 64", "    static let hidden = 64\n" + String(repeating: "    // padding padding padding padding padding padding padding\n", count: 1200)),
                expect: .failure(.tooLarge)),
        ]
    }()
}

@Suite struct PatchTests {
    @Test(arguments: PatchCase.all)
    func patchTable(_ row: PatchCase) throws {
        switch row.expect {
        case .child(let changes):
            let result = try Patch.apply(answer: row.answer, to: row.files)
            var expected = row.files
            for change in changes {
                let text = try #require(expected[change.file])
                let range = try #require(text.range(of: change.from), "fixture lacks \(change.from)")
                expected[change.file] = text.replacingCharacters(in: range, with: change.to)
            }
            #expect(result.files == expected, "\(row.name): got\n\(result.files.sorted { $0.key < $1.key }.map { "\($0.key):\n\($0.value)" }.joined(separator: "\n"))")
            #expect(!result.changedBlocks.isEmpty)
        case .failure(let kind):
            #expect {
                try Patch.apply(answer: row.answer, to: row.files)
            } throws: { error in
                guard let error = error as? PatchError else { return false }
                return error.kinds.contains(kind) && !error.description.isEmpty
            }
        }
    }

    @Test func failuresNameTheEditTheFileAndWhatToDo() throws {
        let answer = PatchFixture.edit("kernel.swift", "    static let hidden = 64", "    static let hidden = 96")
            + PatchFixture.edit(nil, "func fixed() -> Int { 1 }", "func fixed() -> Int { 2 }")
            + PatchFixture.edit(nil, "    static let depth = 3", "    static let depth = 4")
        do {
            _ = try Patch.apply(answer: answer, to: PatchFixture.files)
            Issue.record("an answer with a rejected edit made a child")
        } catch {
            #expect(error.appliedEdits == [1] && error.totalEdits == 3)
            #expect(error.problems.map(\.edit) == [2, 3])
            let outside = try #require(error.problems.first { $0.kind == .outsideBlock }).message
            #expect(outside.contains("edit 2 (kernel.swift)") && outside.contains("outside every EVOLVE-BLOCK") && outside.contains("lines 10–10"))
            let unmatched = try #require(error.problems.first { $0.kind == .unmatched }).message
            #expect(unmatched.contains("static let depth = 3") && unmatched.contains("copy"))
        }
    }

    @Test func theSummaryComesFromTheAnswerAndChangedBlocksAreNamed() throws {
        let result = try Patch.apply(
            answer: "Summary: widen the state to 96\n" + PatchFixture.edit("kernel.swift", "    static let hidden = 64", "    static let hidden = 96"),
            to: PatchFixture.files)
        #expect(result.summary == "widen the state to 96")
        #expect(result.changedBlocks == ["kernel.swift: hyperparameters"])
        let plain = try Patch.apply(answer: PatchFixture.edit("helper.swift", "let scale = 2", "let scale = 3"), to: PatchFixture.files)
        #expect(plain.summary == "changed helper")
    }
}
