import ArgumentParser
import Evaluators
import EvolveCore
import EvolveQueue
import Foundation
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// `evolve worker --queue URL`: evaluate jobs from a run's PostgreSQL queue on this machine, one per slot,
/// in its own sandbox, until stopped. Launched by a Slurm job array, a Kubernetes Job or ssh; it never
/// touches a run's database or lineage.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Evaluate jobs from a run's PostgreSQL queue on this machine.",
        discussion: """
            Credentials come from the environment (PGPASSWORD, ~/.pgpass, or a whole URL in a variable given as \
            --queue env:NAME); an address with a password on the command line is refused. Ctrl-C, SIGTERM and SIGHUP \
            stop claiming and let the running jobs finish within --grace seconds; the rest go back to the queue.
            """)

    @Option(help: "The queue: postgresql://user@host/db (or libpq key=value pairs), or env:NAME for a URL in a variable.")
    var queue: String

    @Option(help: "Jobs run at once (default 1).")
    var slots = 1

    @Option(help: "This worker's name in the queue (default: host-pid).")
    var name: String?

    @OptionGroup var signals: SignalOptions

    @Option(help: "Seconds between heartbeats of a running job; a job silent for six times this goes back to the queue.")
    var heartbeat: Double = 5

    @Option(help: "Where work directories go (default: $TMPDIR/evolve-worker-<pid>).")
    var workDir: String?

    func validate() throws {
        if slots < 1 { throw ValidationError("--slots must be at least 1 (got \(slots))") }
        guard heartbeat.isFinite, heartbeat > 0 else { throw ValidationError("--heartbeat must be a positive number of seconds (got \(heartbeat))") }
    }

    func run() async throws {
        RunSetup.bootstrapLogging()
        let address = try UserMistakes.reported { try QueueAddress(resolving: queue, source: "--queue") }
        @Sendable func say(_ line: String) { StandardError.write(line + "\n") }
        if workDir == nil {
            // The default work roots of workers killed before their cleanup ran (SIGKILL, OOM killer).
            let stale = StaleWorkRoots.remove(in: FileManager.default.temporaryDirectory, prefix: "evolve-worker-")
            if !stale.directories.isEmpty {
                say("evolve worker: removed \(stale.mounts) sandbox mounts and \(stale.directories.count) work dirs killed workers left in \(FileManager.default.temporaryDirectory.path)")
            }
        }
        let host = ProcessInfo.processInfo.hostName
        let name = name ?? "\(host)-\(getpid())"
        let root = URL(fileURLWithPath: workDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("evolve-worker-\(getpid())").path)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let layers = Sandbox.layers(capabilities: .probe()).map(\.rawValue)
        let evaluators = EvaluatorCache(root: root)
        let worker = QueueWorker(
            address: address, name: name, slots: slots, host: host, layers: layers, heartbeatSeconds: heartbeat,
            staleAfter: heartbeat * 6, say: say) { payload in
            try await evaluators.evaluator(for: payload)
        }
        say("worker \(name): \(slots) slot(s) on \(address.display); sandbox layers \(layers.joined(separator: ", "))")
        let task = Task { try await worker.run() }
        let signals = WorkerSignals(grace: signals.grace, stop: { worker.requestStop() }, abandon: { task.cancel() })
        defer { signals.cancel() }
        try await task.value
        say("worker \(name): stopped after \(worker.jobsDone) job(s)")
    }
}

/// One local evaluator per run configuration a worker has seen (the TRM evaluator prepares its TRMKit
/// module once), each with a work root of its own.
/// A configuration whose real data differs here is refused for every job that carries it, without hashing the
/// files again.
actor EvaluatorCache {
    let root: URL
    var made: [String: any Evaluator] = [:]
    var refused: [String: WorkerDataCheck.Mismatch] = [:]

    init(root: URL) { self.root = root }

    func evaluator(for payload: JobPayload) throws -> any Evaluator {
        let key = payload.configText + "\u{0}" + (payload.configFile ?? "") + "\u{0}"
            + (payload.dataHashes ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        if let evaluator = made[key] { return evaluator }
        if let mismatch = refused[key] { throw mismatch }
        let manifest = RunManifest(
            name: payload.run, seed: "", configFile: payload.configFile, configText: payload.configText, created: Date(),
            overrides: .init())
        let settings = try RunSetup.settings(manifest)
        if settings.evaluatorCommand == nil {
            do {
                try WorkerDataCheck.verify(payload, config: try ProgramConfig.parse(payload.configText, path: payload.configFile ?? "evolve.yaml"))
            } catch let mismatch as WorkerDataCheck.Mismatch {
                refused[key] = mismatch
                throw mismatch
            }
        }
        let workRoot = root.appendingPathComponent("config-\(made.count)")
        try FileManager.default.createDirectory(at: workRoot, withIntermediateDirectories: true)
        let evaluator = try RunSetup.evaluator(manifest, settings: settings, workRoot: workRoot) { _ in }
        made[key] = evaluator
        return evaluator
    }
}

/// The worker's stop signals: the first (SIGINT, SIGTERM as Slurm sends at `--signal=B:TERM@…`, SIGHUP)
/// stops claiming; after the grace period, or at a second signal, running jobs are cancelled and given
/// back to the queue.
final class WorkerSignals {
    private let sources: [any DispatchSourceSignal]

    init(grace: Double, stop: @escaping @Sendable () -> Void, abandon: @escaping @Sendable () -> Void) {
        let received = StopSignals.Counter()
        let queue = DispatchQueue(label: "evolve.worker-signals")
        sources = StopSignals.handled.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if number == SIGHUP { StopSignals.detachFromTerminal() }
                if received.increment() > 1 {
                    abandon()
                    return
                }
                StandardError.write("evolve worker: \(StopSignals.name(number)): no new jobs; running ones get \(StopSignals.seconds(grace))\n")
                stop()
                queue.asyncAfter(deadline: .now() + grace, execute: abandon)
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
        for number in StopSignals.handled { signal(number, SIG_DFL) }
    }
}
