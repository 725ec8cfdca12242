import Foundation

/// The answers the local model of `scripts/test-real-llm.sh` really returned (gemma3-270m Q4_K_M, served by
/// llama-cpp-python 0.3.36, prompted by `evolve run` on the TRM seed), kept verbatim in
/// `RecordedAnswers/gemma3-270m.json` as the script's answer relay stored them (`answers.jsonl`: the text,
/// the finish reason, and the first line of the message that asked). Each is a case of the corpus with the
/// outcome the parser must give it against the TRM seed, so a change in how answers are read shows here
/// on the words a real small model writes, not only on the shapes written by hand.
enum LocalModelAnswers {
    struct Recorded: Decodable {
        var id: String
        var asked: String
        var finishReason: String?
        var answer: String

        enum CodingKeys: String, CodingKey {
            case id, asked, answer
            case finishReason = "finish_reason"
        }
    }

    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("RecordedAnswers/gemma3-270m.json")

    /// Every recorded answer by id; a missing or unreadable file stops the suite with its path, since every
    /// case below depends on it.
    static let recorded: [String: Recorded] = {
        do {
            let answers = try JSONDecoder().decode([Recorded].self, from: Data(contentsOf: file))
            return Dictionary(answers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            fatalError("\(file.path) is not readable as the recorded answers (\(error)); restore it from git")
        }
    }()

    static func answer(_ id: String) -> String {
        guard let found = recorded[id] else { fatalError("\(file.path) has no answer \(id); the case names an id the file lacks") }
        return found.answer
    }
}

extension LocalModelAnswers {
    /// The corpus cases: what each recorded answer must come to against the TRM seed.
    static let cases: [AnswerCase] = [
        // The first prompt of the run (a child of the seed): the model copies the kernel into an open fence,
        // the hyperparameters block verbatim, then degenerates inside the next block until the 1,024-token
        // limit. Read as whole-block rewrites, the first is a clean no-op and the second never reaches its
        // END marker: the repair names that block and the cut, and keeps the clean edit.
        AnswerCase(
            name: "gemma3-270m: the kernel echoed in an open fence, degenerating inside the second block, cut at 1,024 tokens",
            answer: answer("run-2026-12-07-1"),
            expect: .repair(.malformed, quoting: [
                "edit 2: block 'block': the answer ends before its EVOLVE-BLOCK-END (cut off?)", "Edit 1 of 2 applied cleanly",
            ])),
        // The run's second proposal, asked while the first was answered: the model ended its turn at once
        // (finish reason stop, no text). The client reports an empty answer before any parsing; were it
        // parsed, it holds no edit.
        AnswerCase(
            name: "gemma3-270m: an empty answer, the turn ended at once",
            answer: answer("run-2026-12-07-2"),
            expect: .repair(.noEdits, quoting: ["the answer holds no SEARCH/REPLACE block"])),
        // The first proposal's second call, after "Send a shorter answer": the same echo again, cut again at
        // 1,024 tokens (so the proposal failed as cut off twice); read, it is the first answer's outcome.
        AnswerCase(
            name: "gemma3-270m: asked for a shorter answer, the kernel echoed again and cut again",
            answer: answer("run-2026-12-07-3"),
            expect: .repair(.malformed, quoting: [
                "edit 2: block 'block': the answer ends before its EVOLVE-BLOCK-END (cut off?)", "Edit 1 of 2 applied cleanly",
            ])),
        // A child's prompt echoed from its first line ("# Task", the instructions, the noise line, the program
        // in a fence), then degenerating: nothing in the echoed instructions reads as an edit, the echoed
        // program is two block rewrites, the second cut off.
        AnswerCase(
            name: "gemma3-270m: the prompt itself echoed, instructions and program, cut at 1,024 tokens",
            answer: answer("run-2026-12-07-4"),
            expect: .repair(.malformed, quoting: [
                "edit 2: block 'block': the answer ends before its EVOLVE-BLOCK-END (cut off?)", "Edit 1 of 2 applied cleanly",
            ])),
        // A rewrite-mode prompt ("Rewrite the block `supervision`") echoed from "# Task" through the metrics
        // lines and cut there, before any program text: no edit of any kind.
        AnswerCase(
            name: "gemma3-270m: a rewrite prompt echoed up to its metrics, cut before the program",
            answer: answer("run-2026-12-07-5"),
            expect: .repair(.noEdits, quoting: ["the answer holds no SEARCH/REPLACE block"])),
        // Its shorter-answer retry echoes from "# Current program" on, the program again two block rewrites, the
        // second cut off, with stray Chinese and prompt words in the degenerate tail.
        AnswerCase(
            name: "gemma3-270m: the shorter-answer retry echoes the current program, cut inside the second block",
            answer: answer("run-2026-12-07-6"),
            expect: .repair(.malformed, quoting: [
                "edit 2: block 'block': the answer ends before its EVOLVE-BLOCK-END (cut off?)", "Edit 1 of 2 applied cleanly",
            ])),
    ]
}
