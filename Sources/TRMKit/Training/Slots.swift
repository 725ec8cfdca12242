/// A fixed number of slots, each holding one training example across optimiser steps: TRM's code
/// trains this way. Every optimiser step is one supervision step over all slots; after it, a slot
/// whose example halted or used up its steps receives the stream's next example, and its carry must
/// start again from the initial state (`fresh`).
///
/// Which slots halted depends on the model's outputs, so the kernel sees it only as tensors
/// (`fresh`, `lastStep`) that it combines with metered ops such as `tape.select`.
///
/// ```swift
/// let slots = trainer.slots(64)
/// var y = initialY, z = initialZ
/// while !trainer.isOutOfBudget {
///     y = tape.select(slots.fresh, yInit, y)       // new examples start from the initial carry
///     z = tape.select(slots.fresh, zInit, z)
///     let out = supervisionStep(slots.batch, y, z)
///     trainer.step(loss: out.loss)
///     (y, z) = (tape.detach(out.y), tape.detach(out.z))
///     slots.refill(halting: out.qHalt, maxSteps: 16, exploration: 0.1)
/// }
/// ```
public final class Slots {
    /// How many slots (the batch size of every step).
    public let count: Int
    /// The examples in the slots now.
    public private(set) var batch: Batch
    /// [count]: 1 for a slot whose example arrived at the last refill (or at creation), else 0.
    public private(set) var fresh: Tensor
    /// The stream index of each slot's example.
    package private(set) var examples: [Int]
    /// Supervision steps each slot's example has completed.
    package private(set) var stepsTaken: [Int]
    private unowned let trainer: Trainer

    init(trainer: Trainer, examples: [Int]) {
        self.trainer = trainer
        count = examples.count
        self.examples = examples
        stepsTaken = Array(repeating: 0, count: examples.count)
        batch = trainer.batch(examples)
        fresh = Tensor(repeating: 1, shape: [examples.count])
    }

    /// [count]: 1 for a slot whose current step is its example's `maxSteps`-th (its last), else 0.
    public func lastStep(_ maxSteps: Int) -> Tensor {
        trainer.checkOpen("slots.lastStep")
        return Tensor(shape: [count], data: stepsTaken.map { $0 + 1 >= maxSteps ? 1 : 0 })
    }

    /// Ends a supervision step. Each slot's example has taken one more step; it leaves when its step
    /// count reaches `maxSteps` or `halting` is positive for it (a readout: at most once per optimiser
    /// step, counted in run.json, see `Trainer.allHalted`), except that with probability
    /// `exploration` (drawn per slot and step from `trainer.rng`) a minimum of 2…`maxSteps` steps
    /// holds it (TRM's exploration). Leaving slots get the stream's next examples.
    public func refill(halting: Tensor, maxSteps: Int, exploration: Float = 0) {
        trainer.readout("slots.refill", values: halting.count)
        precondition(halting.count == count, "slots.refill: halting has \(halting.count) values for \(count) slots")
        precondition(maxSteps >= 1, "slots.refill: maxSteps must be at least 1, got \(maxSteps)")
        trainer.tape.charge(forward: FLOPCost.elementwise(count))
        var arrived = [Float](repeating: 0, count: count)
        var leaving: [Int] = []
        for slot in 0..<count {
            stepsTaken[slot] += 1
            var halted = stepsTaken[slot] >= maxSteps || halting.data[slot] > 0
            if exploration > 0 && maxSteps >= 2 && trainer.rng.uniform() < exploration {
                let minimum = 2 + Int(trainer.rng.next() % UInt64(maxSteps - 1))
                halted = halted && stepsTaken[slot] >= minimum
            }
            if halted { leaving.append(slot) }
        }
        for (slot, example) in zip(leaving, trainer.draw(leaving.count)) {
            examples[slot] = example
            stepsTaken[slot] = 0
            arrived[slot] = 1
        }
        fresh = Tensor(shape: [count], data: arrived)
        if !leaving.isEmpty { batch = trainer.batch(examples) }
    }
}

extension Slots: CustomStringConvertible, CustomReflectable {
    public var description: String { "Slots(\(count))" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
