/// Counts the floating-point operations a kernel performs, so a training budget is a FLOP count:
/// deterministic and comparable across machines, unlike wall-clock time.
///
/// Every TRMKit op charges the meter for its forward pass and, when gradients flow, its backward pass;
/// a multiply-add counts as two FLOPs and an op that moves data (transpose, slice, concat, gather)
/// one per element moved. The meter belongs to the driver: kernels cannot reach, reset or re-budget it.
///
/// A budget is a hard edge: the op whose charge would pass it ends the phase (training, a probe,
/// prediction) on the spot, whatever its size; no allowance depends on anything the kernel controls.
package final class FLOPMeter {
    /// Which half of a training step an op's cost belongs to.
    package enum Phase: Sendable { case forward, backward }

    package private(set) var forward: Int64 = 0
    package private(set) var backward: Int64 = 0
    /// How many charges were made: about one per op invocation, forward and backward. The evaluator's
    /// compute check explains a run's CPU time by FLOPs *and* op invocations, since a small op costs its
    /// dispatch and allocation whatever its FLOPs (docs/sandbox.md, "Compute cross-check").
    package private(set) var charges: Int64 = 0
    /// The part of the total charged by matrix products (`matmul`, `bmm`): they run at many more FLOPs
    /// per second than elementwise work, so the compute check prices the two apart.
    package private(set) var denseFLOPs: Int64 = 0
    /// The total allowed, or nil for no limit.
    package var budget: Int64?
    /// Called on the charging thread by the charge that would take the total past `budget`: the driver
    /// ends the phase there (`MeteredPhase`), so that op's result never reaches the kernel. The charge
    /// is not added to the total; it is kept in `overrun`, work done but never used.
    package var onCross: (() -> Never)?
    /// What the op that crossed the budget had computed (0 if none did).
    package private(set) var overrun: Int64 = 0
    /// Set when the phase this meter measures has ended: every later charge ends the run with this
    /// message (a kernel that kept a tape past its phase, or used the training tape inside `predict`).
    package var closedMessage: String?

    package init(budget: Int64? = nil) {
        self.budget = budget
    }

    package var total: Int64 { forward &+ backward }

    /// FLOPs left before the budget is spent; nil without a budget.
    package var remaining: Int64? { budget.map { max(0, $0 - total) } }

    package var isExhausted: Bool {
        guard let budget else { return false }
        return total >= budget
    }

    /// A charge for a matrix product (also counted in `denseFLOPs`).
    @inline(__always)
    package func chargeDense(_ flops: Int64, phase: Phase) {
        if wouldCross(flops) { cross(flops) }
        denseFLOPs &+= flops
        charge(flops, phase: phase)
    }

    @inline(__always)
    package func charge(_ flops: Int64, phase: Phase) {
        precondition(flops >= 0, "FLOP charges are non-negative")
        if wouldCross(flops) { cross(flops) }
        charges &+= 1
        switch phase {
        case .forward: forward &+= flops
        case .backward: backward &+= flops
        }
    }

    @inline(__always)
    private func wouldCross(_ flops: Int64) -> Bool {
        if closedMessage != nil { return true }
        guard let budget, onCross != nil else { return false }
        return flops > budget &- total
    }

    /// Ends the phase (budget crossed) or the run (phase already over). Never returns.
    private func cross(_ flops: Int64) -> Never {
        if let closedMessage { stopRun(closedMessage) }
        overrun = flops
        onCross!()
    }
}

/// FLOP formulas shared by the ops, so each cost is written once.
package enum FLOPCost {
    /// [m×k]·[k×n]: one multiply and one add per output element per k.
    package static func matmul(m: Int, k: Int, n: Int, batch: Int = 1) -> Int64 {
        2 * Int64(batch) * Int64(m) * Int64(k) * Int64(n)
    }

    /// An elementwise op costing `perElement` FLOPs for each of `count` elements.
    package static func elementwise(_ count: Int, perElement: Int = 1) -> Int64 {
        Int64(count) * Int64(perElement)
    }
}
