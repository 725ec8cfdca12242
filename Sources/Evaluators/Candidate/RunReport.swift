import Foundation

/// A candidate's `out/run.json`, read with suspicion: the numbers TRMKit's driver measured, checked
/// against the budgets the evaluator gave, and apart from them what only the kernel can report.
///
/// The driver writes every field but `config` from counters a kernel cannot reach (the source policy
/// and TRMKit's access control keep them out of reach), but the file is still written inside the
/// candidate's process: anything inconsistent with the budgets the evaluator set is a `problem`.
///
/// ```swift
/// let report = RunReport(record: record, trainBudget: 7.5e11, evalBudget: 1e11)
/// if let finding = report.finding { … }       // reject: the run did not follow the protocol
/// let descriptors = (report.record.parameters, report.record.config["effective_depth"])
/// ```
public struct RunReport: Sendable {
    /// The driver's protocol version this evaluator reads.
    public static let protocolVersion = 3

    public var record: RunRecord
    /// Inconsistencies with the protocol or the budgets; empty for an honest run.
    public var problems: [String]

    public var trainFLOPs: Double { record.trainFLOPs }
    public var evalFLOPs: Double { record.evalFLOPs }
    public var parameters: Int { record.parameters }
    /// What the kernel says about itself (`config`): labelled as reported, never measured.
    public var reported: [String: Double] { record.config }

    public init(record: RunRecord, trainBudget: Double, evalBudget: Double) {
        self.record = record
        var problems: [String] = []
        if record.protocolVersion != Self.protocolVersion {
            problems.append("run.json does not come from this TRMKit driver (protocol \(Self.protocolVersion))")
        }
        if let seen = record.trainBudget, abs(seen - trainBudget.rounded(.down)) > 1 {
            problems.append("the driver ran with a training budget of \(seen), not the \(trainBudget) it was given")
        }
        // The op that would cross a budget ends its phase and is not counted: no allowance past either.
        if record.trainFLOPs > trainBudget.rounded(.down) + 1 {
            problems.append(String(format: "%.3g training FLOPs against a budget of %.3g", record.trainFLOPs, trainBudget))
        }
        if record.evalFLOPs > evalBudget.rounded(.down) + 1 {
            problems.append(String(format: "%.3g prediction FLOPs against a budget of %.3g", record.evalFLOPs, evalBudget))
        }
        if record.steps == 0 { problems.append("no optimiser step") }
        if record.readouts > record.steps {
            problems.append("\(record.readouts) readouts in \(record.steps) optimiser steps (at most one per step)")
        }
        self.problems = problems
    }

    /// The run cannot be scored as it stands.
    public var finding: IntegrityFinding? {
        problems.isEmpty ? nil : IntegrityFinding(check: "run-report", action: .reject, evidence: problems.joined(separator: "; "))
    }
}
