import EvolveCore
import Foundation

/// Per-benchmark changes beside a score. The score is the mean of the benchmarks' exact accuracies, so a
/// change that wins on one benchmark and loses on another looks like nothing in the mean; shown per
/// benchmark, a model sees which benchmark its idea helped and which it hurt.
enum BenchmarkDeltas {
    /// `sudoku-4x4 +0.020, maze -0.010`, in benchmark-name order (the candidate names its benchmarks in
    /// none of this: the names come from the run's suite, the numbers from stored metrics).
    static func text(_ changes: [String: Double]) -> String {
        changes.sorted { $0.key < $1.key }
            .map { "\(PromptText.oneLine($0.key, limit: 60)) \(String(format: "%+.3f", $0.value))" }
            .joined(separator: ", ")
    }

    /// For each benchmark of the current program, how it moved against its own parent (the attempt that
    /// made it) and where it stands against the best other program shown, in words to append to the
    /// benchmark's metrics line.
    static func currentProgram(_ context: ProposalContext) -> [String: String] {
        guard let metrics = context.parent.metrics else { return [:] }
        let againstParent = context.parentAttempt?.benchmarkChanges ?? [:]
        let best = bestOther(context)
        var notes: [String: String] = [:]
        for (name, b) in metrics.benchmarks {
            var parts: [String] = []
            if let change = againstParent[name] { parts.append(String(format: "%+.3f against its parent", change)) }
            if let best, let theirs = best.metrics?.benchmarks[name] {
                parts.append(String(format: "%+.3f against the best program shown (%@, exact %.3f)", b.exactAccuracy - theirs.exactAccuracy,
                                    PromptText.shortID(best.id), theirs.exactAccuracy))
            }
            if !parts.isEmpty { notes[name] = parts.joined(separator: ", ") }
        }
        return notes
    }

    /// The highest-scoring evaluated program shown besides the current one (the island's best, when the
    /// run's sample holds it).
    static func bestOther(_ context: ProposalContext) -> Program? {
        (context.topPrograms + context.inspirations)
            .filter { $0.id != context.parent.id && $0.status == .evaluated && $0.metrics != nil }
            .max { ($0.score ?? 0, $1.id) < ($1.score ?? 0, $0.id) }
    }
}
