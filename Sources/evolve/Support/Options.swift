import ArgumentParser
import Foundation

/// `--json`: every command prints for people by default and, with it, one JSON document for scripts.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON.")
    var json = false

    /// `value` as pretty-printed JSON with sorted keys and ISO 8601 dates, on stdout.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// The limits `run` sets and `resume` raises: a run stops at whichever comes first.
struct StopOptions: ParsableArguments {
    @Option(help: "Stop after this many child iterations in total (on resume: the new total).")
    var iterations: Int?

    @Option(help: "Stop after this many hours in total over all sessions (the search stops early enough to leave time for the scale check when it runs).")
    var hours: Double?

    func validate() throws {
        if let iterations, iterations < 0 { throw ValidationError("--iterations must not be negative (got \(iterations))") }
        if let hours, hours <= 0 { throw ValidationError("--hours must be positive (got \(hours))") }
    }
}

/// `--grace`: what `run`, `resume` and `worker` do on Ctrl-C, SIGTERM (Slurm, Kubernetes, systemd) or SIGHUP (a
/// dropped ssh session): work that finishes within this many seconds is kept, the rest is released.
struct SignalOptions: ParsableArguments {
    @Option(help: "Seconds the evaluations in flight get to finish after Ctrl-C, SIGTERM or SIGHUP; the rest is left for `evolve resume`.")
    var grace: Double = 60

    func validate() throws {
        guard grace.isFinite, grace >= 0 else { throw ValidationError("--grace must be a number of seconds, 0 or more (got \(grace))") }
    }
}
