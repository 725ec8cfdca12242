import ArgumentParser
import EvolveQueue
import Foundation

/// `evolve inspect workers --queue URL`: the workers a PostgreSQL queue has seen, read from the queue itself
/// (not from a run's store, which never hears of workers), so it answers on any machine that reaches the
/// database, while a run goes on or after it.
struct InspectWorkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "The workers of a PostgreSQL queue: host, slots, jobs done and running, last heartbeat.")

    @Option(help: "The queue: postgresql://user@host/db (or libpq key=value pairs), or env:NAME for a URL in a variable.")
    var queue: String

    @Option(help: "Seconds without a heartbeat after which a worker that did not stop is shown as silent (default: six 5-s heartbeats).")
    var stale: Double = 30

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard stale.isFinite, stale > 0 else { throw ValidationError("--stale must be a positive number of seconds (got \(stale))") }
    }

    func run() throws {
        try UserMistakes.reported {
            let address = try QueueAddress(resolving: queue, source: "--queue")
            let workers = try WorkerRoster(address: address).workers()
            if output.json {
                struct Worker: Encodable {
                    let name: String, host: String, slots: Int, jobs_done: Int, running: Int
                    let last_heartbeat: String, seconds_since_heartbeat: Double?, state: String
                }
                try OutputOptions.printJSON(workers.map {
                    Worker(name: $0.name, host: $0.host, slots: $0.slots, jobs_done: $0.jobsDone, running: $0.running,
                           last_heartbeat: $0.lastHeartbeat, seconds_since_heartbeat: $0.silentFor.isFinite ? ($0.silentFor * 10).rounded() / 10 : nil,
                           state: $0.state(staleAfter: stale))
                })
                return
            }
            guard !workers.isEmpty else {
                print("no worker has joined the queue at \(address.display) yet (start one with `evolve worker --queue …`)")
                return
            }
            print(Self.table(workers, staleAfter: stale))
        }
    }

    /// One line per worker, aligned columns.
    static func table(_ workers: [WorkerRoster.Status], staleAfter: Double) -> String {
        let header = ["worker", "host", "slots", "done", "running", "last heartbeat", "state"]
        let rows = workers.map { w in
            [w.name, w.host, String(w.slots), String(w.jobsDone), String(w.running),
             "\(w.lastHeartbeat) (\(String(format: "%.0f", w.silentFor)) s ago)", w.state(staleAfter: staleAfter)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
