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
    /// The parent: with probability `exploration` a uniform member (the only way a program that scored 0
    /// becomes a parent); otherwise one of the island's candidates (`parentPool`: its cell elites and its
    /// archive members with a positive mean) — with probability `exploitation` drawn by `parentWeights`
    /// (or by rank, P(rank k) ∝ k^−α, when `powerLawAlpha` is set), else the candidate with the highest
    /// lower confidence bound. An island with no candidate (every member scored 0: a plateau with no signal
    /// yet) gives the non-exploration share to its confirmed best, and to a uniform member only when it has
    /// none. On a plateau a uniform member is mostly a child of a child that scored 0: mutating it adds
    /// changes that showed nothing on top of changes that showed nothing, a random walk away from the one
    /// program whose 0 is confirmed (measured: 35 children of handicapped seeds, all 0, where one change
    /// of a seed scored 0.75 and two 0.98; docs/evolution-loop.md, "Rediscovery").
    public mutating func sample(island: Int) -> Sample? {
        let state = islands[island]
        guard !state.members.isEmpty else { return nil }
        func key(_ id: String) -> String { (hashOf[id] ?? "") + id }
        let members = state.members.order
        let elites = state.cells.values.map { (score: $0.score, key: key($0.id), id: $0.id) }
            .sorted { ($0.score, $1.key) > ($1.score, $0.key) }.map(\.id)
        let pool = parentPool(island: island)
        let r = rng.unit()
        let parentID: String
        if r < config.exploration || (pool.isEmpty && state.bestProgram == nil) {
            parentID = members[Int(rng.next() % UInt64(members.count))]
        } else if pool.isEmpty, let best = state.bestProgram {
            parentID = best
        } else if let alpha = config.powerLawAlpha {
            parentID = pool[pick(weights: (1...pool.count).map { pow(Double($0), -alpha) })]
        } else if r < config.exploration + config.exploitation {
            parentID = pool[pick(weights: parentWeights(pool))]
        } else {
            parentID = pool[0]
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

    /// The island's parent candidates outside the exploration share: its cell elites and the archive
    /// members standing on it, each with a positive mean (a program that scored 0 has shown nothing to
    /// build on), highest lower confidence bound first (ties by content hash, for determinism).
    ///
    /// The pool is the island's own, not the run's archive: a child joins its parent's island, so a
    /// parent drawn from anywhere would make the island's turn (`chooseIsland`) meaningless.
    func parentPool(island: Int) -> [String] {
        let state = islands[island]
        var ids = Set(state.cells.values.map(\.id))
        ids.formUnion(archive.scores.keys.filter { state.members[$0] != nil })
        return ids.filter { stats($0).mean > 0 }
            .map { (bound: lowerBound(stats($0)), key: (hashOf[$0] ?? "") + $0, id: $0) }
            .sorted { ($0.bound, $1.key) > ($1.bound, $0.key) }.map(\.id)
    }

    /// A program's mean less one standard error, with the racing rule's noise floor standing in for an
    /// unmeasured or implausibly small spread: at an equal mean a program seen once ranks below one
    /// confirmed over three training seeds, because its mean is the less certain.
    func lowerBound(_ stats: ScoreStats) -> Double {
        let sd = max(stats.sd ?? 0, racing.noiseFloor)
        return stats.mean - sd / Double(stats.n).squareRoot()
    }

    /// Softmax weights over the pool's lower bounds at `selectionTemperature` (score units): a candidate
    /// one temperature below the top is drawn e times less often.
    func parentWeights(_ pool: [String]) -> [Double] {
        let bounds = pool.map { lowerBound(stats($0)) }
        let top = bounds.max() ?? 0
        let temperature = max(config.selectionTemperature, 1e-9)
        return bounds.map { exp(($0 - top) / temperature) }
    }

    /// An index drawn with probability proportional to its weight (one RNG draw).
    mutating func pick(weights: [Double]) -> Int {
        var remaining = rng.unit() * weights.reduce(0, +)
        var index = 0
        while index < weights.count - 1 && remaining >= weights[index] {
            remaining -= weights[index]
            index += 1
        }
        return index
    }
}
