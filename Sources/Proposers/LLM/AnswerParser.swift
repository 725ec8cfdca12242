import EvolveCore
import Foundation

/// Reads SEARCH/REPLACE blocks, or whole EVOLVE-BLOCKs when there are none, from a model's answer.
/// Tolerates markdown fences around and inside sections, CRLF, 5–9 marker characters and decorated file
/// headers (`**kernel.swift**`, `### File: kernel.swift`, a fence's info string).
struct AnswerParser {
    let answer: String
    /// The program's paths (and `evolve.yaml`), to recognise file headers.
    let paths: Set<String>

    typealias Output = ParsedAnswer

    func parse() -> Output {
        let lines = SourceLines(Self.withoutReasoning(answer)).lines
        var output = Output()
        let firstEdit: Int
        if let first = lines.firstIndex(where: Self.isSearch) {
            firstEdit = first
            parseSearchReplace(lines, into: &output)
        } else {
            firstEdit = lines.firstIndex { if case .start = EvolveBlocks.Marker($0) { true } else { false } } ?? lines.count
            parseBlocks(lines, into: &output)
        }
        output.summary = summary(Array(lines[..<firstEdit]))
        return output
    }

    private func parseSearchReplace(_ lines: [String], into output: inout Output) {
        var i = 0
        var index = 0
        while i < lines.count {
            guard Self.isSearch(lines[i]) else { i += 1; continue }
            index += 1
            let header = header(before: i, in: lines)
            var j = i + 1
            var search: [String] = []
            while j < lines.count, !Self.isDivider(lines[j]), !Self.isSearch(lines[j]), !Self.isReplace(lines[j]) {
                search.append(lines[j])
                j += 1
            }
            guard j < lines.count, Self.isDivider(lines[j]) else {
                output.problems.append(.init(kind: .malformed, edit: index, message: "edit \(index): its <<<<<<< SEARCH has no ======= line after it; each edit is SEARCH lines, =======, REPLACE lines, >>>>>>> REPLACE"))
                i = j
                continue
            }
            j += 1
            var replace: [String] = []
            while j < lines.count, !Self.isReplace(lines[j]), !Self.isSearch(lines[j]), !Self.isDivider(lines[j]) {
                replace.append(lines[j])
                j += 1
            }
            guard j < lines.count, Self.isReplace(lines[j]) else {
                let cause = j >= lines.count ? "the answer ends before its >>>>>>> REPLACE line (cut off?)" : "a second ======= or a new SEARCH comes before its >>>>>>> REPLACE line"
                output.problems.append(.init(kind: .malformed, edit: index, message: "edit \(index): \(cause); close every edit with >>>>>>> REPLACE"))
                i = j
                continue
            }
            output.edits.append(ParsedEdit(index: index, file: header, kind: .replace(search: Self.unfenced(search), replace: Self.unfenced(replace))))
            i = j + 1
        }
    }

    private func parseBlocks(_ lines: [String], into output: inout Output) {
        var i = 0
        var index = 0
        while i < lines.count {
            guard case .start(let name) = EvolveBlocks.Marker(lines[i]) else { i += 1; continue }
            index += 1
            let header = header(before: i, in: lines)
            var j = i + 1
            while j < lines.count, EvolveBlocks.Marker(lines[j]) == nil { j += 1 }
            guard j < lines.count, EvolveBlocks.Marker(lines[j]) == .end else {
                let cause = j >= lines.count ? "the answer ends before its EVOLVE-BLOCK-END (cut off?)" : "another EVOLVE-BLOCK-START comes before its EVOLVE-BLOCK-END"
                output.problems.append(.init(kind: .malformed, edit: index, message: "edit \(index): block '\(name)': \(cause); send the whole block, from its START marker to its END marker"))
                i = j
                continue
            }
            output.edits.append(ParsedEdit(index: index, file: header, kind: .block(name: name.isEmpty ? "#1" : name, body: Self.unfenced(Array(lines[(i + 1)..<j])))))
            i = j + 1
        }
    }

    // MARK: - Reasoning

    /// Tags of the reasoning that models served without a reasoning parser leave in the answer's text.
    static let reasoningTags = ["think", "thinking", "reasoning"]

    /// The answer without its reasoning: every `<think>…</think>` block (or `<thinking>`, `<reasoning>`)
    /// removed; everything before a closing tag that has no opening one removed (a chat template that
    /// opens the block in the prompt); and an opening tag that is never closed removed with everything
    /// after it (an answer cut off while reasoning). Drafts of edits inside the reasoning are never
    /// applied: only what the model sent after it counts.
    static func withoutReasoning(_ answer: String) -> String {
        var text = answer
        for tag in reasoningTags {
            let open = "<\(tag)>", close = "</\(tag)>"
            if let lone = text.range(of: close, options: .caseInsensitive),
               text.range(of: open, options: .caseInsensitive, range: text.startIndex..<lone.lowerBound) == nil {
                text.removeSubrange(text.startIndex..<lone.upperBound)
            }
            while let start = text.range(of: open, options: .caseInsensitive) {
                if let end = text.range(of: close, options: .caseInsensitive, range: start.upperBound..<text.endIndex) {
                    text.removeSubrange(start.lowerBound..<end.upperBound)
                } else {
                    text.removeSubrange(start.lowerBound..<text.endIndex)
                }
            }
        }
        return text
    }

    // MARK: - Lines

    static func isSearch(_ line: String) -> Bool { marker(line, char: "<", word: "SEARCH") }
    static func isReplace(_ line: String) -> Bool { marker(line, char: ">", word: "REPLACE") }
    static func isDivider(_ line: String) -> Bool { marker(line, char: "=", word: "") }

    private static func marker(_ line: String, char: Character, word: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let run = trimmed.prefix { $0 == char }.count
        guard (5...9).contains(run) else { return false }
        return trimmed.dropFirst(run).trimmingCharacters(in: .whitespaces).uppercased() == word
    }

    static func isFence(_ line: String) -> Bool { line.trimmingCharacters(in: .whitespaces).hasPrefix("```") }

    /// A section wrapped in its own fence pair (```swift … ```) loses the fences.
    static func unfenced(_ section: [String]) -> [String] {
        guard section.count >= 2, isFence(section[0]), section.last!.trimmingCharacters(in: .whitespaces) == "```" else { return section }
        return Array(section.dropFirst().dropLast())
    }

    /// The file an edit names: the nearest non-blank line above it (above any fence), or a fence's info
    /// string naming a program file.
    private func header(before index: Int, in lines: [String]) -> String? {
        var i = index - 1
        var examined = 0
        while i >= 0, examined < 4 {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            i -= 1
            if line.isEmpty { continue }
            examined += 1
            if Self.isFence(line) {
                if let path = knownPath(in: String(line.dropFirst(3))) { return path }
                continue
            }
            if Self.isReplace(line) || Self.isSearch(line) || Self.isDivider(line) || EvolveBlocks.Marker(line) != nil { return nil }
            return path(in: line)
        }
        return nil
    }

    private static let decoration: Set<Character> = ["#", "*", "`", "-", ">", ":", "_", "\"", "'", ","]

    private func tokens(_ line: String) -> [String] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { token in
            var t = Substring(token)
            while let c = t.first, Self.decoration.contains(c) { t = t.dropFirst() }
            while let c = t.last, Self.decoration.contains(c) || c == "." { t = t.dropLast() }
            return String(t)
        }.filter { !$0.isEmpty }
    }

    private func knownPath(in line: String) -> String? {
        tokens(line).first(where: paths.contains)
    }

    /// A known path anywhere in the line, else the line itself when it is one path-like word.
    private func path(in line: String) -> String? {
        if let known = knownPath(in: line) { return known }
        var words = tokens(line)
        if let first = words.first, ["file", "path", "filename"].contains(first.lowercased()) { words.removeFirst() }
        guard words.count == 1, let word = words.first, word.count <= 200,
              word.contains("/") || word.range(of: #"\.[A-Za-z0-9]{1,8}$"#, options: .regularExpression) != nil
        else { return nil }
        return word
    }

    /// The answer's own one-line description of the change: a `Summary:` line, else its first sentence of
    /// prose before the edits.
    private func summary(_ lines: [String]) -> String? {
        var insideFence = false
        var prose: String?
        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if Self.isFence(line) { insideFence.toggle(); continue }
            if insideFence || line.isEmpty { continue }
            let stripped = line.drop { "#*->_ ".contains($0) }
            if stripped.lowercased().hasPrefix("summary") {
                let text = stripped.dropFirst("summary".count).drop { "*:_ ".contains($0) }
                if !text.isEmpty { return Self.oneLine(String(text)) }
            }
            if prose == nil, stripped.split(separator: " ").count >= 3, path(in: line) == nil { prose = Self.oneLine(String(stripped)) }
        }
        return prose
    }

    static func oneLine(_ text: String, limit: Int = 120) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }
}

extension Patch {
    /// Applies a model's answer (its text, in the format the prompt asks for) to `files`: the answer is
    /// read by `AnswerParser`, then applied by `Patch` under the EVOLVE-BLOCK rules.
    public static func apply(answer: String, to files: [String: String], limits: PatchLimits = PatchLimits()) throws(PatchError) -> PatchResult {
        try apply(AnswerParser(answer: answer, paths: Set(files.keys).union([ProgramFiles.configFileName])).parse(), to: files, limits: limits)
    }

    /// The answer's own one-line description of its change (its `Summary:` line, else its first line of
    /// prose), whether or not its edits apply: a failed attempt is still worth naming in the next prompt.
    public static func summary(of answer: String) -> String? {
        AnswerParser(answer: answer, paths: []).parse().summary
    }
}
