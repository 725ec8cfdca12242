import Foundation

/// The run's lineage as a git repository: one commit per evaluated program (its files plus
/// `metrics.json`), whose parents are its parent programs' commits (two for crossover; seeds are root
/// commits). `refs/heads/best` and `refs/heads/island-<k>` follow the bests; every program also keeps a
/// ref under `refs/evolve/programs/<id>` (failed and rejected ones under `refs/evolve/failed/<id>`), so
/// no commit is ever garbage-collected and the lineage stays complete, while `git log best` shows only
/// the line that matters.
///
/// Commits are deterministic (author time = the program's creation time), so committing a program
/// again after a crash yields the same id: the repair on resume is idempotent.
///
/// ```sh
/// git -C runs/demo/lineage log --graph --oneline best
/// git -C runs/demo/lineage diff <parent> <child>
/// ```
public final class GitLineage {
    public let repository: GitRepository

    public init(path: String) throws {
        let fm = FileManager.default
        repository = fm.fileExists(atPath: path + "/.git") || fm.fileExists(atPath: path + "/HEAD")
            ? try GitRepository.open(at: path) : try GitRepository.create(at: path)
    }

    /// Commits `program` with the commits of its parents; returns the commit id.
    public func commit(_ program: Program, parentCommits: [String]) throws -> String {
        var files = program.files.mapValues { Array($0.utf8) }
        files["metrics.json"] = Array(try Self.metricsJSON(program).utf8)
        let tree = try repository.writeTree(files)
        let parents = parentCommits.compactMap(GitObjectID.init(hex:))
        let signature = GitSignature(name: "evolve", email: "evolve@localhost", time: Int64(program.created.timeIntervalSince1970))
        let id = try repository.commit(tree: tree, parents: parents, message: Self.message(program), signature: signature)
        let kind = program.status == .evaluated ? "programs" : "failed"
        try repository.setReference("refs/evolve/\(kind)/\(program.id)", to: id)
        return id.hex
    }

    /// Moves `refs/heads/<name>` (e.g. `best`, `island-2`) to `commit`.
    public func point(_ name: String, to commit: String) throws {
        guard let id = GitObjectID(hex: commit) else { return }
        try repository.setReference("refs/heads/\(name)", to: id)
        if try repository.resolveReference("HEAD") == nil, name == "best" {
            // A fresh repository's HEAD names refs/heads/master (or main), which never exists here.
            try Data("ref: refs/heads/best\n".utf8).write(to: URL(fileURLWithPath: repository.path).appendingPathComponent(headFile))
        }
    }

    private var headFile: String {
        FileManager.default.fileExists(atPath: repository.path + "/.git") ? ".git/HEAD" : "HEAD"
    }

    /// The commit message: a headline a `git log --oneline` reader can scan, then the details.
    static func message(_ program: Program) -> String {
        let proposal = program.proposal
        let source = proposal.map { "\($0.model) \($0.mode)" } ?? "seed"
        let score: String
        switch program.status {
        case .evaluated: score = String(format: "score %.4f", program.metrics?.combinedScore ?? 0)
        default: score = program.status.rawValue
        }
        var headline = "\(score) · island \(program.island) gen \(program.generation) · \(source)"
        if let summary = proposal?.summary, !summary.isEmpty { headline += ": " + String(summary.prefix(100)) }
        var lines = [headline.replacingOccurrences(of: "\n", with: " "), "", "program: \(program.id)", "iteration: \(program.iteration)"]
        if !program.parents.isEmpty { lines.append("parents: \(program.parents.joined(separator: ", "))") }
        if let proposal, proposal.calls > 0 {
            lines.append(String(format: "llm: %d calls, %d + %d tokens, $%.4f, %.1f s", proposal.calls, proposal.promptTokens,
                                proposal.completionTokens, proposal.costUSD, proposal.latencySeconds))
        }
        for (name, value) in program.descriptors.sorted(by: { $0.key < $1.key }) {
            lines.append("\(name): \(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func metricsJSON(_ program: Program) throws -> String {
        struct Document: Encodable {
            let id: String
            let status: String
            let combined_score: Double?
            let metrics: Metrics?
            let test_metrics: Metrics?
            let descriptors: [String: Double]
            let proposal: Proposal?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let document = Document(
            id: program.id, status: program.status.rawValue, combined_score: program.score, metrics: program.metrics,
            test_metrics: program.testMetrics, descriptors: program.descriptors, proposal: program.proposal)
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
