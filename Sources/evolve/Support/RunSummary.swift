import EvolveCore
import Foundation

/// The last lines of `run` and `resume`: why the run stopped, its best, and how to look further or go on.
enum RunSummary {
    static func print(_ summary: EvolutionLoop.Summary, run: RunDirectory, json: Bool) throws {
        if json {
            struct Output: Encodable {
                let run: String, directory: String, stop_reason: String, iterations: Int, evaluations: Int
                let best_score: Double?, best_test_score: Double?, best_program: String?, elapsed_seconds: Double
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let output = Output(
                run: run.name, directory: run.root.path, stop_reason: summary.stopReason.rawValue, iterations: summary.iterations,
                evaluations: summary.evaluations, best_score: summary.bestScore, best_test_score: summary.bestTestScore,
                best_program: summary.bestProgramID, elapsed_seconds: summary.elapsedSeconds)
            Swift.print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            Swift.print("run \(run.name): stopped (\(summary.stopReason.rawValue)) after \(summary.iterations) iterations, \(summary.evaluations) evaluations, \(String(format: "%.0f", summary.elapsedSeconds)) s")
            if let best = summary.bestScore, let id = summary.bestProgramID {
                Swift.print(String(format: "best validation score %.4f", best) + (summary.bestTestScore.map { String(format: ", held-out test %.4f", $0) } ?? "")
                      + " (program \(id))")
            }
            Swift.print("lineage: git -C \(run.lineage.path) log --graph --oneline best")
            Swift.print("continue: evolve resume \(run.name)")
        }
    }
}
