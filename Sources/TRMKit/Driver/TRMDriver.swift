#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fixed (never evolved) driver of the candidate protocol (docs/candidate-protocol.md): read the
/// task, let the kernel train until the training FLOP budget is spent, probe its `predict` on a fixed
/// sample of training examples at a few checkpoints, predict every eval input under the eval budget
/// with the EMA weights, write `out/predictions.jsonl` and `out/run.json`.
///
/// Everything in `run.json` except `config` is measured here, from counters the kernel cannot reach.
public enum TRMDriver {
    /// Set by the first entry: the driver runs once per process.
    nonisolated(unsafe) private static var entered = false

    /// Entry point for a candidate program: runs in the work directory given as the first argument
    /// (default: the current directory) and exits non-zero with one line on stderr on failure.
    ///
    /// Once per process: a second entry (from `train` or `predict`) would give a kernel a second
    /// training budget on the same weights, or an open trainer inside prediction, so it ends the run
    /// (exit 3).
    public static func main<K: TRMKernel>(_ kernel: K.Type) -> Never {
        if entered {
            stopRun("TRMDriver.main was entered a second time; a program calls it once, from its @main entry point")
        }
        entered = true
        let arguments = CommandLine.arguments
        let workDir = arguments.count > 1 ? arguments[1] : currentDirectory()
        do {
            let summary = try run(K.self, workDir: workDir, progress: true)
            say("done: \(summary.steps) steps, \(summary.trainFLOPs) train FLOPs, \(fixed(summary.wallSeconds, 1)) s")
            exit(0)
        } catch {
            say("error: \(error)")
            exit(2)
        }
    }

    /// What one run did, as written to `out/run.json`.
    package struct Summary: Sendable {
        package let steps: Int
        package let trainFLOPs: Int64
        package let evalFLOPs: Int64
        package let parameters: Int
        package let examplesDrawn: Int
        package let wallSeconds: Double
        package let predictions: Int
        package let evalBudgetExhausted: Bool
        /// Whether an op crossing the training budget ended training (false: `train` returned).
        package let trainingEndedByBudget: Bool
        package let readouts: Int
        package let probes: [Probe]
    }

    /// Training checkpoints at which the driver probes `predict`, as fractions of the budget; the last
    /// probe runs after training.
    static let checkpointFractions: [Int64] = [1, 2, 3]
    /// How many training examples each probe answers.
    static let probeExamples = 32

    /// Runs the whole protocol in `workDir`. Throws `DriverError` on malformed input or a kernel
    /// that breaks the protocol in a way the driver can report (no optimiser step, logits of the
    /// wrong shape).
    package static func run<K: TRMKernel>(_ kernelType: K.Type, workDir: String, progress: Bool = false) throws -> Summary {
        let started = ContinuousClock.now
        #if canImport(Glibc)
        // Every op allocates its output; above glibc's default 128 KiB threshold each one would be a
        // fresh mmap (and page faults) freed by munmap. Keeping them on the heap cut system time ~3×.
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 1 << 30)
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 1 << 30)
        // Each phase runs on its own thread (`MeteredPhase`), one at a time: one arena keeps their
        // allocations on the same warm heap instead of a fresh mmap'd arena per thread.
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 1)
        #endif
        func path(_ name: String) -> String { workDir + "/" + name }
        let task = try TaskFiles.readTask(at: path("data/task.json"))
        let budget = try TaskFiles.readBudget(at: path("budget.json"))
        guard task.vocabSize > 1, task.seqLen > 0, task.numPuzzleIds > 0 else {
            throw DriverError(message: "\(path("data/task.json")): vocab_size, seq_len and num_puzzle_ids must be positive")
        }
        let train = try TaskFiles.readExamples(at: path("data/train.jsonl"), task: task, needsLabel: true)
        let queries = try TaskFiles.readExamples(at: path("data/eval.jsonl"), task: task, needsLabel: false)

        var rng = SeededRNG(seed: budget.seed)
        // The kernel as built: every phase (training, each probe, prediction) works on its own copy,
        // so a phase that ends mid-op leaves nothing half-mutated for the next. The copies share the
        // weights (tensors are objects); value-type state set in `train` does not reach `predict`.
        let kernel = K(task: task, rng: &rng)
        // A tensor listed twice would get two updates per step: the optimiser sees each once.
        var seen = Set<ObjectIdentifier>()
        let parameters = kernel.parameters.filter { seen.insert(ObjectIdentifier($0)).inserted }
        let settings = kernel.settings
        let batchSize = max(1, settings.predictionBatchSize)
        let meter = FLOPMeter(budget: budget.trainFLOPs)
        let tape = Tape(meter: meter)
        let trainer = Trainer(
            tape: tape,
            optimizer: AdamW(
                parameters: parameters, learningRate: settings.learningRate, betas: settings.betas,
                weightDecay: settings.weightDecay, warmupSteps: settings.warmupSteps),
            ema: EMA(parameters: parameters, decay: settings.emaDecay),
            stream: TrainingStream(examples: train, rng: rng), seqLen: task.seqLen,
            rng: SeededRNG(seed: budget.seed ^ 0x5DEE_CE66_D1CE_4E5B))

        // The training curve that validation is compared with: the kernel's own `predict`, with the EMA
        // weights, on a fixed sample of training examples drawn as the queries are (no symmetric
        // copies), metered on a budget of its own.
        let sample = Probe.sample(from: train, take: probeExamples, seed: budget.seed)
        let probeBudget = Probe.budget(evalFLOPs: budget.evalFLOPs, queries: queries.count, sample: sample.count)
        var probes: [Probe] = []
        func probe() {
            let closed = meter.closedMessage
            meter.closedMessage = "an op ran on the training tape inside predict while the driver probed the training curve"
            defer { meter.closedMessage = closed }
            let probeMeter = FLOPMeter(budget: probeBudget)
            let answers = trainer.ema.withAveragedWeights {
                Answering.answer(kernel, examples: train, indices: sample, task: task, batchSize: batchSize, meter: probeMeter)
            }
            probes.append(Probe(
                step: trainer.steps, trainFLOPs: meter.total, examples: sample.count, answered: answers.attempts.count,
                right: zip(sample, answers.attempts).filter { index, attempts in attempts.contains(train[index].label!) }.count,
                flops: probeMeter.total + probeMeter.overrun, ops: probeMeter.charges, denseFLOPs: probeMeter.denseFLOPs))
        }
        trainer.checkpoints = checkpointFractions.map { budget.trainFLOPs / 4 * $0 }
        trainer.onCheckpoint = probe

        let trainingReturned = MeteredPhase.run(meter: meter) {
            var trained = kernel
            trained.train(trainer)
        }
        meter.closedMessage = "an op ran on the training tape after training ended (a kernel may use trainer.tape only inside train)"
        trainer.finish()
        tape.reset()
        // A kernel that returns without training breaks the protocol. One whose first step would cross
        // the budget (a small first-stage budget, a large step) predicts with its initial weights:
        // the budget ended it, not the kernel, and run.json shows 0 steps.
        guard trainer.steps > 0 || !trainingReturned else {
            throw DriverError(message: "kernel.train returned without an optimiser step; call trainer.step(loss:) until trainer.isOutOfBudget")
        }
        let trainFLOPs = meter.total
        let trainOps = meter.charges, trainDense = meter.denseFLOPs
        let trainSeconds = seconds(since: started)
        probe()
        if progress {
            let last = trainer.curve.last
            say("train: \(trainer.steps) steps, \(trainer.examplesDrawn) examples, loss \(fixed(last?.loss ?? .nan, 3)), probe exact \(fixed(probes.last?.exact ?? .nan, 3))\(trainingReturned ? "" : " (ended by the budget)")")
        }

        // Prediction with the averaged weights, under its own budget: the op that would cross it ends
        // prediction, and the queries not answered by then score 0.
        let evalMeter = FLOPMeter(budget: budget.evalFLOPs)
        let answers = trainer.ema.withAveragedWeights {
            Answering.answer(kernel, examples: queries, indices: Array(queries.indices), task: task, batchSize: batchSize, meter: evalMeter)
        }
        if let failure = answers.failure { throw DriverError(message: failure) }
        let lines = zip(queries, answers.attempts).map { query, attempts in
            let answer: (String, JSON) = attempts.count == 1
                ? ("output", .array(attempts[0].map { JSON.int($0) }))
                : ("attempts", .array(attempts.map { .array($0.map { JSON.int($0) }) }))
            return JSON.object(["id": .string(query.id!), answer.0: answer.1]).serialized()
        }

        let wallSeconds = seconds(since: started)
        let parameterCount = parameters.reduce(0) { $0 + $1.count }
        try TaskFiles.makeDirectory(path("out"))
        try TaskFiles.write(lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n"), to: path("out/predictions.jsonl"))
        let summary = Summary(
            steps: trainer.steps, trainFLOPs: trainFLOPs, evalFLOPs: evalMeter.total, parameters: parameterCount,
            examplesDrawn: trainer.examplesDrawn, wallSeconds: wallSeconds, predictions: lines.count, evalBudgetExhausted: !answers.completed,
            trainingEndedByBudget: !trainingReturned, readouts: trainer.readouts, probes: probes)
        let run = RunFile(
            summary: summary, budget: budget, trainOverrun: meter.overrun, trainOps: trainOps, trainDense: trainDense,
            evalMeter: evalMeter, largestStepFLOPs: trainer.largestStepFLOPs, trainSeconds: trainSeconds,
            curve: trainer.curve, config: kernel.report)
        try TaskFiles.write(run.json.serialized(pretty: true) + "\n", to: path("out/run.json"))
        return summary
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    private static func currentDirectory() -> String {
        guard let pointer = getcwd(nil, 0) else { return "." }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}

/// One line on stderr.
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Ends the run at once with one line on stderr: the kernel broke the protocol, and what it did must
/// not be scored.
func stopRun(_ message: String) -> Never {
    say("error: \(message)")
    exit(3)
}

/// `x` with `digits` decimals ("nan" for NaN), without Foundation's String(format:).
func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    let whole = Int(scaled / scale), fraction = Int(scaled - Double(whole) * scale)
    let fractionText = String(fraction)
    let sign = x < 0 && scaled > 0 ? "-" : ""
    return digits == 0
        ? sign + String(whole)
        : sign + String(whole) + "." + String(repeating: "0", count: max(0, digits - fractionText.count)) + fractionText
}

#if canImport(Glibc)
/// glibc's `mallopt` (declared in <malloc.h>, which the Glibc module does not export).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
