import Foundation

/// One stop the value function made (`mode` "on": the child is `stopped`) or would have made ("shadow":
/// the child ran on, and its final score is in its evaluation), with the prediction and the bar.
public struct EarlyStopRecord: Sendable, Equatable {
    public var programID: String
    public var trainingSeed: UInt64
    public var mode: EarlyStopRule.Mode
    /// The benchmarks measured when it was decided, cheapest first.
    public var after: [String]
    public var prediction: Double
    public var standardError: Double
    public var optimistic: Double
    public var bar: Double
    /// Finished evaluations the value function was fitted on.
    public var samples: Int
    /// The decision in words (what was measured, predicted, and against which incumbent).
    public var evidence: String

    public init(
        programID: String, trainingSeed: UInt64, mode: EarlyStopRule.Mode, after: [String], prediction: Double, standardError: Double,
        optimistic: Double, bar: Double, samples: Int, evidence: String
    ) {
        self.programID = programID
        self.trainingSeed = trainingSeed
        self.mode = mode
        self.after = after
        self.prediction = prediction
        self.standardError = standardError
        self.optimistic = optimistic
        self.bar = bar
        self.samples = samples
        self.evidence = evidence
    }
}

/// The value function's records in the run's database: its stops (typed rows, not artifacts found again
/// by text) and the finished evaluations it is fitted on.
public struct EarlyStopLog {
    let db: SQLiteConnection

    /// The most recent finished evaluations a fit reads: enough for a few-parameter least squares, and
    /// bounded so a checkpoint late in a long run stays a millisecond.
    public static let fitWindow = 400

    public func insert(_ record: EarlyStopRecord) throws {
        try db.run(
            "INSERT INTO early_stops (program_id, training_seed, mode, after, prediction, standard_error, optimistic, bar, samples, evidence, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.text(record.programID), .integer(Int64(bitPattern: record.trainingSeed)), .text(record.mode.rawValue),
             .text(String(decoding: try JSONEncoder().encode(record.after), as: UTF8.self)), .real(record.prediction), .real(record.standardError),
             .real(record.optimistic), .real(record.bar), .integer(Int64(record.samples)), .text(record.evidence),
             .real(Date().timeIntervalSince1970)])
    }

    /// The records of one program, or of the whole run, oldest first.
    public func records(programID: String? = nil) throws -> [EarlyStopRecord] {
        let rows = try programID.map { try db.rows("SELECT * FROM early_stops WHERE program_id = ? ORDER BY id", [.text($0)]) }
            ?? db.rows("SELECT * FROM early_stops ORDER BY id")
        return try rows.map { row in
            EarlyStopRecord(
                programID: try row.text("program_id"), trainingSeed: UInt64(bitPattern: row["training_seed"].integer ?? 0),
                mode: EarlyStopRule.Mode(rawValue: try row.text("mode")) ?? .on,
                after: (try? JSONDecoder().decode([String].self, from: Data(try row.text("after").utf8))) ?? [],
                prediction: try row.real("prediction"), standardError: try row.real("standard_error"), optimistic: try row.real("optimistic"),
                bar: try row.real("bar"), samples: try row.int("samples"), evidence: try row.text("evidence"))
        }
    }

    /// Finished selection evaluations (ordinary, validation, evaluated; first evaluations and racing
    /// repeats alike), the newest `limit`: per-benchmark exact accuracy and the combined score.
    public func finishedSamples(limit: Int = fitWindow) throws -> [ValueFunction.Sample] {
        try db.query(
            "SELECT metrics FROM evaluations WHERE split = 'validation' AND kind = 'ordinary' AND outcome = 'evaluated' ORDER BY id DESC LIMIT ?",
            [.integer(Int64(limit))]
        ).compactMap { row in
            guard let text = row[0].text, let metrics = try? JSONDecoder().decode(Metrics.self, from: Data(text.utf8)),
                  !metrics.benchmarks.isEmpty else { return nil }
            return ValueFunction.Sample(scores: metrics.benchmarks.mapValues(\.exactAccuracy), final: metrics.combinedScore)
        }
    }
}

/// The value function's effect on a run, for the report and the throughput benchmark.
public struct EarlyStopSummary: Sendable, Equatable {
    /// Children stopped (mode `on`).
    public var stopped: Int
    /// Children shadow mode would have stopped.
    public var wouldStop: Int
    /// Of those, the ones that became contenders or cell elites anyway: their score reached the bar they
    /// were judged against, they raced, or they hold a cell (the false stops the acceptance bounds at 5%).
    public var falseStops: Int
}

extension EarlyStopLog {
    public func summary() throws -> EarlyStopSummary {
        let count = { (sql: String) in try db.rows(sql).first?.int("n") ?? 0 }
        return EarlyStopSummary(
            stopped: try count("SELECT count(DISTINCT program_id) AS n FROM early_stops WHERE mode = 'on'"),
            wouldStop: try count("SELECT count(DISTINCT program_id) AS n FROM early_stops WHERE mode = 'shadow'"),
            falseStops: try count("""
                SELECT count(DISTINCT e.program_id) AS n FROM early_stops e JOIN programs p ON p.id = e.program_id
                WHERE e.mode = 'shadow' AND (p.score >= e.bar OR p.score_n > 1 OR EXISTS (SELECT 1 FROM cells c WHERE c.program_id = p.id))
                """))
    }
}
