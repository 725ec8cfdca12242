import Testing
@testable import TRMKit

/// The carry scheme (issue 17): a slot keeps its example and its carry across optimiser steps until
/// the example halts or uses up its steps; then it gets a new example and a fresh carry.
@Suite struct SlotsTests {
    static let task = TaskInfo(vocabSize: 6, seqLen: 5)

    /// 40 distinct examples (label = input + 1), so a slot's example is identified by its index.
    static func examples() -> [Example] {
        var rng = SeededRNG(seed: 5)
        var seen = Set<[Int]>()
        var out: [Example] = []
        while out.count < 40 {
            let input = (0..<5).map { _ in Int(rng.next() % 5) }
            if seen.insert(input).inserted { out.append(Example(input: input, label: input.map { $0 + 1 })) }
        }
        return out
    }

    static func trainer(for kernel: some TRMKernel, budget: Int64, examples: [Example]) -> Trainer {
        let parameters = kernel.parameters
        return Trainer(
            tape: Tape(meter: FLOPMeter(budget: budget)),
            optimizer: AdamW(parameters: parameters, learningRate: 0.01),
            ema: EMA(parameters: parameters, decay: 0.9),
            stream: TrainingStream(examples: examples, rng: SeededRNG(seed: 9)), seqLen: 5, rng: SeededRNG(seed: 10))
    }

    /// One real optimiser step on the slots' batch: a readout (`refill`) is allowed once per step.
    static func step(_ kernel: CarryEchoKernel, _ trainer: Trainer, _ slots: Slots) {
        trainer.step(loss: trainer.tape.softmaxCrossEntropy(kernel.logits(slots.batch, trainer.tape), labels: slots.batch.labels!))
    }

    struct Snapshot {
        var examples: [Int]
        var stepsTaken: [Int]
        var carry: [Float]
    }

    @Test func aCarriedExampleKeepsItsCarryUntilItHaltsThenItsSlotRefillsWithAFreshCarry() {
        let examples = Self.examples()
        var rng = SeededRNG(seed: 1)
        var kernel = CarryEchoKernel(task: Self.task, rng: &rng)
        var log: [Snapshot] = []
        kernel.observe = { carry, slots in log.append(Snapshot(examples: slots.examples, stepsTaken: slots.stepsTaken, carry: carry.data)) }
        let trainer = Self.trainer(for: kernel, budget: 400_000, examples: examples)
        kernel.train(trainer)
        #expect(log.count == trainer.steps && log.count > 20)

        // The kernel's halting rule: an example halts after one step when its first input token is below
        // 3; otherwise it stays for maxSteps = 3 steps.
        func halts(_ example: Int, afterStep taken: Int) -> Bool { examples[example].input[0] < 3 || taken >= 3 }
        var refills = 0, carries = 0
        for (before, after) in zip(log, log.dropFirst()) {
            for slot in 0..<4 {
                // `before` was observed after a step, before the refill: its example has taken stepsTaken + 1 steps.
                let taken = before.stepsTaken[slot] + 1
                #expect(before.carry[slot] == Float(taken), "the carry counts the steps this example has taken")
                if halts(before.examples[slot], afterStep: taken) {
                    refills += 1
                    #expect(after.examples[slot] != before.examples[slot], "a halted slot gets a new example")
                    #expect(after.carry[slot] == 1, "a new example starts from the initial carry (0), then takes one step")
                    #expect(after.stepsTaken[slot] == 0)
                } else {
                    carries += 1
                    #expect(after.examples[slot] == before.examples[slot], "an example that has not halted stays")
                    #expect(after.carry[slot] == before.carry[slot] + 1, "its carry is carried into the next step")
                }
            }
        }
        #expect(refills > 10 && carries > 10)
        // New examples come from the stream: its first epoch is a permutation of the training set.
        var arrivals = log[0].examples
        for (before, after) in zip(log, log.dropFirst()) {
            for slot in 0..<4 where after.examples[slot] != before.examples[slot] { arrivals.append(after.examples[slot]) }
        }
        #expect(arrivals.count >= 40)
        #expect(Set(arrivals.prefix(40)) == Set(0..<40))
    }

    @Test func explorationHoldsSomeExamplesPastTheirHalt() {
        let examples = Self.examples()
        var rng = SeededRNG(seed: 1)
        let kernel = CarryEchoKernel(task: Self.task, rng: &rng)
        let trainer = Self.trainer(for: kernel, budget: 100_000_000, examples: examples)
        let slots = trainer.slots(4)
        var held = 0
        for _ in 0..<400 {
            Self.step(kernel, trainer, slots)
            let before = slots.examples
            let halting = Tensor(repeating: 1, shape: [4])  // every example asks to halt
            slots.refill(halting: halting, maxSteps: 4, exploration: 0.5)
            held += zip(before, slots.examples).filter { $0 == $1 }.count
        }
        // With probability 0.5 a minimum of 2…4 steps holds an example for at least one more step.
        #expect(held > 200 && held < 1200, "\(held)")
    }

    @Test func lastStepMarksSlotsAtTheirFinalStep() {
        var rng = SeededRNG(seed: 1)
        let kernel = CarryEchoKernel(task: Self.task, rng: &rng)
        let trainer = Self.trainer(for: kernel, budget: 1_000_000, examples: Self.examples())
        let slots = trainer.slots(2)
        #expect(slots.lastStep(2).data == [0, 0])
        #expect(slots.fresh.data == [1, 1])
        Self.step(kernel, trainer, slots)
        slots.refill(halting: Tensor(shape: [2], data: [-1, 1]), maxSteps: 2)
        #expect(slots.fresh.data == [0, 1])
        #expect(slots.lastStep(2).data == [1, 0])
    }
}
