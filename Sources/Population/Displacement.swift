/// When a child displaces an elite, and whom it must race first.
///
/// The answer, in order:
/// 1. At its first evaluation (`PopulationState.complete`) a program is a *contender* when its score is at
///    least the mean of its cell's elite or of its island's best (`RacingRule.isContender`), or its
///    island has no best yet. A contender races: it and every incumbent it challenges that has fewer
///    than `repeats` evaluations are marked racing and returned as `Placement.race`; the loop evaluates
///    them with new training seeds. A clear loser is not raced.
/// 2. Placement (`place`) is by the mean over the evaluations so far. An empty cell is taken at once.
///    An occupied cell, the island's best and the run's best change hands only when the racing rule says
///    the challenger wins (`RacingRule.compare`: ≥ `repeats` evaluations and a margin of standard
///    errors; an exact tie goes to the smaller program, `ProgramSize`). An island with no best takes a
///    confirmed program only.
/// 3. When the race's evaluations are in, `PopulationState.settle` places the contender again by its mean
///    over all its seeds; the returned `Placement` feeds `FollowUpRule.afterRace` (test and control).
///
/// Every hand-over of an occupied place in step 2 is also a `PopulationChange.displaced`: the store keeps it
/// as history, so a run can be audited against this rule afterwards (`DisplacementRecord` says what is and
/// is not recorded).
extension PopulationState {
    /// Places a program by its selection statistics: it joins the island's members and the archive by its
    /// mean; it takes an empty cell at once, but displaces a cell's elite, becomes the island's best (even
    /// of an island without one) or the run's best only when the racing rule says it wins.
    mutating func place(_ id: String, stats: ScoreStats, island: Int, cell: [Int], into placement: inout Placement, sizes: (String) -> ProgramSize?) {
        let score = stats.mean
        let key = FeatureSpace.key(cell)
        statsOf[id] = stats
        islands[island].members.insert(id, score: score, hash: hashOf[id] ?? id)
        if cellOf[id] != key {
            pending.append(.assignCell(id: id, key: key))
            cellOf[id] = key
        }
        let incumbent = islands[island].cells[key]
        if incumbent?.id == id {
            islands[island].cells[key] = Elite(id: id, score: score)
            pending.append(.cell(island: island, key: key, Elite(id: id, score: score)))
        } else if incumbent == nil || displaces(id, incumbent!.id, sizes: sizes) {
            islands[island].cells[key] = Elite(id: id, score: score)
            pending.append(.cell(island: island, key: key, Elite(id: id, score: score)))
            placement.isCellElite = true
            placement.replaced = incumbent?.id
            if let incumbent { pending.append(.displaced(DisplacementRecord(kind: .cell, challenger: id, incumbent: incumbent.id, island: island))) }
        }
        // A program held by an integrity finding takes no best until its re-check clears it.
        let takesIslandBest: Bool
        if hold(of: id) != nil {
            takesIslandBest = false
        } else if let best = islands[island].bestProgram {
            takesIslandBest = best != id && displaces(id, best, sizes: sizes)
        } else {
            takesIslandBest = racing.isConfirmed(stats)
        }
        if islands[island].bestProgram == id {
            islands[island].record.bestScore = score
        } else if takesIslandBest {
            if let previous = islands[island].bestProgram {
                pending.append(.displaced(DisplacementRecord(kind: .islandBest, challenger: id, incumbent: previous, island: island)))
            }
            islands[island].record.bestScore = score
            islands[island].record.bestProgram = id
            islands[island].record.lastImprovement = islands[island].generation
            placement.isNewIslandBest = true
        }
        if islands[island].bestProgram == id, hold(of: id) == nil {
            let original = originalID(id)
            if runBest == nil || (runBest != original && displaces(original, runBest!, sizes: sizes)) {
                if let previous = runBest {
                    pending.append(.displaced(DisplacementRecord(kind: .runBest, challenger: original, incumbent: previous, island: island)))
                }
                setRunBest(original)
                placement.isNewBest = true
            }
        }
        let (admitted, dropped) = archive.offer(id, score: score)
        if admitted { pending.append(.archive(id: id, score: score)) }
        if let dropped { pending.append(.unarchive(id: dropped)) }
    }

    /// Whether `challenger` displaces `incumbent` under the racing rule; exact ties go to the smaller program.
    func displaces(_ challenger: String, _ incumbent: String, sizes: (String) -> ProgramSize?) -> Bool {
        switch racing.compare(stats(challenger), stats(incumbent)) {
        case .wins: return true
        case .loses: return false
        case .tie:
            guard let a = sizes(challenger), let b = sizes(incumbent) else { return false }
            return a < b
        }
    }

    /// Decides, at a program's first evaluation, whom it must race: nobody under the single rule or when
    /// it is a clear loser; else itself and the incumbents it would displace that have fewer than
    /// `repeats` evaluations (a fair race compares means over as many seeds). Marks them racing.
    mutating func raceFor(_ id: String, first: Double, stats: ScoreStats, island: Int, cell: [Int]) -> [String] {
        guard !racing.isSingle, stats.n < racing.repeats else { return [] }
        let cellElite = islands[island].cells[FeatureSpace.key(cell)]?.id
        let islandBest = islands[island].bestProgram
        var contested: [String] = []
        if let cellElite, racing.isContender(first: first, against: self.stats(cellElite)) { contested.append(cellElite) }
        if racing.isContender(first: first, against: islandBest.map { self.stats($0) }) { contested += islandBest.map { [$0] } ?? [] }
        guard !contested.isEmpty || islandBest == nil else { return [] }
        var race = [id]
        for incumbent in contested.map(originalID) where !race.contains(incumbent) && self.stats(incumbent).n < racing.repeats {
            race.append(incumbent)
        }
        for racer in race { setRaceTarget(racer, racing.repeats) }
        return race
    }
}
