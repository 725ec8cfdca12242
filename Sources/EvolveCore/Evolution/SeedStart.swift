import Foundation

/// How a new run starts: the seed programs are stored, evaluated and placed on islands (round-robin),
/// and every island without a seed of its own gets a copy of one, so every island can be sampled. A
/// resumed run finishes the seeds a crash interrupted. Runs on the loop's actor.
struct SeedStart: Sendable {
    func evaluate(_ seeds: [Program], on loop: isolated EvolutionLoop) async throws {
        guard !seeds.isEmpty else { throw EvolutionLoop.Failure(description: "no seed programs to start from") }
        var ids: [String] = []
        for (index, seed) in seeds.enumerated() {
            var program = seed
            program.island = index % loop.store.config.islands
            program.status = .queued
            if case .added(let id) = try loop.store.add(program) { ids.append(id) }
        }
        loop.state.seedIDs = ids
        try loop.saveState()
        try await finish(ids, on: loop)
    }

    /// Evaluates the seeds `pending` (all of them on a new run; those a crash interrupted on a resume),
    /// then gives every island without a seed a copy of one.
    func finish(_ pending: [String], on loop: isolated EvolutionLoop) async throws {
        let ids = loop.state.seedIDs
        loop.say("evaluating \(pending.count) seed program(s)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in pending {
                guard let program = try loop.store.program(id) else { continue }
                group.addTask { try await loop.evaluateChild(program, parentScore: nil, proposal: nil) }
            }
            try await group.waitForAll()
        }
        let evaluated = try ids.compactMap { try loop.store.program($0) }.filter { $0.status == .evaluated }
        guard !evaluated.isEmpty else {
            var reasons: [String] = []
            for id in ids {
                let artifacts = try loop.store.records.artifacts(of: id)
                let first = artifacts.sorted { $0.key < $1.key }.first.map { "\($0.key): \($0.value.split(separator: "\n").prefix(3).joined(separator: " / "))" }
                reasons.append("seed \(id.prefix(8)): \(first ?? "no artifacts")")
            }
            throw EvolutionLoop.Failure(description: "no seed program could be evaluated; fix the seeds first (`evolve eval DIR` shows the details): \(reasons.joined(separator: "; "))")
        }
        // Islands without a seed of their own start from copies, so every island can be sampled.
        for island in 0..<loop.store.config.islands where loop.store.islandBests()[island] == nil {
            let donor = evaluated[island % evaluated.count]
            try loop.store.spread(donor.id, to: island)
        }
        for program in evaluated {
            loop.say(String(format: "seed %@ scored %.4f on island %d", String(program.id.prefix(8)), program.score ?? 0, program.island))
        }
    }

    // MARK: - One iteration
}
