import Foundation
import TestSupport
import Testing
@testable import EvolveCore

@Suite struct GitRepositoryTests {
    let scratch = ScratchDirectory("evolve-git")
    /// Not the scratch directory itself: `GitLineage` makes a new repository only where none exists yet.
    var directory: String { scratch.url.appendingPathComponent("repo").path }

    @Test func threeCommitsWithParentsReadBackThroughLibgit2AndGit() throws {
        let repo = try GitRepository.create(at: directory)
        let signature = GitSignature(name: "evolve", email: "evolve@localhost", time: 1_700_000_000)

        let seedTree = try repo.writeTree(["kernel.swift": Array("let n = 1\n".utf8), "docs/BRIEF.md": Array("# brief\n".utf8)])
        let seed = try repo.commit(tree: seedTree, parents: [], message: "seed\n", signature: signature, updateReference: "HEAD")
        let childTree = try repo.writeTree(["kernel.swift": Array("let n = 2\n".utf8), "docs/BRIEF.md": Array("# brief\n".utf8)])
        let child = try repo.commit(tree: childTree, parents: [seed], message: "child of seed\n", signature: signature)
        let otherTree = try repo.writeTree(["kernel.swift": Array("let n = 3\n".utf8)])
        let other = try repo.commit(tree: otherTree, parents: [seed], message: "sibling\n", signature: signature)
        let merge = try repo.commit(tree: childTree, parents: [child, other], message: "crossover\n", signature: signature)
        try repo.setReference("refs/heads/best", to: merge)

        #expect(try repo.commitInfo(seed).parents == [])
        #expect(try repo.commitInfo(child).parents == [seed])
        #expect(try repo.commitInfo(merge).parents == [child, other])
        #expect(try repo.commitInfo(merge).message == "crossover\n")
        #expect(try repo.resolveReference("refs/heads/best") == merge)
        #expect(try repo.resolveReference("refs/heads/nothing") == nil)

        // The same facts through the git command line, which shares no code with libgit2.
        #expect(try git(["rev-list", "--parents", "-n", "1", merge.hex]) == "\(merge) \(child) \(other)")
        #expect(try git(["rev-list", "--parents", "-n", "1", child.hex]) == "\(child) \(seed)")
        #expect(try git(["rev-list", "--parents", "-n", "1", seed.hex]) == seed.hex)
        #expect(try git(["show", "\(child.hex):kernel.swift"]) == "let n = 2")
        #expect(try git(["show", "\(seed.hex):docs/BRIEF.md"]) == "# brief")
        #expect(try git(["rev-parse", "best"]) == merge.hex)
        #expect(try git(["fsck", "--strict"]).isEmpty)

        // Reopening finds the same history.
        let reopened = try GitRepository.open(at: directory)
        #expect(try reopened.commitInfo(child).tree == childTree)
    }

    @Test func rejectsPathsThatEscapeTheTree() throws {
        let repo = try GitRepository.create(at: directory)
        #expect(throws: GitError.self) { try repo.writeTree(["../outside": [1]]) }
    }

    @Test func unknownParentIsAnError() throws {
        let repo = try GitRepository.create(at: directory)
        let tree = try repo.writeTree(["a": [1]])
        let missing = GitObjectID(hex: String(repeating: "ab", count: 20))!
        let signature = GitSignature(name: "evolve", email: "evolve@localhost", time: 0)
        #expect(throws: GitError.self) { try repo.commit(tree: tree, parents: [missing], message: "x", signature: signature) }
        #expect(GitObjectID(hex: "not-hex") == nil)
    }

    /// The lineage's references: an evaluated program under `refs/evolve/programs/<id>`, a failed or rejected
    /// one under `refs/evolve/failed/<id>` (kept from git's garbage collection, out of `git log --branches`
    /// and out of `git log --exclude='refs/evolve/failed/*' --all`), and `best` / `island-<k>` as branches.
    @Test func lineageReferencesKeepEveryProgramAndFollowTheBests() throws {
        let lineage = try GitLineage(path: directory)
        let seed = Program(id: "seed", files: ["k.swift": "let n = 1\n"], status: .evaluated)
        let seedCommit = try lineage.commit(seed, parentCommits: [])
        let good = Program(id: "good", files: ["k.swift": "let n = 2\n"], parents: ["seed"], island: 1, status: .evaluated)
        let goodCommit = try lineage.commit(good, parentCommits: [seedCommit])
        let broken = Program(id: "broken", files: ["k.swift": "let n = \n"], parents: ["seed"], status: .failed)
        let brokenCommit = try lineage.commit(broken, parentCommits: [seedCommit])
        let refused = Program(id: "refused", files: ["k.swift": "let n = 9\n"], parents: ["seed"], status: .rejected)
        let refusedCommit = try lineage.commit(refused, parentCommits: [seedCommit])
        try lineage.point("best", to: goodCommit)
        try lineage.point("island-1", to: goodCommit)
        try lineage.point("island-0", to: seedCommit)

        #expect(try git(["rev-parse", "refs/evolve/programs/seed"]) == seedCommit)
        #expect(try git(["rev-parse", "refs/evolve/programs/good"]) == goodCommit)
        #expect(try git(["rev-parse", "refs/evolve/failed/broken"]) == brokenCommit)
        #expect(try git(["rev-parse", "refs/evolve/failed/refused"]) == refusedCommit)
        #expect(try git(["rev-parse", "--verify", "-q", "refs/evolve/programs/broken"]).isEmpty)
        #expect(try git(["rev-parse", "HEAD"]) == goodCommit)  // HEAD names best
        #expect(try git(["rev-parse", "island-1"]) == goodCommit)
        #expect(try git(["rev-parse", "island-0"]) == seedCommit)
        let branches = Set(try git(["log", "--branches", "--format=%H"]).split(separator: "\n").map(String.init))
        #expect(branches == [seedCommit, goodCommit])
        let withoutFailed = Set(try git(["log", "--exclude=refs/evolve/failed/*", "--all", "--format=%H"]).split(separator: "\n").map(String.init))
        #expect(withoutFailed == [seedCommit, goodCommit])
        let all = Set(try git(["log", "--all", "--format=%H"]).split(separator: "\n").map(String.init))
        #expect(all == [seedCommit, goodCommit, brokenCommit, refusedCommit])
        // Nothing is lost to garbage collection: every commit is reachable from a reference.
        _ = try git(["gc", "--prune=now", "-q"])
        for commit in [seedCommit, goodCommit, brokenCommit, refusedCommit] {
            #expect(try git(["cat-file", "-t", commit]) == "commit")
        }
    }

    private func git(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readAllRetryingInterrupts()
        _ = ChildExit.wait(for: process)
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
