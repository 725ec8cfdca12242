import Foundation

/// How big a prompt may get and how much of each part it shows (the run config's `prompt:` section).
public struct PromptConfiguration: Codable, Sendable, Equatable {
    /// Estimated tokens (4 characters each) the system and user messages may use together; the least
    /// useful parts are cut to fit, never the parent's EVOLVE-BLOCKs.
    public var tokenBudget = 16_000
    /// The island's best programs shown (their changed blocks and scores).
    public var topPrograms = 3
    public var inspirations = 2
    /// Recent attempts on the lineage shown, newest first.
    public var attempts = 6
    /// Characters of each artifact shown (its first line and its tail) before any cut.
    public var artifactCharacters = 1_500

    public init() {}

    enum CodingKeys: String, CodingKey {
        case tokenBudget = "token_budget", topPrograms = "num_top_programs", inspirations = "num_inspirations"
        case attempts = "num_attempts", artifactCharacters = "artifact_characters"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = PromptConfiguration()
        tokenBudget = try c.decodeIfPresent(Int.self, forKey: .tokenBudget) ?? defaults.tokenBudget
        topPrograms = try c.decodeIfPresent(Int.self, forKey: .topPrograms) ?? defaults.topPrograms
        inspirations = try c.decodeIfPresent(Int.self, forKey: .inspirations) ?? defaults.inspirations
        attempts = try c.decodeIfPresent(Int.self, forKey: .attempts) ?? defaults.attempts
        artifactCharacters = try c.decodeIfPresent(Int.self, forKey: .artifactCharacters) ?? defaults.artifactCharacters
    }
}

/// What the model is asked for.
public enum PromptMode: Sendable, Equatable {
    /// SEARCH/REPLACE edits to the parent.
    case diff
    /// The whole of one block, by label (`kernel.swift: recursion`), between its markers.
    case rewrite(block: String)
    /// SEARCH/REPLACE edits to the parent, combining ideas from the second parent shown beside it.
    case crossover
}

/// A chat prompt: the system and user messages, with what was cut to fit the budget.
public struct Prompt: Sendable, Equatable {
    public var system: String
    public var user: String
    /// What was left out to fit the token budget ("3 older attempts"); empty when nothing was.
    public var cuts: [String]
    /// Estimated tokens of both messages (4 characters each).
    public var estimatedTokens: Int
}
