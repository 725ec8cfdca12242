import EvolveSupport
import Foundation

/// One axis of the MAP-Elites grid, with a declared range: values outside it go to the edge bins, so a
/// new extreme never moves the boundaries under existing elites (OpenEvolve's running min–max does).
public struct FeatureDimension: Codable, Sendable, Equatable {
    public enum Scale: String, Codable, Sendable { case linear, log }

    /// The descriptor this axis reads, e.g. `parameters`, `flops_per_step`, `train_flops`, `code_length`.
    public var name: String
    public var minimum: Double
    public var maximum: Double
    public var bins: Int
    public var scale: Scale

    public init(name: String, minimum: Double, maximum: Double, bins: Int, scale: Scale = .linear) {
        precondition(maximum > minimum && bins > 0, "feature \(name): need minimum < maximum and bins > 0")
        precondition(scale == .linear || minimum > 0, "feature \(name): a log scale needs a positive minimum")
        self.name = name
        self.minimum = minimum
        self.maximum = maximum
        self.bins = bins
        self.scale = scale
    }

    /// The bin of `value`, clamped to [0, bins − 1].
    public func bin(_ value: Double) -> Int {
        let (lo, hi, v) = scale == .log ? (log(minimum), log(maximum), log(max(value, minimum))) : (minimum, maximum, value)
        let fraction = (v - lo) / (hi - lo)
        return min(bins - 1, max(0, Int((fraction * Double(bins)).rounded(.down))))
    }

    // Built-ins that mean something for TRM kernels, and generic ones for any program.
    public static let parameters = FeatureDimension(name: "parameters", minimum: 1e4, maximum: 1e7, bins: 6, scale: .log)
    /// The recursion depth as the kernel reports it (`run.json`'s `config`): the kernel's claim, so no
    /// default grid reads it (a kernel that reports `effective_depth: 1e12` would pick its own cell).
    public static let effectiveDepth = FeatureDimension(name: "effective_depth", minimum: 1, maximum: 64, bins: 6, scale: .log)
    /// Training FLOPs per optimiser step, both counted by TRMKit's driver: few costly steps (a deep,
    /// wide model, large batches) at one end, many cheap ones at the other. The seeds sit near 5e9–1.2e10
    /// on the default suite; six bins of ~4.6× each between 1e7 and 1e11.
    public static let flopsPerStep = FeatureDimension(name: "flops_per_step", minimum: 1e7, maximum: 1e11, bins: 6, scale: .log)
    public static let compute = FeatureDimension(name: "train_flops", minimum: 1e10, maximum: 1e14, bins: 4, scale: .log)
    public static let codeLength = FeatureDimension(name: "code_length", minimum: 0, maximum: 20_000, bins: 8)
    public static let editDistance = FeatureDimension(name: "edit_distance", minimum: 0, maximum: 4_000, bins: 8)
}

/// The grid: a list of dimensions; a cell is one bin per dimension.
public struct FeatureSpace: Codable, Sendable, Equatable {
    public var dimensions: [FeatureDimension]

    public init(_ dimensions: [FeatureDimension]) {
        self.dimensions = dimensions
    }

    /// The default for TRM kernels: model size × FLOPs per optimiser step, both measured by the driver,
    /// never taken from the kernel's own report.
    public static let trm = FeatureSpace([.parameters, .flopsPerStep])

    public var cellCount: Int { dimensions.reduce(1) { $0 * $1.bins } }

    /// The cell of a program's descriptors; a missing descriptor counts as the dimension's minimum.
    public func cell(_ descriptors: [String: Double]) -> [Int] {
        dimensions.map { $0.bin(descriptors[$0.name] ?? $0.minimum) }
    }

    /// A cell as text, for storage keys.
    public static func key(_ cell: [Int]) -> String { cell.map(String.init).joined(separator: ",") }
    public static func cell(fromKey key: String) -> [Int] { key.split(separator: ",").compactMap { Int($0) } }
}
