import EvolveCore
import EvolveSupport
import Foundation

/// What the offline mutator has learnt from its own children: per constant and direction, how many
/// children moved it that way and how many of them beat their parent under the racing rule (with the
/// gain in mean), and the confirmed wins themselves, so a win found on one lineage is tried on another.
///
/// Credit comes only from confirmed verdicts (`Proposer.observeConfirmed`): a child that was raced is
/// judged by its mean over the race, one that was not is a trial without a gain. First scores never
/// count, so a lucky single evaluation does not steer the mutator. Stored with the run
/// (`OfflineMutator.snapshot`), so a resumed run keeps what it learnt.
public struct MutationRecord: Codable, Sendable, Equatable {
    /// One constant moved one way: `hidden|down`.
    public struct Arm: Codable, Sendable, Equatable {
        public var trials = 0
        public var wins = 0
        public var gain = 0.0
    }

    /// A confirmed win: the constant, its value before and after, the child that confirmed it, and its gain.
    public struct Win: Codable, Sendable, Equatable {
        public var label: String
        public var from: String
        public var to: String
        public var child: String
        public var gain: Double
    }

    public var arms: [String: Arm] = [:]
    public var wins: [Win] = []
    /// Wins already tried on a parent (`parent|label|to`): each combination is tried once, early.
    public var tried: Set<String> = []

    public init() {}

    /// One edit of a mutator summary (`hidden 64 → 32`), read back from the proposal it made.
    struct Edit: Equatable {
        var label: String
        var from: String
        var to: String
        /// `up` or `down` for numbers (by value), `true` or `false` for Booleans.
        var direction: String
    }

    static func key(_ label: String, _ direction: String) -> String { label + "|" + direction }

    static func direction(from: String, to: String) -> String? {
        if ["true", "false"].contains(to.lowercased()) { return to.lowercased() }
        guard let a = number(from), let b = number(to), a != b else { return nil }
        return b > a ? "up" : "down"
    }

    /// A Swift numeric literal as written in a summary (`3e-3`, `-64`, `1_000`).
    static func number(_ text: String) -> Double? { Double(text.replacingOccurrences(of: "_", with: "")) }

    /// The edits a mutator summary names; crossover and other parts (without ` → `) are skipped.
    static func edits(in summary: String) -> [Edit] {
        summary.components(separatedBy: "; ").compactMap { part in
            let halves = part.components(separatedBy: " → ")
            guard halves.count == 2, let space = halves[0].lastIndex(of: " ") else { return nil }
            let label = String(halves[0][..<space]), from = String(halves[0][halves[0].index(after: space)...]), to = halves[1]
            guard !label.isEmpty, !label.contains(" "), let direction = direction(from: from, to: to) else { return nil }
            return Edit(label: label, from: from, to: to, direction: direction)
        }
    }

    /// Credits a confirmed verdict to every edit its proposal made.
    public mutating func credit(_ verdict: ConfirmedVerdict) {
        let edits = Self.edits(in: verdict.proposal.summary)
        for edit in edits {
            var arm = arms[Self.key(edit.label, edit.direction)] ?? Arm()
            arm.trials += 1
            if verdict.improved {
                arm.wins += 1
                arm.gain += verdict.gain
            }
            arms[Self.key(edit.label, edit.direction)] = arm
        }
        // A win of one edit is a transferable fact; a win of two edits together is kept as both.
        if verdict.improved {
            for edit in edits where !wins.contains(where: { $0.label == edit.label && $0.to == edit.to }) {
                wins.append(Win(label: edit.label, from: edit.from, to: edit.to, child: verdict.child, gain: verdict.gain))
            }
        }
    }

    /// How promising moving `label` in `direction` is: the posterior mean of its win rate under a
    /// Beta(1, 1) prior, so an untried move (½) beats one that failed twice (¼) and loses to one that
    /// won once (⅔).
    public func promise(_ label: String, _ direction: String) -> Double {
        let arm = arms[Self.key(label, direction)] ?? Arm()
        return (Double(arm.wins) + 1) / (Double(arm.trials) + 2)
    }

    /// A site's weight in the draw of which constant moves: the odds of its better direction's promise
    /// (1 untried, 2 after one win in one trial, ⅓ after two failures), so a win pulls harder than a
    /// plain proportion would.
    func promise(of site: LiteralSite) -> Double {
        let best = site.kind == .boolean ? promise(site.label, site.value == 0 ? "true" : "false")
            : max(promise(site.label, "up"), promise(site.label, "down"))
        return best / (1 - best)
    }

    /// Which way to move a numeric site, drawn in proportion to each direction's odds (nil for a Boolean:
    /// it has one move).
    func direction(for site: LiteralSite, rng: inout SplitMix64) -> String? {
        guard site.kind != .boolean else { return nil }
        let up = promise(site.label, "up"), down = promise(site.label, "down")
        let upOdds = up / (1 - up), downOdds = down / (1 - down)
        return rng.unit() * (upOdds + downOdds) < upOdds ? "up" : "down"
    }

    /// The best untried confirmed win for a parent: one another child found (never the parent itself
    /// nor its own win), whose constant the parent holds at another value of the same sign.
    func untriedWin(for parent: String, sites: [LiteralSite]) -> (win: Win, site: LiteralSite)? {
        for win in wins.sorted(by: { ($0.gain, $1.child) > ($1.gain, $0.child) }) where win.child != parent {
            guard !tried.contains(parent + "|" + win.label + "|" + win.to),
                  let site = sites.first(where: { $0.label == win.label }) else { continue }
            let current = (site.negative ? "-" : "") + site.text
            if current != win.to, win.to.hasPrefix("-") == site.negative { return (win, site) }
        }
        return nil
    }

    /// Whether anything was learnt about `label` (a site the record has never seen keeps the plain draw).
    public func knows(_ label: String) -> Bool {
        arms.keys.contains { $0.hasPrefix(label + "|") }
    }
}

/// The record behind a lock: the mutator is a value the loop shares across tasks, its memory is not.
final class MutationMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var record = MutationRecord()

    func read() -> MutationRecord { lock.withLock { record } }
    func update<T>(_ change: (inout MutationRecord) -> T) -> T { lock.withLock { change(&record) } }
}
