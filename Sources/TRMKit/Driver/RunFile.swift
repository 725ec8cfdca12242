/// `out/run.json` as the driver writes it (protocol 3): every field but `config` measured by TRMKit.
/// The evaluator decodes it once into its `RunRecord` (Sources/Evaluators/Candidate/RunRecord.swift).
struct RunFile {
    let summary: TRMDriver.Summary
    let budget: Budget
    /// The training op that would have crossed the budget: computed, never used, not in `train_flops`.
    let trainOverrun: Int64
    let trainOps: Int64, trainDense: Int64
    let evalMeter: FLOPMeter
    let largestStepFLOPs: Int64
    let trainSeconds: Double
    let curve: [CurvePoint]
    let config: [String: Double]

    var json: JSON {
        let probes = summary.probes
        return .object([
            "protocol": .int(3),
            "measured_by": .string("TRMKit driver: every field but config"),
            "train_budget": .int(budget.trainFLOPs),
            "train_flops": .int(summary.trainFLOPs),
            "train_overrun_flops": .int(trainOverrun),
            "train_ended_by": .string(summary.trainingEndedByBudget ? "budget" : "kernel"),
            "largest_step_flops": .int(largestStepFLOPs),
            "eval_budget": .int(budget.evalFLOPs),
            "eval_flops": .int(evalMeter.total),
            "eval_overrun_flops": .int(evalMeter.overrun),
            "eval_budget_exhausted": .bool(summary.evalBudgetExhausted),
            "train_ops": .int(trainOps),
            "eval_ops": .int(evalMeter.charges),
            "train_dense_flops": .int(trainDense),
            "eval_dense_flops": .int(evalMeter.denseFLOPs),
            "probe_flops": .int(probes.reduce(0) { $0 + $1.flops }),
            "probe_ops": .int(probes.reduce(0) { $0 + $1.ops }),
            "probe_dense_flops": .int(probes.reduce(0) { $0 + $1.denseFLOPs }),
            "parameters": .int(summary.parameters),
            "steps": .int(summary.steps),
            "readouts": .int(summary.readouts),
            "examples_drawn": .int(summary.examplesDrawn),
            "predictions": .int(summary.predictions),
            "wall_seconds": .double(summary.wallSeconds),
            "train_seconds": .double(trainSeconds),
            "curve": .array(curve.map { point in
                .object([
                    "step": .int(point.step), "flops": .int(point.flops), "loss": .double(point.loss),
                    "exact_accuracy": point.exactAccuracy.map { .double($0) } ?? .null, "examples": .int(point.examples),
                ])
            }),
            "probes": .array(probes.map { probe in
                .object([
                    "step": .int(probe.step), "train_flops": .int(probe.trainFLOPs), "examples": .int(probe.examples),
                    "answered": .int(probe.answered), "exact": .double(probe.exact),
                ])
            }),
            "config": .object(config.mapValues { .double($0) }),
        ])
    }
}
