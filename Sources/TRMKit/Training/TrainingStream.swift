/// The training examples in the order the driver serves them: shuffled epochs, one after another,
/// from the driver's seed. Kernels draw from it through the trainer; they never choose the order.
package struct TrainingStream {
    package let examples: [Example]
    private var rng: SeededRNG
    private var order: [Int] = []
    private var position = 0
    private(set) var epochs = 0

    package init(examples: [Example], rng: SeededRNG) {
        precondition(!examples.isEmpty, "a training stream needs examples")
        self.examples = examples
        self.rng = rng
    }

    /// The next example's index; a new shuffled epoch starts when one runs out.
    mutating func next() -> Int {
        if position == order.count {
            order = Array(examples.indices)
            order.shuffle(using: &rng)
            position = 0
            epochs += 1
        }
        defer { position += 1 }
        return order[position]
    }

    mutating func next(_ count: Int) -> [Int] {
        (0..<count).map { _ in next() }
    }
}
