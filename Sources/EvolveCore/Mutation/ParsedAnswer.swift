/// A model's answer as edits, before any is placed in a file: what `AnswerParser` (in the LLM proposer,
/// which owns the answer's text format) hands to `Patch`, which owns the EVOLVE-BLOCK rules.
package struct ParsedAnswer: Sendable, Equatable {
    package var edits: [ParsedEdit] = []
    /// Edits that could not be read (a SEARCH without its REPLACE, a cut-off block), one problem each.
    package var problems: [PatchError.Problem] = []
    /// The answer's own one-line description of its change, if it gave one.
    package var summary: String?

    package init(edits: [ParsedEdit] = [], problems: [PatchError.Problem] = [], summary: String? = nil) {
        self.edits = edits
        self.problems = problems
        self.summary = summary
    }
}

/// One edit read from a model's answer.
package struct ParsedEdit: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case replace(search: [String], replace: [String])
        /// A whole block between its markers (a rewrite): the new body lines.
        case block(name: String, body: [String])
    }

    /// 1-based position in the answer.
    package var index: Int
    /// The path named on the line before the edit, if any.
    package var file: String?
    package var kind: Kind

    package init(index: Int, file: String?, kind: Kind) {
        self.index = index
        self.file = file
        self.kind = kind
    }
}
