/// A float32 tensor: contiguous, row-major, with an optional gradient of the same size.
///
/// Tensors are created by ops on a `Tape` (which records how to differentiate them) or as leaves:
/// parameters (`requiresGrad: true`) and inputs.
public final class Tensor {
    public let shape: [Int]
    public var data: [Float]
    /// Accumulated gradient of the loss with respect to `data`; nil until a backward pass reaches it.
    public var grad: [Float]?
    /// Whether backward passes compute a gradient for this tensor.
    public let requiresGrad: Bool

    public init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
    }

    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, data: Array(repeating: 0, count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// A trainable parameter drawn from a truncated normal (±2 std), the initialisation TRM uses.
    public static func parameter(_ shape: [Int], std: Float, rng: inout SeededRNG) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        if std > 0 {
            for i in 0..<count { values[i] = rng.truncatedNormal(std: std) }
        }
        return Tensor(shape: shape, data: values, requiresGrad: true)
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }


    /// Adds `values` into the gradient.
    func accumulateGrad(_ values: UnsafeBufferPointer<Float>) {
        if grad == nil {
            grad = Array(values)
            return
        }
        grad!.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] += values[i] }
        }
    }

    /// Runs `body` with a mutable view of the gradient, allocating it as zeros first if needed.
    @inline(__always)
    func withGrad<R>(_ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
        if grad == nil { grad = [Float](repeating: 0, count: data.count) }
        return grad!.withUnsafeMutableBufferPointer { body($0) }
    }
}

/// Records the ops of a forward pass so `backward` can differentiate them, and charges every op's
/// FLOPs to a meter. One tape per thread; the runtime is single-threaded by design.
///
/// ```swift
/// let tape = Tape(meter: meter)
/// let logits = tape.matmul(x, w)
/// let loss = tape.softmaxCrossEntropy(logits, labels: labels)
/// tape.backward(loss)          // fills w.grad
/// ```
public final class Tape {
    public let meter: FLOPMeter
    public private(set) var isRecording = true
    private var steps: [() -> Void] = []

    public init(meter: FLOPMeter = FLOPMeter()) {
        self.meter = meter
    }

    /// Runs `body` without recording: nothing inside gets gradients (TRM's first T−1 rounds, evaluation).
    public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
        let saved = isRecording
        isRecording = false
        defer { isRecording = saved }
        return try body()
    }

    /// A copy of `x` that gradients do not flow through (TRM's carry between supervision steps).
    public func detach(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: x.data)
    }

    /// Whether an op on `inputs` must record a backward step.
    @inline(__always)
    func needsGrad(_ inputs: Tensor...) -> Bool {
        isRecording && inputs.contains { $0.requiresGrad }
    }

    /// Registers the backward step of an op whose output requires a gradient.
    @inline(__always)
    func record(_ step: @escaping () -> Void) {
        steps.append(step)
    }

    @inline(__always)
    func charge(forward: Int64) {
        meter.charge(forward, phase: .forward)
    }

    @inline(__always)
    func charge(backward: Int64) {
        meter.charge(backward, phase: .backward)
    }

    /// Back-propagates from the scalar `loss` through every recorded op, newest first, then clears
    /// the tape.
    public func backward(_ loss: Tensor) {
        precondition(loss.count == 1, "backward starts from a scalar loss, got shape \(loss.shape)")
        loss.grad = [1]
        for step in steps.reversed() { step() }
        steps.removeAll(keepingCapacity: true)
    }

    /// Drops recorded steps without running them (a forward pass whose loss is not used).
    public func reset() {
        steps.removeAll(keepingCapacity: true)
    }

    /// How many backward steps are waiting.
    public var recordedSteps: Int { steps.count }
}
