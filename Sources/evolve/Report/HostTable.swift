import EvolveCore
import EvolveQueue
import Foundation

/// The report's "Evaluations by host" section for a run whose evaluations went through the queue: per host,
/// how many evaluations it ran, by how many workers, and the CPU seconds of its sandboxed runs, read from each
/// evaluation's `worker` artifact (`WorkerStamp`) in the run's own SQLite file. A local run has no such
/// artifact and no section.
struct HostTable: Equatable {
    struct Row: Equatable {
        let host: String
        var evaluations = 0
        var workers: Set<String> = []
        var cpuSeconds = 0.0
    }

    let rows: [Row]
    /// Evaluations without a worker stamp (run on the coordinator before it had a queue, or refused).
    let local: Int

    /// Every evaluation of the run at `database`, grouped by the host that ran it (most evaluations first).
    static func load(database: URL) throws -> HostTable {
        let db = try SQLiteConnection(path: database.path)
        var byHost: [String: Row] = [:]
        var local = 0
        for row in try db.rows("SELECT json_extract(artifacts, '$.\(WorkerStamp.key)') AS stamp FROM evaluations WHERE json_valid(artifacts)") {
            guard let stamp = row["stamp"].text.flatMap(WorkerStamp.init(parsing:)) else {
                local += 1
                continue
            }
            byHost[stamp.host, default: Row(host: stamp.host)].evaluations += 1
            byHost[stamp.host]?.workers.insert(stamp.worker)
            byHost[stamp.host]?.cpuSeconds += stamp.cpuSeconds
        }
        return HostTable(rows: byHost.values.sorted { ($0.evaluations, $1.host) > ($1.evaluations, $0.host) }, local: local)
    }

    /// The section's HTML, or nil when no evaluation went through a worker.
    var html: String? {
        guard !rows.isEmpty else { return nil }
        let body = rows.map { row in
            "<tr><td>\(HTML.escape(row.host))</td><td>\(row.evaluations)</td><td>\(row.workers.count)</td>"
                + "<td>\(String(format: "%.1f", row.cpuSeconds))</td><td>\(String(format: "%.1f", row.cpuSeconds / Double(row.evaluations)))</td></tr>"
        }.joined()
        return """
            <p>Where the run's evaluations ran (<code>evolve worker</code>s on a queue), from each evaluation's worker record. \
            CPU seconds are those of the sandboxed build and training\(local > 0 ? "; \(local) evaluations have no worker record (run before the queue, or failed on the coordinator)" : "").</p>
            <table><tr><th>host</th><th>evaluations</th><th>workers</th><th>CPU s</th><th>CPU s per evaluation</th></tr>\(body)</table>
            """
    }
}
