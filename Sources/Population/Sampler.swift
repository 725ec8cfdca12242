import Foundation

/// A parent and its inspirations, by id.
public struct Sample: Sendable, Equatable {
    public var parent: String
    public var inspirations: [String]
}

extension PopulationState {
    /// A parent from `island` and up to a few inspirations (the island's best, its top cell elites, an
    /// elite of a nearby cell, a random member), never the parent, never twice; nil for an island with
    /// no evaluated member. Advances the RNG (the store persists its state).
    ///
    /// The parent: with probability `exploration` a uniform member; else, with `powerLawAlpha` set, a
    /// rank-based pick over the cell elites (P(rank k) ∝ k^−α); else with probability `exploitation` a
    /// uniform archive member; else the island's top cell elite.
    public mutating func sample(island: Int) -> Sample? {
        let state = islands[island]
        guard !state.members.isEmpty else { return nil }
        func key(_ id: String) -> String { (hashOf[id] ?? "") + id }
        let members = state.members.order
        let elites = state.cells.values.map { (score: $0.score, key: key($0.id), id: $0.id) }
            .sorted { ($0.score, $1.key) > ($1.score, $0.key) }.map(\.id)
        let r = rng.unit()
        let parentID: String
        if r < config.exploration || elites.isEmpty {
            parentID = members[Int(rng.next() % UInt64(members.count))]
        } else if let alpha = config.powerLawAlpha {
            let weights = (1...elites.count).map { pow(Double($0), -alpha) }
            var pick = rng.unit() * weights.reduce(0, +)
            var index = 0
            while index < weights.count - 1 && pick >= weights[index] {
                pick -= weights[index]
                index += 1
            }
            parentID = elites[index]
        } else if r < config.exploration + config.exploitation, !archive.isEmpty {
            let archived = archive.scores.keys.map { (key: key($0), id: $0) }.sorted { $0.key < $1.key }.map(\.id)
            parentID = archived[Int(rng.next() % UInt64(archived.count))]
        } else {
            parentID = elites[0]
        }

        var chosen: [String] = []
        func offer(_ id: String?) {
            if let id, id != parentID, !chosen.contains(id) { chosen.append(id) }
        }
        offer(state.bestProgram)
        // Top programs come from the cell elites (bounded by the grid, unlike the population).
        elites.prefix(config.topInspirations + 1).forEach(offer)
        if let parentCell = cellOf[parentID].map(FeatureSpace.cell(fromKey:)) {
            let near = state.cells.filter { key, _ in
                let cell = FeatureSpace.cell(fromKey: key)
                let distance = zip(cell, parentCell).map { abs($0 - $1) }.reduce(0, +)
                return distance > 0 && distance <= 2
            }.sorted { $0.key < $1.key }
            if !near.isEmpty { offer(near[Int(rng.next() % UInt64(near.count))].value.id) }
        }
        offer(members[Int(rng.next() % UInt64(members.count))])
        return Sample(parent: parentID, inspirations: chosen)
    }
}
