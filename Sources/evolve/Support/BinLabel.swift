import EvolveCore
import Foundation

/// The value range of one bin of a grid axis (`1e+04–3e+04`), as `inspect population` and the report's
/// heatmaps label their rows and columns.
enum BinLabel {
    static func text(_ dimension: FeatureDimension, _ bin: Int) -> String {
        func edge(_ k: Int) -> Double {
            let f = Double(k) / Double(dimension.bins)
            return dimension.scale == .log
                ? exp(log(dimension.minimum) + f * (log(dimension.maximum) - log(dimension.minimum)))
                : dimension.minimum + f * (dimension.maximum - dimension.minimum)
        }
        func short(_ v: Double) -> String { v >= 1e4 ? String(format: "%.0e", v) : String(format: "%.4g", v) }
        return "\(short(edge(bin)))–\(short(edge(bin + 1)))"
    }
}
