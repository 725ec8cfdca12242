import EvolveCore
import Foundation

/// Prints the loop's events for a person: on a terminal, one live status line redrawn in place, with
/// messages above it; otherwise (nohup, logs) plain timestamped lines, a status line every minute.
final class ProgressPrinter: @unchecked Sendable {
    private let terminal = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastPlainStatus = Date.distantPast
    /// More of the status line, read at each redraw: a queue run's workers (`QueueEvaluator.workersText`).
    var statusExtra: (@Sendable () -> String?)?

    func handle(_ event: EvolutionLoop.Event) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard let text = Self.text(for: event, terminal: terminal, now: now, lastPlainStatus: lastPlainStatus, extra: statusExtra?()) else { return }
        if case .status = event, !terminal { lastPlainStatus = now }
        write(text)
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if terminal { write("\n") }
    }

    /// What `handle` writes for `event` at `now` (nil: nothing, a plain status line within a minute of the
    /// last). A pure function of its arguments, so it is tested without a terminal.
    static func text(
        for event: EvolutionLoop.Event, terminal: Bool, now: Date, lastPlainStatus: Date, timeZone: TimeZone = .current,
        extra: String? = nil
    ) -> String? {
        switch event {
        case .message(let text):
            return terminal ? "\r\u{1B}[2K\(text)\n" : "\(timestamp(now, timeZone: timeZone)) \(text)\n"
        case .status(let status):
            let line = Self.line(status) + (extra.map { " · \($0)" } ?? "")
            if terminal { return "\r\u{1B}[2K\(line.prefix(200))" }
            guard now.timeIntervalSince(lastPlainStatus) >= 60 else { return nil }
            return "\(timestamp(now, timeZone: timeZone)) \(line)\n"
        }
    }

    /// `2026-11-24 02:34:05`: the prefix of every plain line.
    static func timestamp(_ date: Date, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    static func line(_ s: EvolutionLoop.Status) -> String {
        let hours = max(s.elapsedSeconds / 3600, 1e-9)
        var parts = ["iter \(s.iteration)\(s.maxIterations.map { "/\($0)" } ?? "")"]
        parts.append(String(format: "%d evals (%.0f/h)", s.evaluations, Double(s.evaluations) / hours))
        if let best = s.bestScore {
            parts.append(String(format: "best %.4f", best) + (s.bestTestScore.map { String(format: " (test %.4f)", $0) } ?? ""))
        }
        let islands = s.islandBests.map { $0.map { String(format: "%.3f", $0) } ?? "–" }.joined(separator: " ")
        parts.append("islands [\(islands)]")
        if s.promptTokens + s.completionTokens > 0 || s.costUSD > 0 {
            parts.append(String(format: "llm %dk tok $%.2f", (s.promptTokens + s.completionTokens) / 1000, s.costUSD)
                + (s.maxSpendUSD.map { String(format: "/$%.2f", $0) } ?? ""))
        }
        if let eta = eta(s) { parts.append("eta \(eta)") }
        return parts.joined(separator: " · ")
    }

    /// Time left to the nearest of the iteration, time and spend budgets, the last two extrapolated at the
    /// run's pace so far.
    static func eta(_ s: EvolutionLoop.Status) -> String? {
        var remaining: [Double] = []
        if let max = s.maxSeconds { remaining.append(max - s.elapsedSeconds) }
        if let max = s.maxIterations, s.iteration > 0 {
            remaining.append(Double(max - s.iteration) * s.elapsedSeconds / Double(s.iteration))
        }
        if let max = s.maxSpendUSD {
            if s.costUSD >= max {
                remaining.append(0)
            } else if s.costUSD > 0 {
                remaining.append((max - s.costUSD) * s.elapsedSeconds / s.costUSD)
            }
        }
        guard let left = remaining.min() else { return nil }
        let seconds = Int(Swift.min(Swift.max(0, left), 1e9))  // a tiny spend so far extrapolates to ages
        return seconds >= 3600 ? String(format: "%dh%02dm", seconds / 3600, seconds % 3600 / 60) : String(format: "%dm%02ds", seconds / 60, seconds % 60)
    }

    private func write(_ text: String) {
        StandardError.write(text)
    }
}
