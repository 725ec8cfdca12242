import EvolveCore
import Foundation
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// How `evolve run` and `evolve resume` stop when asked to: Ctrl-C (SIGINT), a scheduler's SIGTERM
/// (Slurm at the time limit, Kubernetes, `docker stop`, systemd) and SIGHUP (a closed terminal, a dropped
/// ssh connection) all start the same clean stop. No new work starts; the evaluations that finish within
/// the grace period are stored as usual; when it ends, the ones still running are killed, their work
/// dirs unmounted, and evolve exits 0 with those programs left unstarted in the database, where
/// `evolve resume` re-queues them. A second signal does the same at once (exit 130).
///
/// ```swift
/// let signals = StopSignals(grace: 60, run: run) { await loop.requestStop(.interrupted) }
/// defer { signals.cancel() }
/// let summary = try await loop.run(seeds: seeds)
/// ```
final class StopSignals {
    static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private let sources: [any DispatchSourceSignal]
    /// Set once the run ended by itself: a grace timer still pending must not exit the process.
    private let finished = Counter()

    /// - Parameters:
    ///   - grace: seconds the work in flight gets after the first signal.
    ///   - stop: asks the loop to start no more work.
    init(grace: Double, run: RunDirectory, stop: @escaping @Sendable () async -> Void) {
        let received = Counter()
        let finished = self.finished
        let queue = DispatchQueue(label: "evolve.stop-signals")
        sources = Self.handled.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let name = Self.name(number)
                if number == SIGHUP { Self.detachFromTerminal() }
                if received.increment() > 1 {
                    Self.abandon(run: run, why: "a second stop signal (\(name))", status: 130)
                }
                Self.tell("\nevolve: \(name): stopping; the evaluations in flight get \(Self.seconds(grace)) to finish, the rest is left for `evolve resume \(run.name)`", run: run)
                Task { await stop() }
                queue.asyncAfter(deadline: .now() + grace) {
                    guard finished.value == 0 else { return }
                    Self.abandon(run: run, why: "the grace period of \(Self.seconds(grace)) after \(name) ended", status: 0)
                }
            }
            source.resume()
            return source
        }
    }

    /// Stops listening (the run ended by itself); the signals' default actions apply again.
    func cancel() {
        _ = finished.increment()
        sources.forEach { $0.cancel() }
        for number in Self.handled { signal(number, SIG_DFL) }
    }

    /// Kills what is still running, unmounts its work dirs and exits: the database is consistent after
    /// every transaction, and what was in flight stays unstarted there for `evolve resume`.
    static func abandon(run: RunDirectory, why: String, status: Int32) -> Never {
        let killed = Sandbox.abandonAllRuns()
        tell("evolve: \(why): stopped \(killed) sandboxed run(s) still in flight; `evolve resume \(run.name)` evaluates them again", run: run)
        fflush(nil)
        exit(status)
    }

    /// One line to the terminal (when there still is one) and to the run's log.
    static func tell(_ line: String, run: RunDirectory) {
        StandardError.write(line + "\n")
        RunLog(url: run.log).write(line.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// After a hangup the terminal is gone and writing to it fails (EIO): terminal output goes to
    /// /dev/null from here on; the run's log keeps the record.
    static func detachFromTerminal() {
        let null = open("/dev/null", O_WRONLY)
        guard null >= 0 else { return }
        for fd in [STDOUT_FILENO, STDERR_FILENO] where isatty(fd) != 0 { dup2(null, fd) }
        close(null)
    }

    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "interrupt (SIGINT)"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "hangup (SIGHUP)"
        default: "signal \(number)"
        }
    }

    static func seconds(_ value: Double) -> String { String(format: "%g s", value) }

    final class Counter: @unchecked Sendable {
        private var count = 0
        private let lock = NSLock()
        func increment() -> Int { lock.withLock { count += 1; return count } }
        var value: Int { lock.withLock { count } }
    }
}
