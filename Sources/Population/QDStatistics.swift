/// Quality-diversity figures of a grid (pyribs' definitions): coverage = filled cells / cells,
/// QD-score = sum of the elites' scores (scores are ≥ 0, so no offset), best and mean elite score.
public struct QDStatistics: Codable, Sendable, Equatable {
    public var filledCells: Int
    public var totalCells: Int
    public var qdScore: Double
    public var best: Double?
    public var meanElite: Double?

    public var coverage: Double { totalCells == 0 ? 0 : Double(filledCells) / Double(totalCells) }

    public init(eliteScores: [Double], totalCells: Int) {
        filledCells = eliteScores.count
        self.totalCells = totalCells
        qdScore = eliteScores.reduce(0, +)
        best = eliteScores.max()
        meanElite = eliteScores.isEmpty ? nil : qdScore / Double(eliteScores.count)
    }
}
