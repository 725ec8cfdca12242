import EvolveCore
import Foundation
import Testing
@testable import Proposers

enum Seeds {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func files(_ name: String) throws -> [String: String] {
        try ProgramFiles.read(directory: repo.appendingPathComponent("Programs/\(name)"))
    }

    /// name → literal text of every named constant inside the blocks.
    static func constants(_ files: [String: String]) -> [String: String] {
        Dictionary(LiteralScanner.sites(in: files).compactMap { site in site.name.map { ($0, (site.negative ? "-" : "") + site.text) } }, uniquingKeysWith: { a, _ in a })
    }

    static func child(_ result: ProposalResult) throws -> (files: [String: String], parents: [String], proposal: Proposal) {
        guard case .child(let files, let parents, let proposal) = result else {
            Issue.record("expected a child, got \(result)")
            throw CancellationError()
        }
        return (files, parents, proposal)
    }
}

@Suite struct OfflineMutatorTests {
    @Test func theSameSeedGivesTheSameChildAndSeedsDiffer() throws {
        let parent = Program(files: try Seeds.files("trm"))
        let mutator = OfflineMutator()
        var distinct: Set<String> = []
        for seed in UInt64(1)...30 {
            let a = try Seeds.child(mutator.mutate(ProposalContext(parent: parent, seed: seed)))
            let b = try Seeds.child(mutator.mutate(ProposalContext(parent: parent, seed: seed)))
            #expect(a.files == b.files && a.proposal == b.proposal)
            #expect(a.files != parent.files)
            #expect(a.parents == [parent.id])
            #expect(a.proposal.model == "offline-mutator" && a.proposal.mode == "mutation" && a.proposal.calls == 0)
            distinct.insert(Program.hash(a.files))
        }
        #expect(distinct.count >= 20, "only \(distinct.count) distinct children of 30 seeds")
    }

    @Test func theSummaryNamesEachChangeAndOnlyBlocksChange() throws {
        let files = try Seeds.files("trm")
        let parent = Program(files: files)
        let before = Seeds.constants(files)
        let summaryLine = try NSRegularExpression(pattern: #"^[A-Za-z_]\w* -?[\w.-]+ → -?[\w.-]+$"#)
        for seed in UInt64(1)...60 {
            let child = try Seeds.child(OfflineMutator().mutate(ProposalContext(parent: parent, seed: seed)))
            let after = Seeds.constants(child.files)
            let changed = before.keys.filter { before[$0] != after[$0] }.sorted()
            #expect((1...2).contains(changed.count))
            let parts = child.proposal.summary.components(separatedBy: "; ")
            #expect(parts.count == changed.count)
            for part in parts {
                #expect(summaryLine.firstMatch(in: part, range: NSRange(part.startIndex..., in: part)) != nil, "summary '\(part)'")
                let name = String(part.prefix { $0 != " " })
                #expect(part == "\(name) \(before[name]!) → \(after[name]!)")
            }
            // Text outside the blocks is untouched: every block is still exchangeable with the parent's.
            #expect(Crossover.compatibleBlocks(files, child.files).count == (try EvolveBlocks.parse(files)).count)
        }
    }

    @Test func defaultStepsKeepTypesSignsAndFractions() throws {
        let files = try Seeds.files("trm")
        let before = Seeds.constants(files)
        var seen: Set<String> = []
        for seed in UInt64(1)...300 {
            let after = Seeds.constants(try Seeds.child(OfflineMutator().mutate(ProposalContext(parent: Program(files: files), seed: seed))).files)
            for (name, old) in before where after[name] != old {
                let new = try #require(after[name])
                seen.insert(name)
                if old == "true" || old == "false" {
                    #expect(new == (old == "true" ? "false" : "true"))
                } else if !old.contains(".") && !old.contains("e") && name != "expansion" {
                    let (o, n) = (try #require(Int(old)), try #require(Int(new), "\(name): integer \(old) became \(new)"))
                    #expect(n >= 1, "\(name) \(old) → \(new)")
                    #expect(o <= 10 ? abs(n - o) == 1 : (n == o * 2 || n == o / 2), "\(name) \(old) → \(new)")
                } else {
                    let (o, n) = (try #require(Double(old)), try #require(Double(new)))
                    if o >= 0.5 && o < 1 {
                        #expect(n > 0 && n < 1, "\(name) \(old) → \(new) left (0, 1)")
                    } else {
                        #expect(abs(n / o - 2) < 0.01 || abs(n / o - 0.5) < 0.01, "\(name) \(old) → \(new)")
                    }
                    #expect(old.contains("e") == new.contains("e"), "\(name) \(old) → \(new) changed style")
                }
            }
        }
        #expect(seen == Set(before.keys), "never mutated: \(Set(before.keys).subtracting(seen).sorted())")
    }

    static let declared = """
        import Lib
        // EVOLVE-BLOCK-START knobs
        enum K {
            static let hidden = 64          // evolve: 32...96
            static let lr: Float = 3e-3
            static let flag = true
            static let heads = 4
            static let frozen = 7
            static let ratio: Double = 2    // evolve: 1...3, linear
        }
        // EVOLVE-BLOCK-END
        """
    static let declaredYAML = """
        seed: 1
        benchmarks: []
        mutations:
          lr: 1e-3...4e-3, log
          heads: [2, 4, 8]
          frozen: fixed
        """

    @Test func declaredRangesAreRespected() throws {
        let space = try MutationSpace.parse(evolveYAML: Self.declaredYAML)
        #expect(space.ranges["heads"] == .choices(["2", "4", "8"]))
        #expect(space.ranges["lr"] == .interval(lower: 1e-3, upper: 4e-3, log: true))
        let mutator = OfflineMutator(space: space)
        let files = ["k.swift": Self.declared]
        try mutator.validate(files)
        var moved: Set<String> = []
        for seed in UInt64(1)...400 {
            let child = try Seeds.child(mutator.mutate(ProposalContext(parent: Program(files: files), seed: seed)))
            let c = Seeds.constants(child.files)
            for (name, value) in c where value != Seeds.constants(files)[name] { moved.insert(name) }
            let hidden = try #require(Int(c["hidden"]!))
            #expect((32...96).contains(hidden))
            let lr = try #require(Double(c["lr"]!))
            #expect(lr >= 1e-3 && lr <= 4e-3, "lr \(lr)")
            #expect(["2", "4", "8"].contains(c["heads"]!))
            #expect(c["frozen"] == "7")
            let ratio = try #require(Double(c["ratio"]!))
            #expect(ratio >= 1 && ratio <= 3)
        }
        #expect(moved == ["hidden", "lr", "flag", "heads", "ratio"])
    }

    @Test func configurationMistakesAreNamed() throws {
        #expect(throws: MutationSpaceError.self) { try MutationSpace.parse(evolveYAML: "mutations:\n  hidden: 16..256\n") }
        #expect(throws: MutationSpaceError.self) { try MutationSpace.parse(evolveYAML: "mutations:\n  hidden: 0...256, log\n") }
        #expect(try MutationSpace.parse(evolveYAML: "seed: 1\n").ranges.isEmpty)
        let mutator = OfflineMutator(space: MutationSpace(ranges: ["hiden": .fixed]))
        #expect {
            try mutator.validate(try Seeds.files("trm"))
        } throws: { error in
            "\(error)".contains("mutations.hiden: no constant named 'hiden'") && "\(error)".contains("hidden")
        }
        #expect(throws: MutationSpaceError.self) {
            try OfflineMutator().validate(["k.swift": "// EVOLVE-BLOCK-START\nlet a = 1 // evolve: lots\n// EVOLVE-BLOCK-END\n"])
        }
    }

    @Test func theScannerSkipsCommentsStringsIdentifiersAndMemberAccess() {
        let text = """
            // EVOLVE-BLOCK-START b
            let s = "64 and 3.5"  // 128 in a comment
            /* 256 */ let x2 = Float32(1)
            let t = pair.0 + 0xFF
            let scale = -0.5
            let on = false
            call(rate: 2.5e-4)
            // EVOLVE-BLOCK-END
            let outside = 9
            """
        let sites = LiteralScanner.sites(in: ["k.swift": text])
        #expect(sites.map(\.text) == ["1", "0.5", "false", "2.5e-4"])
        #expect(sites.map(\.name) == [nil, "scale", "on", nil])
        #expect(sites[1].negative && sites[1].kind == .float && sites[3].kind == .float)
        // Only named constants move while there are any.
        #expect(OfflineMutator().candidates(sites).map(\.text) == ["0.5", "false"])
    }

    @Test func aProgramWithNothingToMutateFailsWithAReason() throws {
        let result = OfflineMutator().mutate(ProposalContext(parent: Program(files: ["k.swift": "// EVOLVE-BLOCK-START\nlet a = b\n// EVOLVE-BLOCK-END\n"])))
        guard case .failed(let reason, let proposal) = result else { Issue.record("expected a failure"); return }
        #expect(reason.contains("no numeric or Boolean literal inside an EVOLVE-BLOCK"))
        #expect(proposal.model == "offline-mutator")
    }

    @Test func crossoverTakesConstantsAndBlocksFromBothParentsAndRecordsBoth() throws {
        let files = try Seeds.files("trm")
        var a = Program(id: "parent-a", files: files)
        a.files["kernel.swift"] = files["kernel.swift"]!.replacingOccurrences(of: "static let nSup = 6", with: "static let nSup = 8")
        var b = Program(id: "parent-b", files: files)
        b.files["kernel.swift"] = files["kernel.swift"]!
            .replacingOccurrences(of: "static let hidden = 64", with: "static let hidden = 128")
            .replacingOccurrences(of: "static let emaDecay: Float = 0.98", with: "static let emaDecay: Float = 0.99")
            .replacingOccurrences(of: "for _ in 0..<Hyper.n { z = net(z, tape.add(x, y), tape) }", with: "for _ in 0..<Hyper.n { z = net(z, tape.add(y, x), tape) }")
        var mixes: Set<String> = []
        for seed in UInt64(1)...16 {
            let context = ProposalContext(parent: a, secondParent: b, seed: seed)
            let child = try Seeds.child(OfflineMutator().mutate(context))
            #expect(try Seeds.child(OfflineMutator().mutate(context)).files == child.files)
            #expect(child.parents == ["parent-a", "parent-b"] && child.proposal.mode == "crossover")
            #expect(child.files != a.files && child.files != b.files)
            #expect(child.proposal.summary.hasPrefix("crossover with parent-b: "))
            let c = Seeds.constants(child.files)
            #expect(["6", "8"].contains(c["nSup"]!) && ["64", "128"].contains(c["hidden"]!) && ["0.98", "0.99"].contains(c["emaDecay"]!))
            let swapped = child.files["kernel.swift"]!.contains("tape.add(y, x)")
            mixes.insert("\(c["nSup"]!) \(c["hidden"]!) \(c["emaDecay"]!) \(swapped)")
        }
        #expect(mixes.count >= 5, "crossover explored only \(mixes.sorted())")
    }

    @Test func crossoverOfIncompatibleParentsFallsBackToMutation() throws {
        let a = Program(id: "trm-a", files: try Seeds.files("trm"))
        let b = Program(id: "hrm-b", files: try Seeds.files("hrm"))
        let child = try Seeds.child(OfflineMutator().mutate(ProposalContext(parent: a, secondParent: b, seed: 3)))
        #expect(child.parents == ["trm-a"] && child.proposal.mode == "mutation")
        #expect(child.proposal.summary.hasPrefix("no block to exchange with hrm-b; "))
        #expect(child.files != a.files)
    }
}
