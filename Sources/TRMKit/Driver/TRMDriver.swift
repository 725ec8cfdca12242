#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fixed (never evolved) driver of the candidate protocol (docs/candidate-protocol.md): read the
/// task, let the kernel train until the training FLOP budget is spent, predict every eval input under
/// the eval budget with the EMA weights, write `out/predictions.jsonl` and `out/run.json`.
///
/// Everything in `run.json` except `config` is measured here, from counters the kernel cannot reach.
public enum TRMDriver {
    /// Entry point for a candidate program: runs in the work directory given as the first argument
    /// (default: the current directory) and exits non-zero with one line on stderr on failure.
    public static func main<K: TRMKernel>(_ kernel: K.Type) -> Never {
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
    }

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
        var kernel = K(task: task, rng: &rng)
        // A tensor listed twice would get two updates per step: the optimiser sees each once.
        var seen = Set<ObjectIdentifier>()
        let parameters = kernel.parameters.filter { seen.insert(ObjectIdentifier($0)).inserted }
        let settings = kernel.settings
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

        kernel.train(trainer)
        trainer.finish()
        tape.reset()
        guard trainer.steps > 0 else {
            throw DriverError(message: "kernel.train returned without an optimiser step; call trainer.step(loss:) until trainer.isOutOfBudget")
        }
        let trainFLOPs = meter.total
        let trainOps = meter.charges, trainDense = meter.denseFLOPs
        let trainSeconds = seconds(since: started)
        if progress {
            let last = trainer.curve.last
            say("train: \(trainer.steps) steps, \(trainer.examplesDrawn) examples, loss \(fixed(last?.loss ?? .nan, 3)), exact \(fixed(last?.exactAccuracy ?? .nan, 3))")
        }

        // Prediction with the averaged weights, under its own budget, on the same meter: work a kernel
        // saved for later is still counted.
        meter.budget = trainFLOPs + budget.evalFLOPs
        meter.hardLimit = nil
        meter.limitMessage = "kernel.predict kept computing long after the eval budget was spent"
        var largestBatchFLOPs: Int64 = 0
        tape.stopRecording()
        var lines: [String] = []
        var exhausted = false
        let batchSize = max(1, settings.predictionBatchSize)
        try trainer.ema.withAveragedWeights {
            for start in stride(from: 0, to: queries.count, by: batchSize) {
                if meter.isExhausted {
                    exhausted = true
                    break
                }
                let indices = Array(start..<min(start + batchSize, queries.count))
                let before = meter.total
                let logits = kernel.predict(Batch(queries, indices: indices, seqLen: task.seqLen, withLabels: false), tape: tape)
                largestBatchFLOPs = max(largestBatchFLOPs, meter.total - before)
                meter.hardLimit = trainFLOPs + 2 * budget.evalFLOPs + 2 * largestBatchFLOPs
                let rows = indices.count * task.seqLen
                guard logits.shape.last == task.vocabSize, logits.count == rows * task.vocabSize || logits.count == 2 * rows * task.vocabSize else {
                    throw DriverError(message: "kernel.predict returned logits of shape \(logits.shape); expected [\(rows), \(task.vocabSize)] (batch × seq_len rows, vocab_size columns), or [2, \(rows), \(task.vocabSize)] for two attempts")
                }
                let answers = logits.argmaxLastAxis()
                for (offset, index) in indices.enumerated() {
                    func attempt(_ a: Int) -> JSON {
                        .array(answers[(a * rows + offset * task.seqLen)..<(a * rows + (offset + 1) * task.seqLen)].map { JSON.int($0) })
                    }
                    let answer: (String, JSON) = answers.count == rows ? ("output", attempt(0)) : ("attempts", .array([attempt(0), attempt(1)]))
                    lines.append(JSON.object(["id": .string(queries[index].id!), answer.0: answer.1]).serialized())
                }
            }
        }
        let evalFLOPs = meter.total - trainFLOPs
        let evalOps = meter.charges - trainOps, evalDense = meter.denseFLOPs - trainDense

        let wallSeconds = seconds(since: started)
        let parameterCount = parameters.reduce(0) { $0 + $1.count }
        try TaskFiles.makeDirectory(path("out"))
        try TaskFiles.write(lines.joined(separator: "\n") + "\n", to: path("out/predictions.jsonl"))
        let run: JSON = .object([
            "protocol": .int(2),
            "measured_by": .string("TRMKit driver: every field but config"),
            "train_budget": .int(budget.trainFLOPs),
            "train_flops": .int(trainFLOPs),
            "largest_step_flops": .int(trainer.largestStepFLOPs),
            "eval_budget": .int(budget.evalFLOPs),
            "eval_flops": .int(evalFLOPs),
            "eval_budget_exhausted": .bool(exhausted),
            "train_ops": .int(trainOps),
            "eval_ops": .int(evalOps),
            "train_dense_flops": .int(trainDense),
            "eval_dense_flops": .int(evalDense),
            "parameters": .int(parameterCount),
            "steps": .int(trainer.steps),
            "examples_drawn": .int(trainer.examplesDrawn),
            "wall_seconds": .double(wallSeconds),
            "train_seconds": .double(trainSeconds),
            "curve": .array(trainer.curve.map { point in
                .object([
                    "step": .int(point.step), "flops": .int(point.flops), "loss": .double(point.loss),
                    "exact_accuracy": point.exactAccuracy.map { .double($0) } ?? .null,
                    "answer_accuracy": point.answerAccuracy.map { .double($0) } ?? .null, "examples": .int(point.examples),
                ])
            }),
            "config": .object(kernel.report.mapValues { .double($0) }),
        ])
        try TaskFiles.write(run.serialized(pretty: true) + "\n", to: path("out/run.json"))
        return Summary(
            steps: trainer.steps, trainFLOPs: trainFLOPs, evalFLOPs: evalFLOPs, parameters: parameterCount,
            examplesDrawn: trainer.examplesDrawn, wallSeconds: wallSeconds, predictions: lines.count, evalBudgetExhausted: exhausted)
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
