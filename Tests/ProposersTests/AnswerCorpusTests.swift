import EvolveCore
import Foundation
import Proposers
import Testing

/// Answers in the shapes models really send, against the real TRM seed, each with its expected outcome:
/// the child it makes (each `(from, to)` replaced once in `kernel.swift`), or the failure and the lines
/// the repair prompt must quote back. The answers recorded from the local model of
/// `scripts/test-real-llm.sh` join them from `LocalModelAnswers`.
struct AnswerCase: Sendable, CustomTestStringConvertible {
    enum Expect: Sendable {
        case applies([(from: String, to: String)])
        case repair(PatchError.Kind, quoting: [String])
    }

    var name: String
    var answer: String
    var expect: Expect
    var testDescription: String { name }

    static let hidden = "    static let hidden = 64              // D, the width of every state"
    static let nSup = "    static let nSup = 6                 // supervision steps per example (at most, in training; all, at evaluation)"
    static let ema = "    static let emaDecay: Float = 0.98"
    static let latent = "        for _ in 0..<Hyper.n { z = net(z, tape.add(x, y), tape) }"
    static let haltWeight = "                trainer.step(loss: tape.add(answerLoss, tape.scale(haltLoss, 0.5)))"

    static func edit(_ search: String, _ replace: String, file: String? = "kernel.swift") -> String {
        (file.map { "\($0)\n" } ?? "") + "<<<<<<< SEARCH\n\(search)\n=======\n\(replace)\n>>>>>>> REPLACE\n"
    }

    static let all: [AnswerCase] = [
        AnswerCase(
            name: "rationale, then a fenced edit",
            answer: """
                The seed sits on its phase change at 156 steps; a shorter EMA lets the evaluated weights follow the \
                fast-moving ones in so short a run.

                Summary: EMA decay 0.98 → 0.95 for a run of ~150 steps

                ```swift
                \(edit(ema, "    static let emaDecay: Float = 0.95"))```
                """,
            expect: .applies([(ema, "    static let emaDecay: Float = 0.95")])),
        AnswerCase(
            name: "a think block with a draft edit, then the real one",
            answer: "<think>\nMaybe nSup 2?\n" + edit(nSup, nSup.replacingOccurrences(of: "= 6", with: "= 2"))
                + "No: 3 was measured on 9×9.\n</think>\n\nSummary: nSup 6 → 3\n" + edit(nSup, nSup.replacingOccurrences(of: "= 6", with: "= 3")),
            expect: .applies([(nSup, nSup.replacingOccurrences(of: "= 6", with: "= 3"))])),
        AnswerCase(
            name: "reasoning opened by the chat template: only the closing tag is in the answer",
            answer: "The budget buys few steps, so…\n" + edit(ema, "    static let emaDecay: Float = 0.9") + "</think>\nSummary: EMA 0.95\n"
                + edit(ema, "    static let emaDecay: Float = 0.95"),
            expect: .applies([(ema, "    static let emaDecay: Float = 0.95")])),
        AnswerCase(
            name: "cut off while reasoning: the unterminated think block is dropped with its drafts",
            answer: "<think>\nLet me try\n" + edit(ema, "    static let emaDecay: Float = 0.9") + "and then maybe",
            expect: .repair(.noEdits, quoting: [])),
        AnswerCase(
            name: "trailing comment dropped from the SEARCH: the repair quotes the real line",
            answer: "Summary: narrower\n" + edit("    static let hidden = 64", "    static let hidden = 48"),
            expect: .repair(.unmatched, quoting: ["line 14 of the file", hidden])),
        AnswerCase(
            name: "a mistyped line among several: the repair quotes the stretch it was copied from",
            answer: edit("    static let T = 1                    // deep-recursion rounds (H_cycles)\n    static let n = 3                    // latent steps per round (L_cycles)",
                         "    static let T = 1                    // deep-recursion rounds (H_cycles)\n    static let n = 4                    // latent steps per round (L_cycles)"),
            expect: .repair(.unmatched, quoting: ["lines 19–20", "    static let n = 2                    // latent steps per round (L_cycles)"])),
        AnswerCase(
            name: "several blocks, edits in sequence (the second SEARCH matches what the first wrote)",
            answer: "Summary: fewer supervision steps, lighter halting loss, one latent step fewer\n"
                + edit(nSup, nSup.replacingOccurrences(of: "= 6", with: "= 3"))
                + edit(nSup.replacingOccurrences(of: "= 6", with: "= 3"), nSup.replacingOccurrences(of: "= 6", with: "= 4"), file: nil)
                + edit(haltWeight, haltWeight.replacingOccurrences(of: "0.5", with: "0.25"), file: nil)
                + edit(latent, latent.replacingOccurrences(of: "0..<Hyper.n", with: "0..<(Hyper.n - 1)"), file: nil),
            expect: .applies([
                (nSup, nSup.replacingOccurrences(of: "= 6", with: "= 4")), (haltWeight, haltWeight.replacingOccurrences(of: "0.5", with: "0.25")),
                (latent, latent.replacingOccurrences(of: "0..<Hyper.n", with: "0..<(Hyper.n - 1)")),
            ])),
        AnswerCase(
            name: "a truncated tail: the second edit never closes",
            answer: "Summary: two changes\n" + edit(ema, "    static let emaDecay: Float = 0.95") + "kernel.swift\n<<<<<<< SEARCH\n" + nSup + "\n=======\n    static let nS",
            expect: .repair(.malformed, quoting: ["cut off?", "Edit 1 of 2 applied cleanly"])),
    ]
}

@Suite struct AnswerCorpusTests {
    static let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Programs/trm")

    @Test(arguments: AnswerCase.all + LocalModelAnswers.cases)
    func recordedAnswer(_ row: AnswerCase) throws {
        let files = try ProgramFiles.read(directory: Self.seed)
        let kernel = try #require(files["kernel.swift"])
        switch row.expect {
        case .applies(let changes):
            let child = try Patch.apply(answer: row.answer, to: files)
            var expected = kernel
            for change in changes {
                let range = try #require(expected.range(of: change.from), "the seed lacks \(change.from)")
                expected.replaceSubrange(range, with: change.to)
            }
            #expect(child.files["kernel.swift"] == expected)
        case .repair(let kind, let quoting):
            do {
                _ = try Patch.apply(answer: row.answer, to: files)
                Issue.record("\(row.name): the answer applied")
            } catch {
                #expect(error.kinds.contains(kind), "\(error)")
                let repair = PromptBuilder().repair(error)
                for text in quoting {
                    #expect(repair.contains(text), "the repair prompt lacks \(text):\n\(repair)")
                }
            }
        }
    }

    @Test func aWholeFileRewriteChangesOnlyTheBlocks() throws {
        let files = try ProgramFiles.read(directory: Self.seed)
        let kernel = try #require(files["kernel.swift"])
        let rewritten = kernel.replacingOccurrences(of: AnswerCase.ema, with: "    static let emaDecay: Float = 0.95")
            .replacingOccurrences(of: "haltHead = Linear(d, 1, bias: -5, std: 0, rng: &rng)", with: "haltHead = Linear(d, 2, rng: &rng)")
        let child = try Patch.apply(answer: "Here is the whole file.\n\n```swift\n\(rewritten)```\n", to: files)
        // The blocks' bodies come from the answer; the fixed code it changed (the halting head) stays the seed's.
        #expect(child.files["kernel.swift"] == kernel.replacingOccurrences(of: AnswerCase.ema, with: "    static let emaDecay: Float = 0.95"))
        #expect(child.changedBlocks == ["kernel.swift: hyperparameters"])
    }
}
