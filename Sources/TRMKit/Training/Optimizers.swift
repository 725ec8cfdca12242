/// AdamW with linear warm-up and decoupled weight decay. Each `step` consumes and clears the
/// parameters' gradients.
package final class AdamW {
    package let parameters: [Tensor]
    package var learningRate: Float
    package var betas: (Float, Float)
    package var epsilon: Float
    package var weightDecay: Float
    package var warmupSteps: Int
    package private(set) var steps = 0
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]

    package init(
        parameters: [Tensor], learningRate: Float, betas: (Float, Float) = (0.9, 0.95), epsilon: Float = 1e-8,
        weightDecay: Float = 0.1, warmupSteps: Int = 0
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.warmupSteps = warmupSteps
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = firstMoments
    }

    /// The learning rate used by the next step (linear warm-up, then constant).
    package var currentLearningRate: Float {
        warmupSteps > 0 ? learningRate * min(1, Float(steps + 1) / Float(warmupSteps)) : learningRate
    }

    /// What one update costs per weight (the meter's price of `step`).
    package static let flopsPerElement = 12

    package func step(meter: FLOPMeter? = nil) {
        let lr = currentLearningRate
        steps += 1
        let (b1, b2) = betas
        let correction1 = 1 - powf(b1, Float(steps)), correction2 = 1 - powf(b2, Float(steps))
        for (index, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            firstMoments[index].withUnsafeMutableBufferPointer { m in
                secondMoments[index].withUnsafeMutableBufferPointer { v in
                    p.data.withUnsafeMutableBufferPointer { w in
                        for i in 0..<w.count {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            let update = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                            w[i] -= lr * (update + weightDecay * w[i])
                        }
                    }
                }
            }
            p.grad = nil
            meter?.charge(FLOPCost.elementwise(p.count, perElement: Self.flopsPerElement), phase: .backward)
        }
    }
}

/// An exponential moving average of the weights: the copy TRM evaluates.
package final class EMA {
    package let parameters: [Tensor]
    package let decay: Float
    private var averages: [[Float]]

    package init(parameters: [Tensor], decay: Float) {
        self.parameters = parameters
        self.decay = decay
        averages = parameters.map(\.data)
    }

    package func update() {
        for (index, p) in parameters.enumerated() {
            averages[index].withUnsafeMutableBufferPointer { a in
                p.data.withUnsafeBufferPointer { w in
                    for i in 0..<a.count { a[i] = decay * a[i] + (1 - decay) * w[i] }
                }
            }
        }
    }

    /// Runs `body` with the averaged weights in place of the live ones, then restores them.
    package func withAveragedWeights<T>(_ body: () throws -> T) rethrows -> T {
        let live = parameters.map(\.data)
        for (p, a) in zip(parameters, averages) { p.data = a }
        defer { for (p, w) in zip(parameters, live) { p.data = w } }
        return try body()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
