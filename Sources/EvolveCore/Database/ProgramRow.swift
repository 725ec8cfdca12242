import Foundation

/// A program as the `programs` table holds it: written with every column named, read back by column
/// name (a missing required value is an error naming the column, never a crash).
enum ProgramRow {
    /// The columns a `Program` is read from.
    static let columns = "id, files, parents, island, generation, iteration, status, metrics, test_metrics, descriptors, commit_id, created, proposal, migrated_from, score, score_sd, score_n"

    static func decode(_ row: SQLiteRow) throws -> Program {
        func json<T: Decodable>(_ type: T.Type, _ column: String) throws -> T? {
            guard let text = row[column].text else { return nil }
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        }
        var program = Program(
            id: try row.text("id"), files: try json([String: String].self, "files") ?? [:], parents: try json([String].self, "parents") ?? [],
            island: try row.int("island"), generation: try row.int("generation"), iteration: try row.int("iteration"),
            status: ProgramStatus(rawValue: try row.text("status")) ?? .failed, metrics: try json(Metrics.self, "metrics"),
            testMetrics: try json(Metrics.self, "test_metrics"), descriptors: try json([String: Double].self, "descriptors") ?? [:],
            commitID: row["commit_id"].text, created: Date(timeIntervalSince1970: row["created"].real ?? 0),
            proposal: try json(Proposal.self, "proposal"), migratedFrom: row["migrated_from"].text)
        if let mean = row["score"].real {
            program.scoreStats = ScoreStats(mean: mean, sd: row["score_sd"].real, n: Int(row["score_n"].integer ?? 1))
        }
        return program
    }

    static func insert(_ p: Program, into db: SQLiteConnection) throws {
        try db.run(
            """
            INSERT INTO programs (id, content_hash, files, parents, island, generation, iteration, status, metrics, test_metrics, score,
                descriptors, commit_id, created, proposal, migrated_from, score_sd, score_n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(p.id), .text(p.contentHash), try json(p.files), try json(p.parents), .integer(Int64(p.island)),
             .integer(Int64(p.generation)), .integer(Int64(p.iteration)), .text(p.status.rawValue), try json(p.metrics),
             try json(p.testMetrics), p.score.map { .real($0) } ?? .null, try json(p.descriptors),
             p.commitID.map { .text($0) } ?? .null, .real(p.created.timeIntervalSince1970), try json(p.proposal),
             p.migratedFrom.map { .text($0) } ?? .null, p.scoreStats?.sd.map { .real($0) } ?? .null,
             .integer(Int64(p.score == nil ? 0 : p.scoreStats?.n ?? 1))])
    }

    /// A value as the sorted-keys JSON the database stores (NULL for nil).
    static func json<T: Encodable>(_ value: T?) throws -> SQLiteValue {
        guard let value else { return .null }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return .text(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
