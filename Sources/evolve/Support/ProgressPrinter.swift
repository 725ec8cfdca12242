import EvolveCore
import Foundation

/// Prints the loop's events for a person: on a terminal, one live status line redrawn in place, with
/// messages above it; otherwise (nohup, logs) plain timestamped lines, a status line every minute.
final class ProgressPrinter: @unchecked Sendable {
    private let terminal = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastPlainStatus = Date.distantPast
    private let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }()

    func handle(_ event: EvolutionLoop.Event) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .message(let text):
            if terminal {
                write("\r\u{1B}[2K\(text)\n")
            } else {
                write("\(formatter.string(from: Date())) \(text)\n")
            }
        case .status(let status):
            let line = Self.line(status)
            if terminal {
                write("\r\u{1B}[2K\(line.prefix(200))")
            } else if Date().timeIntervalSince(lastPlainStatus) >= 60 {
                lastPlainStatus = Date()
                write("\(formatter.string(from: Date())) \(line)\n")
            }
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if terminal { write("\n") }
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
            parts.append(String(format: "llm %dk tok $%.2f", (s.promptTokens + s.completionTokens) / 1000, s.costUSD))
        }
        if let eta = eta(s) { parts.append("eta \(eta)") }
        return parts.joined(separator: " · ")
    }

    /// Time left to the nearer of the iteration and time budgets.
    static func eta(_ s: EvolutionLoop.Status) -> String? {
        var remaining: [Double] = []
        if let max = s.maxSeconds { remaining.append(max - s.elapsedSeconds) }
        if let max = s.maxIterations, s.iteration > 0 {
            remaining.append(Double(max - s.iteration) * s.elapsedSeconds / Double(s.iteration))
        }
        guard let left = remaining.min() else { return nil }
        let seconds = Int(Swift.max(0, left))
        return seconds >= 3600 ? String(format: "%dh%02dm", seconds / 3600, seconds % 3600 / 60) : String(format: "%dm%02ds", seconds / 60, seconds % 60)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
