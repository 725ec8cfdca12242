import EvolveCore

/// How much of each part of the user message a prompt shows: `cutNext` takes away the least useful
/// remaining part until the prompt fits `prompt.token_budget`, and `report` says in words what was cut.
struct PromptPlan {
    var attempts: Int
    var topCount: Int
    var inspirationCount: Int
    var artifactCharacters: Int
    var showReadOnlyFiles = true
    var showFixedCode = true
    /// Characters of the run digest shown: its share of the budget, or 0 once cut (or when there is none).
    var digestCharacters: Int
    private let hasDigest: Bool
    private let available: (attempts: Int, top: Int, inspirations: Int, artifacts: Int)
    private let configuredArtifacts: Int

    init(configuration: PromptConfiguration, context: ProposalContext) {
        attempts = min(configuration.attempts, context.attempts.count)
        let tops = context.topPrograms.filter { $0.id != context.parent.id }
        topCount = min(configuration.topPrograms, tops.count)
        let topIDs = Set(tops.prefix(topCount).map(\.id))
        inspirationCount = min(configuration.inspirations, context.inspirations.filter { $0.id != context.parent.id && !topIDs.contains($0.id) }.count)
        artifactCharacters = context.parentArtifacts.isEmpty ? 0 : configuration.artifactCharacters
        configuredArtifacts = artifactCharacters
        hasDigest = RunDigest(context) != nil
        digestCharacters = hasDigest ? RunDigest.limit(tokenBudget: configuration.tokenBudget) : 0
        available = (attempts, topCount, inspirationCount, context.parentArtifacts.values.map(\.count).max() ?? 0)
    }

    func topPrograms(_ context: ProposalContext) -> [Program] {
        Array(context.topPrograms.filter { $0.id != context.parent.id }.prefix(topCount))
    }

    func inspirations(_ context: ProposalContext) -> [Program] {
        let tops = Set(context.topPrograms.filter { $0.id != context.parent.id }.prefix(topCount).map(\.id))
        return Array(context.inspirations.filter { $0.id != context.parent.id && !tops.contains($0.id) }.prefix(inspirationCount))
    }

    /// The run digest first (the lineage's own attempts and the island's programs say more about this
    /// parent), then older attempts, then inspirations, then long artifacts, then the island's best programs, the
    /// remaining attempts, read-only files, the rest of the artifacts and finally the code around the
    /// blocks. Returns false when only the parent's blocks are left.
    mutating func cutNext() -> Bool {
        if digestCharacters > 0 { digestCharacters = 0; return true }
        if attempts > 2 { attempts -= 1; return true }
        if inspirationCount > 0 { inspirationCount -= 1; return true }
        if artifactCharacters > 600 { artifactCharacters = 600; return true }
        if topCount > 0 { topCount -= 1; return true }
        if attempts > 0 { attempts -= 1; return true }
        if showReadOnlyFiles { showReadOnlyFiles = false; return true }
        if artifactCharacters > 200 { artifactCharacters = 200; return true }
        if artifactCharacters > 0 { artifactCharacters = 0; return true }
        if showFixedCode { showFixedCode = false; return true }
        return false
    }

    /// What was cut, in words.
    func report() -> [String] {
        var lines: [String] = []
        if hasDigest && digestCharacters == 0 { lines.append("the digest of what the whole run has tried") }
        if attempts < available.attempts { lines.append("the \(available.attempts - attempts) oldest of \(available.attempts) attempts") }
        if inspirationCount < available.inspirations { lines.append("\(available.inspirations - inspirationCount) of \(available.inspirations) inspirations") }
        if topCount < available.top { lines.append("\(available.top - topCount) of \(available.top) best programs") }
        if artifactCharacters == 0 && configuredArtifacts > 0 {
            lines.append("the evaluation output")
        } else if artifactCharacters < configuredArtifacts && available.artifacts > artifactCharacters {
            lines.append("the evaluation output beyond its first line and last \(artifactCharacters) characters")
        }
        if !showReadOnlyFiles { lines.append("read-only files") }
        if !showFixedCode { lines.append("the fixed code around the EVOLVE-BLOCKs") }
        return lines
    }
}
