import EvolveCore
import Foundation

/// A run's score curves: after each evaluated program, the best validation score so far and the median of
/// all validation scores so far, per island and over the whole run, against the iteration and against time.
struct ScoreHistory {
    struct Point {
        let x: Double
        let best: Double
        let median: Double
    }

    struct Curves {
        var byIteration: [Point] = []
        var byTime: [Point] = []
    }

    /// All islands together; migrated copies are left out (they repeat a score already counted).
    let overall: Curves
    let islands: [Curves]
    /// Time axis unit: seconds for runs under two minutes, minutes under two hours, else hours.
    let timeUnit: (name: String, seconds: Double)

    static func unit(span: Double) -> (name: String, seconds: Double) {
        span < 120 ? ("seconds", 1) : span < 7200 ? ("minutes", 60) : ("hours", 3600)
    }

    init(programs: [Program], islands: Int, start: Date) {
        let evaluated = programs.filter { $0.score != nil }
        let span = (evaluated.map(\.created).max() ?? start).timeIntervalSince(start)
        timeUnit = Self.unit(span: span)
        let unit = timeUnit.seconds
        func curves(_ members: [Program]) -> Curves {
            let byIteration = members.sorted { ($0.iteration, $0.created) < ($1.iteration, $1.created) }
            let byTime = members.sorted { $0.created < $1.created }
            return Curves(
                byIteration: Self.running(byIteration.map { (Double($0.iteration), $0.score ?? 0) }),
                byTime: Self.running(byTime.map { ($0.created.timeIntervalSince(start) / unit, $0.score ?? 0) }))
        }
        overall = curves(evaluated.filter { $0.migratedFrom == nil })
        self.islands = (0..<islands).map { island in curves(evaluated.filter { $0.island == island }) }
    }

    /// Best and median so far after each value, thinned to at most about `limit` points (every point where
    /// the best changes is kept, so the step curve stays exact).
    static func running(_ values: [(x: Double, score: Double)], limit: Int = 500) -> [Point] {
        var sorted: [Double] = []
        sorted.reserveCapacity(values.count)
        var best = -Double.infinity
        var points: [Point] = []
        let stride = max(1, values.count / limit)
        for (index, value) in values.enumerated() {
            // Binary insertion keeps the scores so far sorted for the median.
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] < value.score { lo = mid + 1 } else { hi = mid }
            }
            sorted.insert(value.score, at: lo)
            let improved = value.score > best
            best = max(best, value.score)
            guard improved || index % stride == 0 || index == values.count - 1 else { continue }
            let n = sorted.count
            let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            points.append(Point(x: value.x, best: best, median: median))
        }
        return points
    }
}
