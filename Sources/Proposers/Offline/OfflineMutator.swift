import EvolveCore
import EvolveSupport
import Foundation

/// Makes children without a model: perturbs the numeric and Boolean literals inside EVOLVE-BLOCKs, or
/// recombines two parents' blocks when the loop asks for crossover. The embedded default when no LLM
/// endpoint is configured, so `evolve run` works on a fresh machine.
///
/// ```swift
/// let space = try MutationSpace.parse(evolveYAML: seedConfigText)   // the seed's `mutations:` section
/// let mutator = OfflineMutator(space: space)
/// let result = try await mutator.propose(ProposalContext(parent: parent, seed: 7))
/// // .child(files, [parent.id], Proposal(model: "offline-mutator", mode: "mutation", summary: "hidden 64 → 32"))
/// ```
///
/// Which literals move: those that are the whole right-hand side of a named declaration
/// (`static let hidden = 64`) or carry a declared range; literals inside expressions move only when a
/// program has no such constant. Types never change (an integer stays an integer), so children compile
/// whenever the parent does. The same context seed always gives the same child, given the same
/// `MutationRecord`: once the loop reports confirmed verdicts (`observeConfirmed`), sites and directions
/// that won under the racing rule are drawn more often, and a win found on one lineage is tried on others.
public struct OfflineMutator: Proposer {
    public static let model = "offline-mutator"

    public var space: MutationSpace
    public var limits: PatchLimits
    /// Chance that a mutation changes two constants instead of one.
    public var twoSiteRate: Double
    /// Chance that a child, when a confirmed win from another lineage has not yet been tried on its
    /// parent, is that win applied (`MutationRecord`), instead of a fresh mutation.
    public var combineRate: Double
    /// What the confirmed verdicts taught (shared by the copies of this value; kept across a resume).
    let memory = MutationMemory()

    public init(space: MutationSpace = MutationSpace(), limits: PatchLimits = PatchLimits(), twoSiteRate: Double = 0.25, combineRate: Double = 0.5) {
        self.space = space
        self.limits = limits
        self.twoSiteRate = twoSiteRate
        self.combineRate = combineRate
    }

    public func propose(_ context: ProposalContext) async throws -> ProposalResult {
        mutate(context)
    }

    public func observeConfirmed(_ verdict: ConfirmedVerdict) async {
        guard verdict.proposal.model == Self.model else { return }
        memory.update { $0.credit(verdict) }
    }

    public func snapshot() async -> Data? { try? JSONEncoder().encode(memory.read()) }

    public func restore(_ snapshot: Data) async throws {
        do {
            let record = try JSONDecoder().decode(MutationRecord.self, from: snapshot)
            memory.update { $0 = record }
        } catch {
            throw ProposerStateError(description: "the stored offline-mutator statistics are not readable (\(error)); delete the run's proposer state to start them afresh")
        }
    }

    /// What the mutator has learnt so far.
    public var record: MutationRecord { memory.read() }

    /// Checks a seed against the declared ranges: every configured name must be a constant inside an
    /// EVOLVE-BLOCK, every `// evolve:` comment must parse, and something must be mutable.
    public func validate(_ files: [String: String]) throws {
        let sites = LiteralScanner.sites(in: files)
        let names = Set(sites.compactMap(\.name))
        for name in space.ranges.keys.sorted() where !names.contains(name) {
            throw MutationSpaceError(description: "mutations.\(name): no constant named '\(name)' is set by a literal inside an EVOLVE-BLOCK (constants: \(names.sorted().joined(separator: ", "))); fix the name or remove the entry")
        }
        for site in sites {
            if let declaration = site.declaration {
                do { _ = try MutationRange(parsing: declaration) } catch {
                    throw MutationSpaceError(description: "\(site.file):\(site.line): \(error)")
                }
            }
        }
        if candidates(sites).isEmpty {
            throw MutationSpaceError(description: "no numeric or Boolean literal inside an EVOLVE-BLOCK can change (all fixed or none present); the offline mutator needs one, or configure an LLM endpoint")
        }
    }

    /// The synchronous core of `propose`.
    public func mutate(_ context: ProposalContext) -> ProposalResult {
        var rng = SplitMix64(seed: context.seed)
        let parent = context.parent
        var proposal = Proposal(model: Self.model, mode: "mutation")
        var files = parent.files
        var parents = [parent.id]
        var summary: [String] = []

        if let second = context.secondParent {
            if let crossed = crossover(parent.files, second.files, rng: &rng) {
                files = crossed.files
                parents.append(second.id)
                proposal.mode = "crossover"
                summary.append("crossover with \(second.id.prefix(8)): \(crossed.summary)")
            } else {
                summary.append("no block to exchange with \(second.id.prefix(8))")
            }
        }
        // No draw until a win is recorded: a run without verdicts proposes exactly what it always did.
        if context.secondParent == nil, !memory.read().wins.isEmpty, rng.unit() < combineRate, let combined = applyWin(to: parent) {
            files = combined.files
            summary.append(combined.summary)
        }
        if files == parent.files || files == context.secondParent?.files {
            switch perturb(files, rng: &rng) {
            case .success(let (mutated, changes)):
                files = mutated
                summary.append(changes)
            case .failure(let reason):
                if files == parent.files { return .failed(reason: reason.description, proposal: proposal) }
            }
        }
        proposal.summary = summary.joined(separator: "; ")
        for (path, text) in files where text != parent.files[path] && text.utf8.count > limits.maxFileBytes {
            return .failed(reason: "\(path) would be \(text.utf8.count) bytes, over the \(limits.maxFileBytes)-byte limit per file", proposal: proposal)
        }
        return .child(files: files, parents: parents, proposal: proposal)
    }

    // MARK: - Mutation

    func range(of site: LiteralSite) -> MutationRange? {
        if let name = site.name, let declared = space.ranges[name] { return declared }
        return site.declaration.flatMap { try? MutationRange(parsing: $0) }
    }

    /// Named constants and declared literals; every literal when a program has neither.
    func candidates(_ sites: [LiteralSite]) -> [LiteralSite] {
        let movable = sites.filter { range(of: $0) != .fixed }
        let preferred = movable.filter { $0.name != nil || range(of: $0) != nil }
        return preferred.isEmpty ? movable : preferred
    }

    private func perturb(_ files: [String: String], rng: inout SplitMix64) -> Result<([String: String], String), MutationFailure> {
        var pool = candidates(LiteralScanner.sites(in: files))
        guard !pool.isEmpty else {
            return .failure(MutationFailure(description: "no numeric or Boolean literal inside an EVOLVE-BLOCK can change; the offline mutator needs one (or configure an LLM endpoint)"))
        }
        let count = pool.count >= 2 && rng.unit() < twoSiteRate ? 2 : 1
        let record = memory.read()
        var edits: [(site: LiteralSite, text: String)] = []
        while edits.count < count, !pool.isEmpty {
            // Until a verdict is in, every site and direction is as likely as the next (the plain draw).
            let index = record.arms.isEmpty ? rng.below(pool.count) : Self.draw(pool.map { record.promise(of: $0) }, rng: &rng)
            let site = pool.remove(at: index)
            let toward = record.knows(site.label) ? record.direction(for: site, rng: &rng) : nil
            if let text = newText(for: site, toward: toward, rng: &rng) { edits.append((site, text)) }
        }
        guard !edits.isEmpty else {
            return .failure(MutationFailure(description: "every mutable literal is already at the edge of its declared range or set; widen a range in `mutations:`"))
        }
        var result = files
        for (path, group) in Dictionary(grouping: edits, by: \.site.file) {
            result[path] = Self.replacing(group.map { ($0.site.range, $0.text) }, in: result[path]!)
        }
        let summary = edits.map { "\($0.site.label) \($0.site.negative ? "-" : "")\($0.site.text) → \($0.site.negative ? "-" : "")\($0.text)" }
        return .success((result, summary.joined(separator: "; ")))
    }

    /// A new literal for `site`, different from the current one, or nil when none is allowed; `toward`
    /// (`up` or `down` in value) restricts the move to that direction where one exists.
    func newText(for site: LiteralSite, toward: String? = nil, rng: inout SplitMix64) -> String? {
        let declared = range(of: site)
        if declared == .fixed { return nil }
        if case .choices(let values) = declared {
            var others = values.filter { value in
                if site.kind == .boolean { return value.lowercased() != site.text.lowercased() }
                return Double(value).map { $0 != site.value } ?? (value != site.text)
            }
            let directed = others.filter { value in
                guard let toward, let number = Double(value) else { return false }
                return toward == "up" ? number > site.value : number < site.value
            }
            if !directed.isEmpty { others = directed }
            guard !others.isEmpty else { return nil }
            let pick = others[rng.below(others.count)]
            guard let number = Double(pick), site.kind != .boolean else { return pick }
            // A choice changes the magnitude; a choice of the other sign cannot be written without the sign.
            guard (number < 0) == site.negative else { return nil }
            return LiteralFormat.text(number, like: site)
        }
        if site.kind == .boolean { return LiteralFormat.text(site.value == 0 ? 1 : 0, like: site) }

        let integer = site.kind == .integer && !site.floatTyped
        let current = site.value
        for _ in 0..<8 {
            var value: Double
            if case .interval(let lower, let upper, let log) = declared {
                value = Self.step(current, lower: lower, upper: upper, log: log, toward: toward, rng: &rng)
                value = integer ? value.rounded() : LiteralFormat.rounded(value)
                value = min(max(value, lower), upper)
                if integer { value = value.rounded(.towardZero) }
            } else {
                // The default step moves the magnitude: up in value is up in magnitude only for a positive literal.
                let magnitudeUp = toward.map { ($0 == "up") != site.negative }
                guard let stepped = Self.defaultStep(current, integer: integer, magnitudeUp: magnitudeUp, rng: &rng) else { return nil }
                value = stepped
            }
            guard (value < 0) == site.negative, value != current else { continue }
            let text = LiteralFormat.text(value, like: site)
            if text != site.text { return text }
        }
        if integer, case .interval(let lower, let upper, _) = declared {
            for neighbour in [current + 1, current - 1] where neighbour >= lower && neighbour <= upper && (neighbour < 0) == site.negative {
                return LiteralFormat.text(neighbour, like: site)
            }
        }
        return nil
    }

    /// A move inside a declared interval: by a factor in [½, 2] on a log range, by up to a quarter of the
    /// range on a linear one; a value outside the range is redrawn inside it.
    static func step(_ current: Double, lower: Double, upper: Double, log: Bool, toward: String? = nil, rng: inout SplitMix64) -> Double {
        var u = rng.unit() * 2 - 1
        if let toward { u = toward == "up" ? abs(u) : -abs(u) }
        let inside = current >= lower && current <= upper
        if log {
            guard inside, current > 0 else { return exp(Foundation.log(lower) + rng.unit() * (Foundation.log(upper) - Foundation.log(lower))) }
            return current * pow(2, u)
        }
        guard inside else { return lower + rng.unit() * (upper - lower) }
        return current + (upper - lower) / 4 * u
    }

    /// ±1 for integers up to 10 (never reaching 0 from a positive value), ×½ or ×2 otherwise; a fraction
    /// in [0.5, 1) (a decay) halves or doubles its odds instead, so it stays below 1 (0.98 → 0.99 or
    /// 0.961). Zero stays.
    static func defaultStep(_ current: Double, integer: Bool, magnitudeUp: Bool? = nil, rng: inout SplitMix64) -> Double? {
        let draw = rng.below(2) == 1
        let up = magnitudeUp ?? draw
        let magnitude = abs(current)
        let sign: Double = current < 0 ? -1 : 1
        if integer {
            if magnitude <= 10 {
                if magnitude == 0 { return 1 }
                let next = up ? magnitude + 1 : magnitude - 1
                return sign * (next < 1 ? magnitude + 1 : next)
            }
            return sign * max(1, (up ? magnitude * 2 : magnitude / 2).rounded())
        }
        guard magnitude > 0 else { return nil }
        if magnitude >= 0.5 && magnitude < 1 {
            let odds = magnitude / (1 - magnitude) * (up ? 2 : 0.5)
            return sign * LiteralFormat.rounded(odds / (1 + odds))
        }
        return sign * LiteralFormat.rounded(up ? magnitude * 2 : magnitude / 2)
    }

    /// A confirmed win from another lineage applied to `parent` (`hidden 64 → 32`, the summary a
    /// mutation would write, so its verdict is credited the same way); nil when none is left to try.
    /// Marks the combination tried: each is proposed once, as early as the parent is drawn.
    func applyWin(to parent: Program) -> (files: [String: String], summary: String)? {
        let sites = candidates(LiteralScanner.sites(in: parent.files))
        guard let (win, site) = memory.read().untriedWin(for: parent.id, sites: sites) else { return nil }
        memory.update { _ = $0.tried.insert(parent.id + "|" + win.label + "|" + win.to) }
        let text = site.negative ? String(win.to.dropFirst()) : win.to
        var files = parent.files
        files[site.file] = Self.replacing([(site.range, text)], in: files[site.file]!)
        return (files, "\(site.label) \(site.negative ? "-" : "")\(site.text) → \(win.to)")
    }

    /// An index drawn in proportion to its weight.
    static func draw(_ weights: [Double], rng: inout SplitMix64) -> Int {
        var remaining = rng.unit() * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            if remaining < weight { return index }
            remaining -= weight
        }
        return weights.count - 1
    }

    // MARK: - Crossover

    /// Exchanges what differs between two parents: single constants where a block differs only in its
    /// literals, whole blocks otherwise; each difference comes from the second parent with even odds, at
    /// least one from each parent when there are two or more.
    func crossover(_ first: [String: String], _ second: [String: String], rng: inout SplitMix64) -> (files: [String: String], summary: String)? {
        enum Gene { case block(String), literal(LiteralSite, String) }
        var genes: [Gene] = []
        let sitesA = LiteralScanner.sites(in: first)
        let sitesB = LiteralScanner.sites(in: second)
        var parsed: [String: (a: [EvolveBlock], b: [EvolveBlock])] = [:]
        for label in Crossover.compatibleBlocks(first, second) {
            let (file, name) = Self.splitLabel(label)
            guard let a = first[file], let b = second[file] else { continue }
            if parsed[file] == nil {
                parsed[file] = ((try? EvolveBlocks.parse(file: file, text: a)) ?? [], (try? EvolveBlocks.parse(file: file, text: b)) ?? [])
            }
            let blockA = sitesA.filter { $0.file == file && $0.block == name }
            let blockB = sitesB.filter { $0.file == file && $0.block == name }
            guard let parsedA = parsed[file]?.a.first(where: { $0.name == name }), let parsedB = parsed[file]?.b.first(where: { $0.name == name }),
                  let skeletonA = Self.literalSkeleton(a, block: parsedA, sites: blockA),
                  let skeletonB = Self.literalSkeleton(b, block: parsedB, sites: blockB) else { continue }
            if skeletonA.body == skeletonB.body {
                if skeletonA.literals == skeletonB.literals { continue }
                for (siteA, siteB) in zip(blockA, blockB) where siteA.text != siteB.text {
                    genes.append(.literal(siteA, siteB.text))
                }
            } else {
                genes.append(.block(label))
            }
        }
        guard !genes.isEmpty else { return nil }
        var fromSecond = genes.map { _ in rng.below(2) == 1 }
        if !fromSecond.contains(true) { fromSecond[rng.below(genes.count)] = true }
        if genes.count >= 2, !fromSecond.contains(false) { fromSecond[rng.below(genes.count)] = false }

        var files = first
        var summary: [String] = []
        var literalEdits: [String: [(Range<Int>, String)]] = [:]
        var blocks: Set<String> = []
        for (gene, take) in zip(genes, fromSecond) where take {
            switch gene {
            case .literal(let site, let text):
                literalEdits[site.file, default: []].append((site.range, text))
                summary.append("\(site.label) \(site.text) ← \(text)")
            case .block(let label):
                blocks.insert(label)
                summary.append("block \(Self.splitLabel(label).name)")
            }
        }
        for (path, edits) in literalEdits { files[path] = Self.replacing(edits, in: files[path]!) }
        if !blocks.isEmpty {
            guard let recombined = try? Crossover.recombine(first: files, second: second, fromSecond: blocks) else { return nil }
            files = recombined
        }
        return (files, summary.joined(separator: ", "))
    }

    /// A block's body with its literals blanked out, and the literals in order.
    static func literalSkeleton(_ text: String, block parsed: EvolveBlock, sites: [LiteralSite]) -> (body: [UInt8], literals: [String])? {
        let bytes = Array(text.utf8)
        var lineStarts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { lineStarts.append(i + 1) }
        guard parsed.endLine - 1 < lineStarts.count else { return nil }
        let bodyRange = lineStarts[parsed.startLine]..<lineStarts[parsed.endLine - 1]
        var body: [UInt8] = []
        var next = bodyRange.lowerBound
        for site in sites.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) where bodyRange.contains(site.range.lowerBound) {
            body += bytes[next..<site.range.lowerBound]
            body.append(0)
            next = site.range.upperBound
        }
        body += bytes[next..<bodyRange.upperBound]
        return (body, sites.map(\.text))
    }

    static func replacing(_ edits: [(Range<Int>, String)], in text: String) -> String {
        var bytes = Array(text.utf8)
        for (range, replacement) in edits.sorted(by: { $0.0.lowerBound > $1.0.lowerBound }) {
            bytes.replaceSubrange(range, with: Array(replacement.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func splitLabel(_ label: String) -> (file: String, name: String) {
        guard let range = label.range(of: ": ") else { return (label, "") }
        return (String(label[..<range.lowerBound]), String(label[range.upperBound...]))
    }
}

struct MutationFailure: Error, CustomStringConvertible {
    let description: String
}
