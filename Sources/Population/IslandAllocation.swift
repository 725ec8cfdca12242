import Foundation

/// Which island the next proposal goes to: islands earn proposals by confirmed progress and by how good
/// their confirmed best is.
///
/// An island's progress signal is how many of its own generations (proposals it was given) have passed
/// since its best last improved — and an island best moves only under the racing rule, so a lucky first
/// score earns nothing. The share decays by half every `stagnationGenerations / 4` stale generations
/// (at least one), so an island that keeps improving draws the proposals of one that stopped. It is then
/// weighted by the island's confirmed best beside the others': `(best − lowest + σ) / (highest − lowest + σ)`
/// with σ the racing rule's noise floor, so bests within noise count alike and an island that never left
/// a plateau of zeros does not hold an even share against one that did (a starved island's staleness
/// does not grow, so recency alone let it keep its share). Every island with a member keeps at least
/// `islandFloor` of the proposals, so a starved island still gets the turns that may revive it or, after
/// `stagnationGenerations`, reseed it from the best other island.
extension PopulationState {
    /// The share of the next proposal each island gets (0 for an island with no member; the shares of
    /// the others sum to 1).
    public func islandShares() -> [Double] {
        let open = islands.indices.filter { !islands[$0].members.isEmpty }
        guard !open.isEmpty else { return islands.map { _ in 0 } }
        let halfLife = Double(max(1, config.stagnationGenerations / 4))
        let bests = open.compactMap { islands[$0].bestScore }
        let lowest = bests.min() ?? 0, highest = bests.max() ?? 0
        let sigma = max(racing.noiseFloor, 1e-9)
        var earned = islands.map { _ in 0.0 }
        for island in open {
            let stale = max(0, islands[island].generation - islands[island].record.lastImprovement)
            let quality = ((islands[island].bestScore ?? lowest) - lowest + sigma) / (highest - lowest + sigma)
            earned[island] = pow(2, -Double(stale) / halfLife) * quality
        }
        let total = earned.reduce(0, +)
        // A floor above an even split would be an even split: that is what it is clamped to.
        let floor = min(max(config.islandFloor, 0), 1 / Double(open.count))
        let free = 1 - floor * Double(open.count)
        return islands.indices.map { island in
            open.contains(island) ? floor + free * earned[island] / total : 0
        }
    }

    /// The island of the next proposal, drawn by `islandShares` (one RNG draw; the store persists the
    /// state); nil when no island has a member.
    public mutating func chooseIsland() -> Int? {
        let shares = islandShares()
        guard shares.contains(where: { $0 > 0 }) else { return nil }
        return pick(weights: shares)
    }
}
