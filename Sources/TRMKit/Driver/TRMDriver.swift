import Foundation

/// The fixed (never evolved) driver of the candidate protocol (docs/candidate-protocol.md): read the
/// task, train the kernel until the training FLOP budget is spent, predict every eval input under the
/// eval budget with the EMA weights, write `out/predictions.jsonl` and `out/run.json`.
public enum TRMDriver {
    /// Entry point for a candidate program: runs in the work directory given as the first argument
    /// (default: the current directory) and exits non-zero with one line on stderr on failure.
    public static func main<K: TRMKernel>(_ kernel: K.Type) -> Never {
        let arguments = CommandLine.arguments
        let workDir = arguments.count > 1 ? arguments[1] : FileManager.default.currentDirectoryPath
        do {
            let summary = try run(K.self, workDir: workDir, progress: true)
            FileHandle.standardError.write(Data("done: \(summary.steps) steps, \(summary.trainFLOPs) train FLOPs, \(String(format: "%.1f", summary.wallSeconds)) s\n".utf8))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(2)
        }
    }

    /// What one run did, as written to `out/run.json`.
    public struct Summary: Sendable {
        public let steps: Int
        public let trainFLOPs: Int64
        public let evalFLOPs: Int64
        public let parameters: Int
        public let wallSeconds: Double
        public let predictions: Int
        public let evalBudgetExhausted: Bool
    }

    /// Runs the whole protocol in `workDir`. Throws `DriverError` on malformed input.
    public static func run<K: TRMKernel>(_ kernelType: K.Type, workDir: String, progress: Bool = false) throws -> Summary {
        let started = ContinuousClock.now
        #if canImport(Glibc)
        // Every op allocates its output; above glibc's default 128 KiB threshold each one would be a
        // fresh mmap (and page faults) freed by munmap. Keeping them on the heap cut system time ~3×.
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 1 << 30)
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 1 << 30)
        #endif
        let dir = URL(fileURLWithPath: workDir)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let task = try TaskFiles.readJSON(TaskInfo.self, at: path("data/task.json"))
        let budget = try TaskFiles.readJSON(Budget.self, at: path("budget.json"))
        guard task.vocabSize > 1, task.seqLen > 0, task.numPuzzleIds > 0 else {
            throw DriverError(message: "\(path("data/task.json")): vocab_size, seq_len and num_puzzle_ids must be positive")
        }
        let train = try TaskFiles.readExamples(at: path("data/train.jsonl"), task: task, needsLabel: true)
        let queries = try TaskFiles.readExamples(at: path("data/eval.jsonl"), task: task, needsLabel: false)

        var rng = SeededRNG(seed: budget.seed)
        var kernel = K(task: task, rng: &rng)
        let parameters = kernel.parameters
        let settings = kernel.settings
        let tape = Tape(meter: FLOPMeter(budget: budget.trainFLOPs))
        let trainer = Trainer(
            tape: tape,
            optimizer: AdamW(
                parameters: parameters, learningRate: settings.learningRate, betas: settings.betas,
                weightDecay: settings.weightDecay, warmupSteps: settings.warmupSteps),
            ema: EMA(parameters: parameters, decay: settings.emaDecay),
            rng: SeededRNG(seed: budget.seed ^ 0x5DEE_CE66_D1CE_4E5B))

        // Training: shuffled epochs of full batches until the budget is spent.
        let batchSize = max(1, min(settings.batchSize, train.count))
        var order = Array(train.indices)
        var lastReport = ContinuousClock.now
        training: while true {
            order.shuffle(using: &rng)
            for start in stride(from: 0, through: order.count - batchSize, by: batchSize) {
                if trainer.isOutOfBudget { break training }
                let batch = Batch(order[start..<(start + batchSize)].map { train[$0] }[...], seqLen: task.seqLen)
                let before = trainer.steps
                kernel.train(on: batch, trainer: trainer)
                guard trainer.steps > before || trainer.isOutOfBudget else {
                    throw DriverError(message: "kernel.train made no optimiser step on a batch; call trainer.step(loss:exactAccuracy:)")
                }
                if progress, ContinuousClock.now - lastReport > .seconds(10) {
                    lastReport = .now
                    let done = Double(tape.meter.total) / Double(max(budget.trainFLOPs, 1))
                    let last = trainer.curve.last
                    FileHandle.standardError.write(Data(String(
                        format: "train: %3.0f%% of budget, step %d, loss %.3f, exact %.3f\n",
                        100 * done, trainer.steps, last?.loss ?? .nan, last?.exactAccuracy ?? .nan).utf8))
                }
            }
        }
        trainer.flushCurve()
        let trainFLOPs = tape.meter.total
        let trainSeconds = seconds(since: started)

        // Prediction with the averaged weights, under its own budget.
        let evalTape = Tape(meter: FLOPMeter(budget: budget.evalFLOPs))
        var lines: [String] = []
        var exhausted = false
        trainer.ema.withAveragedWeights {
            evalTape.withoutGradients {
                for start in stride(from: 0, to: queries.count, by: batchSize) {
                    if evalTape.meter.isExhausted {
                        exhausted = true
                        break
                    }
                    let slice = queries[start..<min(start + batchSize, queries.count)]
                    let predicted = kernel.predict(Batch(slice, seqLen: task.seqLen), tape: evalTape)
                    for (offset, query) in slice.enumerated() {
                        let tokens = predicted[(offset * task.seqLen)..<((offset + 1) * task.seqLen)]
                        lines.append(jsonLine(["id": query.id!, "output": Array(tokens)]))
                    }
                }
            }
        }

        let wallSeconds = seconds(since: started)
        let parameterCount = parameters.reduce(0) { $0 + $1.count }
        let outDir = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: outDir.appendingPathComponent("predictions.jsonl"))
        let run: [String: Any] = [
            "train_flops": trainFLOPs,
            "eval_flops": evalTape.meter.total,
            "eval_budget_exhausted": exhausted,
            "parameters": parameterCount,
            "steps": trainer.steps,
            "wall_seconds": wallSeconds,
            "train_seconds": trainSeconds,
            "curve": trainer.curve.map {
                [
                    "step": $0.step, "flops": $0.flops, "loss": $0.loss.isFinite ? $0.loss as Any : NSNull(),
                    "exact_accuracy": $0.exactAccuracy,
                ] as [String: Any]
            },
            "config": kernel.report,
        ]
        try JSONSerialization.data(withJSONObject: run, options: [.sortedKeys, .prettyPrinted])
            .write(to: outDir.appendingPathComponent("run.json"))
        return Summary(
            steps: trainer.steps, trainFLOPs: trainFLOPs, evalFLOPs: evalTape.meter.total, parameters: parameterCount,
            wallSeconds: wallSeconds, predictions: lines.count, evalBudgetExhausted: exhausted)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    private static func jsonLine(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

#if canImport(Glibc)
/// glibc's `mallopt` (declared in <malloc.h>, which the Glibc module does not export).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
