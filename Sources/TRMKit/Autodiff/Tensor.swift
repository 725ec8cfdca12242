/// A float32 tensor: contiguous, row-major, with an optional gradient of the same size.
///
/// Tensors are created by ops on a `Tape` (which records how to differentiate them) or as leaves:
/// parameters (`requiresGrad: true`) and fixed buffers built from Swift numbers.
///
/// A kernel can build a tensor from numbers but never read one back: values computed from the data
/// stay inside TRMKit's metered ops, so the FLOP meter sees all the work a kernel does on the data
/// (docs/candidate-protocol.md, "What a kernel may do"). Descriptions and mirrors show only the shape.
public final class Tensor {
    public let shape: [Int]
    /// The values; readable only inside TRMKit (ops, the optimiser, the driver).
    package var data: [Float]
    /// Accumulated gradient of the loss with respect to `data`; nil until a backward pass reaches it.
    package var grad: [Float]?
    /// Whether backward passes compute a gradient for this tensor.
    public let requiresGrad: Bool

    public init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
    }

    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(repeating: 0, shape: shape, requiresGrad: requiresGrad)
    }

    /// Every element set to `value` (a bias initialised to −5, a constant buffer).
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, data: Array(repeating: value, count: shape.reduce(1, *)), requiresGrad: requiresGrad)
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

    /// Adds `values` into the gradient. A first gradient shares `values`' storage (copy-on-write) instead
    /// of copying it: `add` and `reshape` pass their output's gradient straight on, and those copies were
    /// 8% of the seed's step (perf). A later `+=` into the shared storage copies it first, as Swift
    /// arrays do, so the upstream gradient is never changed.
    func accumulateGrad(_ values: [Float]) {
        if grad == nil {
            grad = values
            return
        }
        grad!.withUnsafeMutableBufferPointer { g in
            values.withUnsafeBufferPointer { v in
                for i in 0..<g.count { g[i] += v[i] }
            }
        }
    }

    /// Runs `body` with a mutable view of the gradient, allocating it as zeros first if needed.
    @inline(__always)
    func withGrad<R>(_ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
        if grad == nil { grad = [Float](repeating: 0, count: data.count) }
        return grad!.withUnsafeMutableBufferPointer { body($0) }
    }
}

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Tensor\(shape)" }
    public var debugDescription: String { description }
    /// No children: reflection must not reveal values either.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}

/// Records the ops of a forward pass so the trainer can differentiate them, and charges every op's
/// FLOPs to the driver's meter. Kernels receive a tape from the driver (`trainer.tape`, or the
/// `tape` argument of `predict`); they cannot make one, so no op runs off the meter.
///
/// ```swift
/// let logits = tape.matmul(x, w)
/// let loss = tape.stableMaxCrossEntropy(logits, labels: batch.labels!)
/// trainer.step(loss: loss)     // back-propagates, updates the weights
/// ```
public final class Tape {
    package let meter: FLOPMeter
    package private(set) var isRecording = true
    private var steps: [() -> Void] = []
    /// Which examples the latest cross-entropy against a batch's labels got entirely right: the trainer
    /// logs them as the curve's per-step `exact_accuracy` (a training-path figure; the curve check uses
    /// the driver's probes of `predict` instead).
    package var lastAnswers: [Bool]?

    package init(meter: FLOPMeter = FLOPMeter()) {
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
        Tensor(shape: x.shape, data: x.data)  // shares the storage: no work to charge
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

    /// Charges for a matrix product (the meter counts them apart: see `FLOPMeter.denseFLOPs`).
    @inline(__always)
    func chargeDense(forward: Int64) {
        meter.chargeDense(forward, phase: .forward)
    }

    @inline(__always)
    func chargeDense(backward: Int64) {
        meter.chargeDense(backward, phase: .backward)
    }

    /// Back-propagates from the scalar `loss` through every recorded op, newest first, then clears
    /// the tape. Only the trainer calls it (`Trainer.step`).
    package func backward(_ loss: Tensor) {
        precondition(loss.count == 1, "backward starts from a scalar loss, got shape \(loss.shape)")
        loss.grad = [1]
        for step in steps.reversed() { step() }
        steps.removeAll(keepingCapacity: true)
    }

    /// Drops recorded steps without running them (a forward pass whose loss is not used).
    package func reset() {
        steps.removeAll(keepingCapacity: true)
    }

    /// Turns recording off for good (prediction: no op may build a backward pass).
    package func stopRecording() {
        isRecording = false
        steps.removeAll()
    }

    /// How many backward steps are waiting.
    package var recordedSteps: Int { steps.count }
}

extension Tape: CustomStringConvertible, CustomReflectable {
    public var description: String { "Tape" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
