import Foundation

/// Where a program's transfer assessment is kept: one JSON record per program in the run's key–value
/// state (`transfer.<id>`), beside its fresh `transfer` evaluations in the evaluations table. Nothing
/// that selects, races or controls reads either.
extension RunRecords {
    static let transferPrefix = "transfer."

    public func setTransfer(_ id: String, _ assessment: TransferAssessment) throws {
        try setState(Self.transferPrefix + id, String(decoding: try JSONEncoder().encode(assessment), as: UTF8.self))
    }

    public func transfer(of id: String) throws -> TransferAssessment? {
        try state(Self.transferPrefix + id).flatMap { try? JSONDecoder().decode(TransferAssessment.self, from: Data($0.utf8)) }
    }

    /// Every program's transfer assessment, by program id.
    public func transferAssessments() throws -> [String: TransferAssessment] {
        var all: [String: TransferAssessment] = [:]
        let prefix = "run." + Self.transferPrefix
        for row in try db.query("SELECT key, value FROM meta WHERE key LIKE ? ORDER BY key", [.text(prefix + "%")]) {
            guard let key = row[0].text, key.hasPrefix(prefix), let text = row[1].text,
                  let assessment = try? JSONDecoder().decode(TransferAssessment.self, from: Data(text.utf8)) else { continue }
            all[String(key.dropFirst(prefix.count))] = assessment
        }
        return all
    }
}
