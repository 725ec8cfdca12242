import Foundation

/// The `worker` artifact a queue evaluation carries in the run's store: which worker on which host ran it and
/// the CPU seconds its sandboxed processes used, in words a person reads in `inspect` and one format the
/// report reads back for its per-host table (`evolve report`), so the run's SQLite file alone says where
/// every evaluation ran, with no queue to reach afterwards.
///
/// ```swift
/// let text = WorkerStamp(worker: "slurm-7-0", host: "node3", cpuSeconds: 41.2).text
/// // "evaluated by worker slurm-7-0 on node3 (41.2 CPU s)"
/// WorkerStamp(parsing: text)?.host   // "node3"
/// ```
public struct WorkerStamp: Sendable, Equatable {
    /// The artifact's key.
    public static let key = "worker"

    public let worker: String
    public let host: String
    public let cpuSeconds: Double

    public init(worker: String, host: String, cpuSeconds: Double) {
        self.worker = worker
        self.host = host
        self.cpuSeconds = cpuSeconds
    }

    public var text: String {
        "evaluated by worker \(worker) on \(host) (\(String(format: "%.1f", cpuSeconds)) CPU s)"
    }

    /// Reads `text` back. A worker's name is free text (it may hold " on "), a host name has no spaces, so
    /// the host and the CPU seconds are read from the end.
    public init?(parsing text: String) {
        let prefix = "evaluated by worker ", suffix = " CPU s)"
        guard text.hasPrefix(prefix), text.hasSuffix(suffix) else { return nil }
        let middle = text.dropFirst(prefix.count).dropLast(suffix.count)
        guard let open = middle.range(of: " (", options: .backwards), let cpu = Double(middle[open.upperBound...]),
              let on = middle[..<open.lowerBound].range(of: " on ", options: .backwards) else { return nil }
        let host = middle[on.upperBound..<open.lowerBound]
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        self.init(worker: String(middle[..<on.lowerBound]), host: String(host), cpuSeconds: cpu)
    }
}
