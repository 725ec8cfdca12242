import Foundation

/// Predicts a program's final combined validation score from the benchmark scores of its evaluation so
/// far, by least squares fitted on the run's own finished evaluations (one fit per set of benchmarks
/// measured, since each checkpoint knows a different prefix of the suite).
///
/// The features are only what evolve measured itself (exact accuracies scored against held-back labels),
/// never a number the kernel reports, so a kernel cannot talk its way past a stop.
///
/// ```swift
/// let samples = [ValueFunction.Sample(scores: ["a": 0.1, "b": 0.2], final: 0.15), …]
/// if let fit = ValueFunction.fit(samples, on: ["a"]), let p = fit.predict(["a": 0.05]) {
///     print(p.mean, p.standardError)
/// }
/// ```
public struct ValueFunction: Sendable, Equatable {
    /// One finished evaluation: its per-benchmark scores and its final combined score.
    public struct Sample: Sendable, Equatable {
        public var scores: [String: Double]
        public var final: Double

        public init(scores: [String: Double], final: Double) {
            self.scores = scores
            self.final = final
        }
    }

    /// A prediction with its standard error as a prediction interval has it: the residual SD inflated by
    /// the leverage of the point (a child unlike every finished one is predicted less surely).
    public struct Prediction: Sendable, Equatable {
        public var mean: Double
        public var standardError: Double
        /// The residual SD of the fit alone.
        public var residualSD: Double
        /// Finished evaluations the fit used.
        public var samples: Int
    }

    /// The benchmarks the fit reads, sorted (the intercept comes first in `coefficients`).
    public let features: [String]
    public let coefficients: [Double]
    /// (XᵀX + λI)⁻¹, for the leverage of a new point.
    let inverse: [[Double]]
    public let residualSD: Double
    public let samples: Int

    /// The smallest SD a prediction is given: a fit that happens to be exact on a few samples (every
    /// finished child scored 0 on a benchmark) must not make a stop certain.
    public static let sdFloor = 0.02

    /// Fits the final score on the scores of `features`, or nil when there are too few samples that
    /// measured all of them (at least the parameter count plus 3, so the residual SD has some degrees of freedom).
    public static func fit(_ samples: [Sample], on features: Set<String>) -> ValueFunction? {
        let names = features.sorted()
        let rows = samples.compactMap { sample -> ([Double], Double)? in
            var x = [1.0]
            for name in names {
                guard let value = sample.scores[name], value.isFinite else { return nil }
                x.append(value)
            }
            return sample.final.isFinite ? (x, sample.final) : nil
        }
        let p = names.count + 1
        guard rows.count >= p + 3 else { return nil }
        // Normal equations with a tiny ridge on the slopes: a benchmark every sample scored the same on
        // (all zeros early in a run) would otherwise make XᵀX singular.
        var xtx = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        var xty = Array(repeating: 0.0, count: p)
        for (x, y) in rows {
            for i in 0..<p {
                xty[i] += x[i] * y
                for j in 0..<p { xtx[i][j] += x[i] * x[j] }
            }
        }
        for i in 1..<p { xtx[i][i] += 1e-6 }
        guard let inverse = invert(xtx) else { return nil }
        let beta = (0..<p).map { i in (0..<p).reduce(0.0) { $0 + inverse[i][$1] * xty[$1] } }
        let sse = rows.reduce(0.0) { sum, row in
            let fitted = zip(beta, row.0).reduce(0.0) { $0 + $1.0 * $1.1 }
            return sum + (row.1 - fitted) * (row.1 - fitted)
        }
        let sd = max(sdFloor, (sse / Double(rows.count - p)).squareRoot())
        return ValueFunction(features: names, coefficients: beta, inverse: inverse, residualSD: sd, samples: rows.count)
    }

    /// The predicted final score of an evaluation whose benchmarks so far scored `scores`; nil when a
    /// feature of the fit is missing from them.
    public func predict(_ scores: [String: Double]) -> Prediction? {
        var x = [1.0]
        for name in features {
            guard let value = scores[name] else { return nil }
            x.append(value)
        }
        let mean = zip(coefficients, x).reduce(0.0) { $0 + $1.0 * $1.1 }
        var leverage = 0.0
        for i in x.indices { for j in x.indices { leverage += x[i] * inverse[i][j] * x[j] } }
        let se = residualSD * (1 + max(0, leverage)).squareRoot()
        return Prediction(mean: mean, standardError: se, residualSD: residualSD, samples: samples)
    }

    /// Gauss–Jordan with partial pivoting; nil for a singular matrix.
    static func invert(_ matrix: [[Double]]) -> [[Double]]? {
        let n = matrix.count
        var a = matrix
        var inv = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }), abs(a[pivot][column]) > 1e-12 else { return nil }
            a.swapAt(column, pivot)
            inv.swapAt(column, pivot)
            let scale = a[column][column]
            for j in 0..<n {
                a[column][j] /= scale
                inv[column][j] /= scale
            }
            for row in 0..<n where row != column {
                let factor = a[row][column]
                guard factor != 0 else { continue }
                for j in 0..<n {
                    a[row][j] -= factor * a[column][j]
                    inv[row][j] -= factor * inv[column][j]
                }
            }
        }
        return inv
    }
}
