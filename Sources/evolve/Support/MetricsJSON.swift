import EvolveCore
import Foundation

/// `Metrics` as `--json` prints it: snake_case keys like `run.json` and `evolve.yaml` (`cpu_seconds`, not
/// `cpuSeconds`). The database keeps `Metrics`' own Codable keys; only this view renames them.
struct MetricsJSON: Encodable {
    struct Benchmark: Encodable {
        let exact_accuracy: Double, token_accuracy: Double, train_flops: Double, eval_flops: Double
        let parameters: Int, wall_seconds: Double, cpu_seconds: Double
        /// The candidate's own numbers under the names it reported.
        let reported: [String: Double]
    }

    let split: String
    let combined_score: Double
    let benchmarks: [String: Benchmark]
    /// A command evaluator's values under the names it printed.
    let values: [String: Double]

    init(_ metrics: Metrics) {
        split = metrics.split
        combined_score = metrics.combinedScore
        values = metrics.values
        benchmarks = metrics.benchmarks.mapValues {
            Benchmark(exact_accuracy: $0.exactAccuracy, token_accuracy: $0.tokenAccuracy, train_flops: $0.trainFLOPs, eval_flops: $0.evalFLOPs,
                      parameters: $0.parameters, wall_seconds: $0.wallSeconds, cpu_seconds: $0.cpuSeconds, reported: $0.reported)
        }
    }
}
