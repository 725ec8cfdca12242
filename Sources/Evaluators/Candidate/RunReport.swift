import Foundation

/// A candidate's `out/run.json`, read with suspicion: the numbers TRMKit's driver measured, checked
/// against the budgets the evaluator gave, and apart from them what only the kernel can report.
///
/// The driver writes every field but `config` from counters a kernel cannot reach (the source policy
/// and TRMKit's access control keep them out of reach), but the file is still written inside the
/// candidate's process: anything inconsistent with the budgets the evaluator set is a `problem`.
///
/// ```swift
/// let report = RunReport(json: runJSON, trainBudget: 7.5e11, evalBudget: 1e11)
/// if let finding = report.finding { … }       // reject: the run did not follow the protocol
/// let descriptors = (report.parameters, report.reported["effective_depth"])
/// ```
public struct RunReport: Sendable {
    /// One point of the training curve, as the driver measured it.
    public struct CurvePoint: Sendable, Equatable {
        public var step: Int
        public var flops: Double
        public var loss: Double?
        /// Whole answers right over all supervision steps of the stretch.
        public var exactAccuracy: Double?
        /// Whole answers right at the examples' last training step (comparable to validation).
        public var answerAccuracy: Double?
    }

    public var trainFLOPs: Double
    public var evalFLOPs: Double
    public var largestStepFLOPs: Double
    public var parameters: Int
    public var steps: Int
    public var examplesDrawn: Int
    public var curve: [CurvePoint]
    /// What the kernel says about itself (`config`): labelled as reported, never measured.
    public var reported: [String: Double]
    /// Inconsistencies with the protocol or the budgets; empty for an honest run.
    public var problems: [String]

    public init(json: [String: Any], trainBudget: Double, evalBudget: Double) {
        func number(_ key: String) -> Double? { Self.double(json[key]) }
        trainFLOPs = number("train_flops") ?? 0
        evalFLOPs = number("eval_flops") ?? 0
        largestStepFLOPs = number("largest_step_flops") ?? 0
        parameters = Self.double(json["parameters"]).map { Int($0) } ?? 0
        steps = Self.double(json["steps"]).map { Int($0) } ?? 0
        examplesDrawn = Self.double(json["examples_drawn"]).map { Int($0) } ?? 0
        reported = ((json["config"] as? [String: Any]) ?? [:]).compactMapValues { Self.double($0) }
        curve = ((json["curve"] as? [[String: Any]]) ?? []).map { point in
            func value(_ key: String) -> Double? { Self.double(point[key]) }
            return CurvePoint(
                step: Self.double(point["step"]).map { Int($0) } ?? 0, flops: value("flops") ?? 0, loss: value("loss"),
                exactAccuracy: value("exact_accuracy"), answerAccuracy: value("answer_accuracy"))
        }

        var problems: [String] = []
        if Self.double(json["protocol"]) != 2 {
            problems.append("run.json does not come from this TRMKit driver (protocol 2)")
        }
        if let seen = number("train_budget"), abs(seen - trainBudget.rounded(.down)) > 1 {
            problems.append("the driver ran with a training budget of \(seen), not the \(trainBudget) it was given")
        }
        // The last optimiser step may cross the budget; a kernel cannot go further (the driver stops it).
        if trainFLOPs > trainBudget + 2 * largestStepFLOPs + 1 {
            problems.append(String(format: "%.3g training FLOPs against a budget of %.3g", trainFLOPs, trainBudget))
        }
        if evalFLOPs > 3 * evalBudget + 1 {
            problems.append(String(format: "%.3g prediction FLOPs against a budget of %.3g", evalFLOPs, evalBudget))
        }
        if steps == 0 { problems.append("no optimiser step") }
        self.problems = problems
    }

    /// A number from parsed JSON or from `CandidateOutput.runInfo` (which stores Swift `Int`/`Double`;
    /// on Linux those do not cast to `NSNumber`).
    static func double(_ value: Any?) -> Double? {
        switch value {
        case let number as Int: Double(number)
        case let number as Double: number
        case let number as NSNumber where String(cString: number.objCType) != "c": number.doubleValue
        default: nil
        }
    }

    /// The run cannot be scored as it stands.
    public var finding: IntegrityFinding? {
        problems.isEmpty ? nil : IntegrityFinding(check: "run-report", action: .reject, evidence: problems.joined(separator: "; "))
    }
}
