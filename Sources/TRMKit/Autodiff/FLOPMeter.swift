/// Counts the floating-point operations a kernel performs, so a training budget is a FLOP count:
/// deterministic and comparable across machines, unlike wall-clock time.
///
/// Every TRMKit op charges the meter for its forward pass and, when gradients flow, its backward pass.
/// A multiply-add counts as two FLOPs.
///
/// ```swift
/// let meter = FLOPMeter(budget: 5_000_000_000)
/// meter.charge(FLOPCost.matmul(m: 64, k: 128, n: 128), phase: .forward)
/// if meter.isExhausted { /* stop training */ }
/// ```
public final class FLOPMeter {
    /// Which half of a training step an op's cost belongs to.
    public enum Phase: Sendable { case forward, backward }

    public private(set) var forward: Int64 = 0
    public private(set) var backward: Int64 = 0
    /// The total allowed, or nil for no limit.
    public var budget: Int64?

    public init(budget: Int64? = nil) {
        self.budget = budget
    }

    public var total: Int64 { forward &+ backward }

    /// FLOPs left before the budget is spent; nil without a budget.
    public var remaining: Int64? { budget.map { max(0, $0 - total) } }

    public var isExhausted: Bool {
        guard let budget else { return false }
        return total >= budget
    }

    @inline(__always)
    public func charge(_ flops: Int64, phase: Phase) {
        precondition(flops >= 0, "FLOP charges are non-negative")
        switch phase {
        case .forward: forward &+= flops
        case .backward: backward &+= flops
        }
    }

    public func reset() {
        forward = 0
        backward = 0
    }
}

/// FLOP formulas shared by the ops, so each cost is written once.
public enum FLOPCost {
    /// [m×k]·[k×n]: one multiply and one add per output element per k.
    public static func matmul(m: Int, k: Int, n: Int, batch: Int = 1) -> Int64 {
        2 * Int64(batch) * Int64(m) * Int64(k) * Int64(n)
    }

    /// An elementwise op costing `perElement` FLOPs for each of `count` elements.
    public static func elementwise(_ count: Int, perElement: Int = 1) -> Int64 {
        Int64(count) * Int64(perElement)
    }
}
