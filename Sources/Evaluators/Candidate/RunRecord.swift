import Foundation

/// A candidate's `out/run.json`, decoded once into checked numbers: the one reading of the file that
/// `RunReport`, `ComputeUsage` and the artifacts' curve summary share.
///
/// The file is written inside the candidate's process, so every value is checked here: finite,
/// non-negative numbers (a missing or malformed number reads as 0 and `RunReport` judges the rest), at
/// most 64 curve points and 16 probes, at most 32 `config` entries with short plain names (they become
/// metrics and feature descriptors). The field names are those of TRMKit's `RunFile` (protocol 3).
///
/// ```swift
/// switch CandidateOutput(workDir: dir, owner: uid).runRecord() {
/// case .success(let record): print(record.trainFLOPs, record.finalProbeExact ?? 0)
/// case .failure(let problem): print(problem)
/// }
/// ```
public struct RunRecord: Sendable, Equatable, Decodable {
    /// One point of the training curve (the training path's own figures).
    public struct CurvePoint: Sendable, Equatable {
        public var step: Int
        public var flops: Double
        public var loss: Double?
        /// Whole answers right over all supervision steps of the stretch (mid-recursion included).
        public var exactAccuracy: Double?
    }

    /// A probe of the kernel's `predict` on a fixed sample of training examples, scored by the driver.
    public struct Probe: Sendable, Equatable {
        public var step: Int
        public var trainFLOPs: Double
        public var examples: Int
        public var answered: Int
        public var exact: Double
    }

    public var protocolVersion: Int?
    public var trainBudget: Double?
    public var evalBudget: Double?
    public var trainFLOPs: Double = 0
    /// The op that would have crossed the training budget: computed (CPU spent), its result never used.
    public var trainOverrunFLOPs: Double = 0
    public var evalFLOPs: Double = 0
    public var evalOverrunFLOPs: Double = 0
    public var probeFLOPs: Double = 0
    public var trainOps: Double = 0, evalOps: Double = 0, probeOps: Double = 0
    public var trainDenseFLOPs: Double = 0, evalDenseFLOPs: Double = 0, probeDenseFLOPs: Double = 0
    public var largestStepFLOPs: Double = 0
    public var parameters = 0
    public var steps = 0
    public var readouts = 0
    public var examplesDrawn = 0
    public var curve: [CurvePoint] = []
    public var probes: [Probe] = []
    /// What the kernel says about itself: labelled as reported, never measured.
    public var config: [String: Double] = [:]

    /// The last probe's exact accuracy: the training-side figure comparable to validation.
    public var finalProbeExact: Double? { probes.last?.exact }

    public init() {}

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        func number(_ container: KeyedDecodingContainer<Key>, _ key: String) -> Double? {
            guard let value = try? container.decodeIfPresent(Double.self, forKey: Key(key)), value.isFinite else { return nil }
            return value
        }
        func amount(_ key: String) -> Double { max(0, number(c, key) ?? 0) }
        func count(_ container: KeyedDecodingContainer<Key>, _ key: String) -> Int? {
            guard let value = number(container, key), value >= 0, value < 1e15 else { return nil }
            return Int(value)
        }
        protocolVersion = count(c, "protocol")
        trainBudget = number(c, "train_budget")
        evalBudget = number(c, "eval_budget")
        trainFLOPs = amount("train_flops")
        trainOverrunFLOPs = amount("train_overrun_flops")
        evalFLOPs = amount("eval_flops")
        evalOverrunFLOPs = amount("eval_overrun_flops")
        probeFLOPs = amount("probe_flops")
        trainOps = amount("train_ops")
        evalOps = amount("eval_ops")
        probeOps = amount("probe_ops")
        trainDenseFLOPs = amount("train_dense_flops")
        evalDenseFLOPs = amount("eval_dense_flops")
        probeDenseFLOPs = amount("probe_dense_flops")
        largestStepFLOPs = amount("largest_step_flops")
        parameters = count(c, "parameters") ?? 0
        steps = count(c, "steps") ?? 0
        readouts = count(c, "readouts") ?? 0
        examplesDrawn = count(c, "examples_drawn") ?? 0
        if var points = try? c.nestedUnkeyedContainer(forKey: Key("curve")) {
            var all: [CurvePoint] = []
            while !points.isAtEnd, all.count < 100_000, let point = try? points.nestedContainer(keyedBy: Key.self) {
                all.append(CurvePoint(
                    step: count(point, "step") ?? 0, flops: max(0, number(point, "flops") ?? 0), loss: number(point, "loss"),
                    exactAccuracy: number(point, "exact_accuracy")))
            }
            curve = all.count <= 64 ? all : (0..<64).map { all[$0 * (all.count - 1) / 63] }
        }
        if var points = try? c.nestedUnkeyedContainer(forKey: Key("probes")) {
            while !points.isAtEnd, probes.count < 16, let point = try? points.nestedContainer(keyedBy: Key.self) {
                probes.append(Probe(
                    step: count(point, "step") ?? 0, trainFLOPs: max(0, number(point, "train_flops") ?? 0),
                    examples: count(point, "examples") ?? 0, answered: count(point, "answered") ?? 0,
                    exact: min(1, max(0, number(point, "exact") ?? 0))))
            }
        }
        if let entries = try? c.nestedContainer(keyedBy: Key.self, forKey: Key("config")) {
            for key in entries.allKeys.map(\.stringValue).sorted() where config.count < 32 && Self.isPlainName(key) {
                config[key] = number(entries, key)
            }
        }
    }

    /// 1–40 ASCII letters, digits, underscores, hyphens or dots.
    static func isPlainName(_ key: String) -> Bool {
        (1...40).contains(key.utf8.count) && key.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }

    /// The training curve in a few numbers, for the artifacts: loss and training exact accuracy at a
    /// few points, and the probes' exact accuracy.
    public var curveSummary: String {
        guard !curve.isEmpty else { return "no training curve" }
        let picks = Set([0, curve.count / 3, 2 * curve.count / 3, curve.count - 1])
        let points = picks.sorted().map { i -> String in
            let p = curve[i]
            return String(format: "step %d loss %.3f exact %.2f", p.step, p.loss ?? .nan, p.exactAccuracy ?? 0)
        }
        let probeLine = probes.isEmpty ? "" : "; probes (predict on training examples): " + probes.map { String(format: "%.2f", $0.exact) }.joined(separator: " → ")
        return "curve: " + points.joined(separator: " → ") + probeLine
    }
}

extension CandidateOutput {
    /// The most `out/run.json` may hold.
    static let maxRunJSONBytes = 1 << 20

    /// `out/run.json` decoded into a `RunRecord`, or why it could not be (refused or malformed file).
    func runRecord() -> Result<RunRecord, RunRecordProblem> {
        switch read("run.json", maxBytes: Self.maxRunJSONBytes) {
        case .failure(let refusal): return .failure(RunRecordProblem(description: refusal.description))
        case .success(let data):
            guard let record = try? JSONDecoder().decode(RunRecord.self, from: data) else {
                return .failure(RunRecordProblem(description: "out/run.json is not a JSON object"))
            }
            return .success(record)
        }
    }
}

/// Why a run's `out/run.json` could not be read, in one line.
struct RunRecordProblem: Error, CustomStringConvertible {
    let description: String
}
