import EvolveSupport
import Foundation

/// Limits a child must meet before it is evaluated.
public struct PatchLimits: Codable, Sendable, Equatable {
    /// A changed file larger than this (UTF-8 bytes) is rejected: evolution grows code, and a bigger
    /// kernel is slower to compile and to show in the next prompt.
    public var maxFileBytes: Int = 64 * 1024

    public init(maxFileBytes: Int = 64 * 1024) {
        self.maxFileBytes = maxFileBytes
    }

    enum CodingKeys: String, CodingKey { case maxFileBytes = "max_file_bytes" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxFileBytes = try c.decodeIfPresent(Int.self, forKey: .maxFileBytes) ?? 64 * 1024
    }
}

/// A child made by a patch: its files, the blocks that changed, and the answer's one-line summary.
public struct PatchResult: Sendable, Equatable {
    public var files: [String: String]
    /// Labels (`kernel.swift: hyperparameters`) of the blocks whose text changed.
    public var changedBlocks: [String]
    /// The answer's `Summary:` line, or the first line of prose before its edits, or the changed blocks.
    public var summary: String
    /// Edits the answer held (SEARCH/REPLACE pairs or whole blocks).
    public var edits: Int
}

/// Why an answer did not become a child: one problem per failed edit, each naming the edit, the file,
/// the cause and what to send instead. The repair prompt quotes them to the model.
public struct PatchError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The answer holds no SEARCH/REPLACE block and no whole EVOLVE-BLOCK.
        case noEdits = "no_edits"
        /// A SEARCH/REPLACE block is cut short or empty.
        case malformed
        case unknownFile = "unknown_file"
        /// `evolve.yaml` or a file without EVOLVE-BLOCKs.
        case notEditable = "not_editable"
        case unmatched
        /// A SEARCH that matches more than once: an error, not a guess.
        case ambiguous
        case outsideBlock = "outside_block"
        case markerChanged = "marker_changed"
        case noSuchBlock = "no_such_block"
        case tooLarge = "too_large"
        /// The edits leave every file as it was.
        case unchanged
        /// The parent's (or second parent's) own markers are broken, or two parents do not fit together.
        case invalidParent = "invalid_parent"
    }

    public struct Problem: Error, Sendable, Equatable {
        public var kind: Kind
        /// 1-based position of the edit in the answer, when the problem belongs to one edit.
        public var edit: Int?
        public var message: String

        package init(kind: Kind, edit: Int?, message: String) {
            self.kind = kind
            self.edit = edit
            self.message = message
        }
    }

    public var problems: [Problem]
    /// Edits that applied cleanly (1-based), so a repair can keep them.
    public var appliedEdits: [Int]
    public var totalEdits: Int

    package init(_ problems: [Problem], applied: [Int] = [], total: Int = 0) {
        self.problems = problems
        appliedEdits = applied
        totalEdits = total
    }

    package init(_ kind: Kind, _ message: String) {
        self.init([Problem(kind: kind, edit: nil, message: message)])
    }

    public var kinds: Set<Kind> { Set(problems.map(\.kind)) }

    public var description: String { problems.map(\.message).joined(separator: "; ") }
}

/// Turns a model's answer into a child's files, enforcing EVOLVE-BLOCKs.
///
/// An answer holds SEARCH/REPLACE blocks, each preceded by the file's path when the program has more than
/// one editable file:
///
/// ```text
/// kernel.swift
/// <<<<<<< SEARCH
///     static let hidden = 64
/// =======
///     static let hidden = 96
/// >>>>>>> REPLACE
/// ```
///
/// or, for a rewrite, whole blocks between their markers (`// EVOLVE-BLOCK-START name` … `// EVOLVE-BLOCK-END`).
/// Markdown fences, CRLF and trailing whitespace are tolerated; a SEARCH is matched exactly, then ignoring
/// trailing whitespace, then ignoring indentation, and must match exactly once. Lines the edit repeats
/// unchanged (context such as a marker line) are kept from the parent byte for byte; every line it does
/// change must lie inside one EVOLVE-BLOCK, and no marker may be added, removed or altered.
public enum Patch {
    /// Applies a parsed answer (`AnswerParser` in the LLM proposer reads the text) to `files`. Throws a
    /// `PatchError` listing every failed edit (the rest are applied only if all succeed: a child is all of
    /// the answer or nothing).
    package static func apply(_ parsed: ParsedAnswer, to files: [String: String], limits: PatchLimits = PatchLimits()) throws(PatchError) -> PatchResult {
        let parentBlocks: [EvolveBlock]
        do { parentBlocks = try EvolveBlocks.parse(files) } catch { throw PatchError(.invalidParent, "the parent's markers are broken: \(error)") }
        let editable = Set(parentBlocks.map(\.file))
        guard !parsed.edits.isEmpty || !parsed.problems.isEmpty else {
            throw PatchError(.noEdits, "the answer holds no SEARCH/REPLACE block (<<<<<<< SEARCH / ======= / >>>>>>> REPLACE) and no whole EVOLVE-BLOCK; answer in the edit format of the instructions")
        }

        var working = files.mapValues(SourceLines.init)
        var problems = parsed.problems
        var applied: [Int] = []
        var changed: [String] = []
        var lastFile: String?
        for edit in parsed.edits {
            let file: String
            switch resolveFile(edit, lastFile: lastFile, files: files, editable: editable) {
            case .success(let f): file = f
            case .failure(let problem):
                problems.append(problem)
                continue
            }
            lastFile = file
            var lines = working[file]!
            do {
                let labels = try apply(edit, file: file, to: &lines)
                working[file] = lines
                applied.append(edit.index)
                for label in labels where !changed.contains(label) { changed.append(label) }
            } catch {
                problems.append(error)
            }
        }
        let total = parsed.edits.count + parsed.problems.count
        guard problems.isEmpty else { throw PatchError(problems.sorted { ($0.edit ?? 0) < ($1.edit ?? 0) }, applied: applied, total: total) }

        var child = files
        for (path, lines) in working where lines != SourceLines(files[path]!) {
            child[path] = lines.text
        }
        try check(child: child, parent: files, limits: limits)
        let changedBlocks = changed.filter { label in
            let (file, name) = EvolveBlocks.splitLabel(label)
            return EvolveBlocks.blockBody(child, file: file, name: name) != EvolveBlocks.blockBody(files, file: file, name: name)
        }
        let summary = parsed.summary ?? "changed " + changedBlocks.map { EvolveBlocks.splitLabel($0).name }.joined(separator: ", ")
        return PatchResult(files: child, changedBlocks: changedBlocks, summary: summary, edits: parsed.edits.count)
    }

    // MARK: - Applying one edit

    private static func resolveFile(_ edit: ParsedEdit, lastFile: String?, files: [String: String], editable: Set<String>) -> Result<String, PatchError.Problem> {
        func problem(_ kind: PatchError.Kind, _ message: String) -> Result<String, PatchError.Problem> {
            .failure(PatchError.Problem(kind: kind, edit: edit.index, message: "edit \(edit.index): \(message)"))
        }
        let named = edit.file ?? lastFile ?? (editable.count == 1 ? editable.first : nil)
        if edit.file == nil, case .block(let name, _) = edit.kind {
            let owners = Set(editable.filter { file in (try? EvolveBlocks.parse(file: file, text: files[file]!))?.contains { $0.name == name } ?? false })
            if owners.count == 1 { return .success(owners.first!) }
        }
        guard let file = named else {
            return problem(.malformed, "names no file; put the file's path (one of \(editable.sorted().joined(separator: ", "))) on the line before its <<<<<<< SEARCH")
        }
        if file == ProgramFiles.configFileName {
            return problem(.notEditable, "\(file) is the run's configuration, never part of a program; change only code inside EVOLVE-BLOCKs")
        }
        guard files[file] != nil else {
            return problem(.unknownFile, "the program has no file '\(file.prefix(80))'; its editable files are \(editable.sorted().joined(separator: ", "))")
        }
        guard editable.contains(file) else {
            return problem(.notEditable, "\(file) has no EVOLVE-BLOCK, so it cannot change; edit \(editable.sorted().joined(separator: ", ")) instead")
        }
        return .success(file)
    }

    /// Applies one edit to `lines` (a file), returning the labels of the blocks it changed.
    private static func apply(_ edit: ParsedEdit, file: String, to source: inout SourceLines) throws(PatchError.Problem) -> [String] {
        func problem(_ kind: PatchError.Kind, _ message: String) -> PatchError.Problem {
            PatchError.Problem(kind: kind, edit: edit.index, message: "edit \(edit.index) (\(file)): \(message)")
        }
        let blocks: [EvolveBlock]
        do { blocks = try EvolveBlocks.parse(file: file, lines: source.lines) } catch { throw problem(.invalidParent, "\(error)") }

        switch edit.kind {
        case .block(let name, let body):
            guard let block = blocks.first(where: { $0.name == name }) else {
                throw problem(.noSuchBlock, "rewrites block '\(name)', which \(file) does not have (its blocks: \(blocks.map(\.name).joined(separator: ", ")))")
            }
            source.lines.replaceSubrange(block.startLine..<(block.endLine - 1), with: body)
            return [block.label]

        case .replace(let search, let replace):
            guard search.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                throw problem(.malformed, "its SEARCH is empty; quote the lines to replace, copied from the program")
            }
            let (range, searchUsed, replaceUsed, tier) = try locate(search: search, replace: replace, in: source.lines, problem: problem)
            let original = Array(source.lines[range])
            var replacement = replaceUsed
            if tier == .indentation { replacement = reindent(replacement, search: searchUsed, matched: original) }
            // Lines the edit repeats unchanged are context: keep the parent's bytes, and judge only the
            // changed stretches (hunks), so one SEARCH may span two blocks and the fixed text between them.
            let hunks = LineDiff(original, replacement, same: { tier.normalise($0) == tier.normalise($1) }).hunks
            var labels: [String] = []
            for hunk in hunks {
                let changedStart = range.lowerBound + hunk.original.lowerBound
                let changedEnd = range.lowerBound + hunk.original.upperBound
                if let marker = blocks.flatMap({ [$0.startLine - 1, $0.endLine - 1] }).first(where: { (changedStart..<changedEnd).contains($0) }) {
                    throw problem(.markerChanged, "removes or changes the marker line \(marker + 1) `\(source.lines[marker].trimmingCharacters(in: .whitespaces))`; markers must stay exactly as they are — change only the lines between them")
                }
                if replacement[hunk.inserted].contains(where: EvolveBlocks.mentionsMarker) {
                    throw problem(.markerChanged, "adds a line with an EVOLVE-BLOCK marker; blocks cannot be added, split or moved — change only the lines between the existing markers")
                }
                guard let block = blocks.first(where: { changedStart >= $0.startLine && changedEnd <= $0.endLine - 1 }) else {
                    let first = min(changedStart, source.lines.count - 1)
                    let where_ = changedStart == changedEnd ? "inserts after line \(changedStart)" : "changes lines \(changedStart + 1)–\(changedEnd)"
                    throw problem(.outsideBlock, "\(where_) (`\(source.lines[max(0, first)].trimmingCharacters(in: .whitespaces).prefix(60))`), outside every EVOLVE-BLOCK; only lines between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END may change (blocks in \(file): \(blocks.map { "\($0.name), lines \($0.startLine)–\($0.endLine)" }.joined(separator: "; ")))")
                }
                if !labels.contains(block.label) { labels.append(block.label) }
            }
            for hunk in hunks.reversed() {
                source.lines.replaceSubrange((range.lowerBound + hunk.original.lowerBound)..<(range.lowerBound + hunk.original.upperBound), with: replacement[hunk.inserted])
            }
            return labels
        }
    }

    /// How loosely a SEARCH line may equal a file line, tried strictest first.
    enum MatchTier: CaseIterable {
        case exact, trailingWhitespace, indentation

        func normalise(_ line: String) -> Substring {
            switch self {
            case .exact: Substring(line)
            case .trailingWhitespace: Substring(line).trimmingTrailingWhitespace()
            case .indentation: Substring(line).trimmingTrailingWhitespace().drop { $0 == " " || $0 == "\t" }
            }
        }
    }

    private static func locate(
        search: [String], replace: [String], in lines: [String], problem: (PatchError.Kind, String) -> PatchError.Problem
    ) throws(PatchError.Problem) -> (Range<Int>, [String], [String], MatchTier) {
        // Blank lines a model adds around a SEARCH are tried without them, last.
        var variants = [(search, replace)]
        let lead = search.prefix(while: isBlank).count
        let trail = search.reversed().prefix(while: isBlank).count
        if lead + trail > 0, lead + trail < search.count {
            variants.append((Array(search[lead..<(search.count - trail)]), dropBlankEdges(replace, lead: lead, trail: trail)))
        }
        for (s, r) in variants {
            for tier in MatchTier.allCases {
                let needle = s.map(tier.normalise)
                let hay = lines.map(tier.normalise)
                var starts: [Int] = []
                if needle.count <= hay.count {
                    for start in 0...(hay.count - needle.count) where hay[start] == needle[0] && Array(hay[start..<(start + needle.count)]) == needle {
                        starts.append(start)
                    }
                }
                if starts.count == 1 { return (starts[0]..<(starts[0] + s.count), s, r, tier) }
                if starts.count > 1 {
                    throw problem(.ambiguous, "its SEARCH matches \(starts.count) places (lines \(starts.prefix(5).map { String($0 + 1) }.joined(separator: ", "))); include more surrounding lines so it matches exactly one")
                }
            }
        }
        let fileLines = Set(lines.map(MatchTier.indentation.normalise))
        if let (index, missing) = search.enumerated().first(where: { !fileLines.contains(MatchTier.indentation.normalise($0.element)) }) {
            var message = "its SEARCH does not match the program: SEARCH line \(index + 1) `\(missing.trimmingCharacters(in: .whitespaces).prefix(80))` appears nowhere in the file; copy the lines to replace exactly from the current program"
            if let nearest = NearestLines.window(for: search, unmatchedAt: index, in: lines) {
                let span = nearest.range.count == 1 ? "line \(nearest.range.lowerBound)" : "lines \(nearest.range.lowerBound)–\(nearest.range.upperBound)"
                message += ", comments included. The nearest real \(span) of the file:\n" + fenced(nearest.lines)
            }
            throw problem(.unmatched, message)
        }
        throw problem(.unmatched, "its SEARCH does not match the program: each of its lines exists, but not together in this order; copy one contiguous run of lines exactly from the current program")
    }

    /// Lines quoted back to the model, in a fence longer than any backtick run inside them.
    private static func fenced(_ lines: [String]) -> String {
        var fence = "```"
        while lines.contains(where: { $0.contains(fence) }) { fence += "`" }
        return ([fence] + lines + [fence]).joined(separator: "\n")
    }

    private static func isBlank(_ line: String) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }

    /// Up to `lead` leading and `trail` trailing blank lines removed.
    private static func dropBlankEdges(_ lines: [String], lead: Int, trail: Int) -> [String] {
        var result = ArraySlice(lines)
        var l = lead
        while l > 0, let first = result.first, isBlank(first) { result = result.dropFirst(); l -= 1 }
        var t = trail
        while t > 0, let last = result.last, isBlank(last) { result = result.dropLast(); t -= 1 }
        return Array(result)
    }

    /// Shifts replacement lines by the indentation the file had where the SEARCH matched only by
    /// ignoring indentation (a model that dropped a level of indentation everywhere).
    private static func reindent(_ replacement: [String], search: [String], matched: [String]) -> [String] {
        guard let i = search.firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return replacement }
        let searchIndent = search[i].prefix { $0 == " " || $0 == "\t" }
        let fileIndent = matched[i].prefix { $0 == " " || $0 == "\t" }
        guard fileIndent.hasSuffix(searchIndent) else { return replacement }
        let extra = String(fileIndent.dropLast(searchIndent.count))
        return replacement.map { $0.isEmpty ? $0 : extra + $0 }
    }

    // MARK: - Checks on the whole child

    private static func check(child: [String: String], parent: [String: String], limits: PatchLimits) throws(PatchError) {
        var problems: [PatchError.Problem] = []
        for path in child.keys.sorted() where child[path] != parent[path] {
            let text = child[path]!
            let lines = SourceLines(text).lines
            let parentLines = SourceLines(parent[path]!).lines
            if let blocks = try? EvolveBlocks.parse(file: path, lines: lines), let parentBlocks = try? EvolveBlocks.parse(file: path, lines: parentLines),
               EvolveBlocks.skeleton(lines, blocks) == EvolveBlocks.skeleton(parentLines, parentBlocks) {
            } else {
                problems.append(.init(kind: .markerChanged, edit: nil, message: "\(path): the text outside its EVOLVE-BLOCKs or a marker changed; change only the lines between the markers"))
            }
            if text.utf8.count > limits.maxFileBytes {
                problems.append(.init(kind: .tooLarge, edit: nil, message: "\(path) would be \(text.utf8.count) bytes, over the \(limits.maxFileBytes)-byte limit per file; make the change smaller or remove code"))
            }
        }
        guard problems.isEmpty else { throw PatchError(problems) }
        if child == parent {
            throw PatchError(.unchanged, "the edits leave the program exactly as it was (each REPLACE equals its SEARCH); change something inside an EVOLVE-BLOCK")
        }
    }
}

extension Substring {
    func trimmingTrailingWhitespace() -> Substring {
        var s = self
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return s
    }
}
