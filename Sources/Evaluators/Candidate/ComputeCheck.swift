import Foundation

/// The metered work of one sandboxed run, as TRMKit's driver counted it (run.json), with the CPU seconds
/// the sandbox measured for the run's process (compiling is a separate process, never included).
public struct ComputeUsage: Sendable, Equatable, Codable {
    /// Every metered FLOP: training, the driver's probes and prediction, with the ops that crossed a
    /// budget (computed, their results never used).
    public var flops: Double
    /// The part of `flops` charged by matrix products (`matmul`, `bmm`).
    public var denseFLOPs: Double
    /// Meter charges: about one per op invocation, forward and backward, plus one per parameter update.
    public var ops: Double

    public init(flops: Double, denseFLOPs: Double = 0, ops: Double = 0) {
        self.flops = flops
        self.denseFLOPs = denseFLOPs
        self.ops = ops
    }

    /// The usage of a run from its `run.json`.
    public init(record: RunRecord) {
        flops = record.trainFLOPs + record.trainOverrunFLOPs + record.probeFLOPs + record.evalFLOPs + record.evalOverrunFLOPs
        denseFLOPs = min(flops, record.trainDenseFLOPs + record.probeDenseFLOPs + record.evalDenseFLOPs)
        ops = record.trainOps + record.probeOps + record.evalOps
    }

    /// FLOPs not charged by matrix products: elementwise ops, reductions, data movement.
    public var otherFLOPs: Double { max(0, flops - denseFLOPs) }
}

/// How many CPU seconds honest, metered work costs on this machine:
///
///     cpu ≈ overhead + secondsPerFLOP · other FLOPs + secondsPerDenseFLOP · dense FLOPs + secondsPerOp · ops
///
/// One rate per FLOP cannot explain honest kernels of different sizes: a FLOP of a wide matrix product
/// costs ~10× less than an elementwise FLOP on a narrow tensor, and every op invocation costs its
/// dispatch and allocation whatever its size. `ComputeCalibrator` measures the coefficients with a
/// driver-owned calibration kernel in the sandbox (docs/sandbox.md, "Compute cross-check").
public struct ComputeCalibration: Sendable, Equatable, Codable {
    /// Seconds per FLOP that is not a matrix product.
    public var secondsPerFLOP: Double
    /// Seconds per matrix-product FLOP.
    public var secondsPerDenseFLOP: Double
    /// Seconds per op invocation (meter charge).
    public var secondsPerOp: Double
    /// CPU time a run takes whatever its budget (start-up, reading the data, writing the outputs).
    public var overheadSeconds: Double

    /// A single rate for every FLOP (no op term).
    public init(secondsPerFLOP: Double, overheadSeconds: Double) {
        self.init(secondsPerFLOP: secondsPerFLOP, secondsPerDenseFLOP: secondsPerFLOP, secondsPerOp: 0, overheadSeconds: overheadSeconds)
    }

    public init(secondsPerFLOP: Double, secondsPerDenseFLOP: Double, secondsPerOp: Double, overheadSeconds: Double) {
        self.secondsPerFLOP = secondsPerFLOP
        self.secondsPerDenseFLOP = secondsPerDenseFLOP
        self.secondsPerOp = secondsPerOp
        self.overheadSeconds = overheadSeconds
    }

    /// The CPU seconds `usage` explains.
    public func explainedSeconds(_ usage: ComputeUsage) -> Double {
        overheadSeconds + secondsPerFLOP * usage.otherFLOPs + secondsPerDenseFLOP * usage.denseFLOPs + secondsPerOp * usage.ops
    }

    /// One sandboxed run of an honest kernel: the CPU seconds the sandbox measured and the work the
    /// driver metered.
    public struct Sample: Sendable, Equatable, Codable {
        public var cpuSeconds: Double
        public var usage: ComputeUsage
        /// What ran (for the calibration's own report), e.g. "width 256, 3 layers".
        public var label: String
        /// For an anchor run of the seed: the task's tokens per example (the grid size it was run at).
        public var seqLen: Int?

        public init(cpuSeconds: Double, usage: ComputeUsage, label: String = "", seqLen: Int? = nil) {
            self.cpuSeconds = cpuSeconds
            self.usage = usage
            self.label = label
            self.seqLen = seqLen
        }

        /// A run described by its FLOPs alone (all priced at one rate).
        public init(cpuSeconds: Double, meteredFLOPs: Double) {
            self.init(cpuSeconds: cpuSeconds, usage: ComputeUsage(flops: meteredFLOPs))
        }

        public var meteredFLOPs: Double { usage.flops }
    }

    /// Fits the coefficients to `samples` by non-negative least squares on relative errors (a 0.1 s run
    /// counts as much as a 10 s one). Terms the samples cannot tell apart are left out: with FLOPs only,
    /// one rate for every FLOP; with runs at one budget only, no overhead (the mean rate, which only
    /// makes the check more lenient).
    public static func fit(_ samples: [Sample]) throws -> ComputeCalibration {
        let usable = samples.filter { $0.cpuSeconds > 0 && $0.usage.flops > 0 }
        guard !usable.isEmpty else {
            throw EvaluationError("compute calibration: no run with positive CPU time and metered FLOPs")
        }
        let splitsDense = usable.contains { $0.usage.denseFLOPs > 0 }
        let countsOps = usable.contains { $0.usage.ops > 0 }
        // Columns: overhead, other FLOPs (all FLOPs when nothing is dense), dense FLOPs, ops.
        func row(_ usage: ComputeUsage) -> [Double] {
            [1, splitsDense ? usage.otherFLOPs : usage.flops, splitsDense ? usage.denseFLOPs : 0, countsOps ? usage.ops : 0]
        }
        let flops = usable.map(\.usage.flops)
        var allowed: [Int] = [1]
        if splitsDense { allowed.append(2) }
        if countsOps { allowed.append(3) }
        if let low = flops.min(), let high = flops.max(), high >= 2 * low { allowed.append(0) }
        var best: (coefficients: [Double], error: Double)?
        for mask in 1..<(1 << allowed.count) {
            let columns = allowed.indices.filter { mask & (1 << $0) != 0 }.map { allowed[$0] }
            guard columns.count <= usable.count else { continue }
            // Weighted rows: each divided by its measured time.
            let a = usable.map { sample in columns.map { row(sample.usage)[$0] / sample.cpuSeconds } }
            let b = usable.map { _ in 1.0 }
            guard let solution = leastSquares(a, b), solution.allSatisfy({ $0 >= 0 && $0.isFinite }) else { continue }
            let error = zip(a, b).reduce(0.0) { sum, pair in
                let predicted = zip(pair.0, solution).reduce(0) { $0 + $1.0 * $1.1 }
                return sum + (predicted - pair.1) * (predicted - pair.1)
            }
            var full = [0.0, 0, 0, 0]
            for (column, value) in zip(columns, solution) { full[column] = value }
            if best == nil || error < best!.error - 1e-12 { best = (full, error) }
        }
        guard let fitted = best?.coefficients, fitted[1] > 0 || fitted[2] > 0 || fitted[3] > 0 else {
            let rate = usable.reduce(0) { $0 + $1.cpuSeconds / $1.usage.flops } / Double(usable.count)
            return ComputeCalibration(secondsPerFLOP: rate, overheadSeconds: 0)
        }
        return ComputeCalibration(
            secondsPerFLOP: fitted[1], secondsPerDenseFLOP: splitsDense ? fitted[2] : fitted[1], secondsPerOp: fitted[3],
            overheadSeconds: fitted[0])
    }

    /// The least-squares solution of a·x ≈ b (normal equations, columns scaled to unit norm); nil when
    /// the columns are (nearly) dependent.
    static func leastSquares(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        guard let n = a.first?.count, n > 0 else { return nil }
        let scale = (0..<n).map { j in a.reduce(0) { $0 + $1[j] * $1[j] }.squareRoot() }
        guard scale.allSatisfy({ $0 > 0 }) else { return nil }
        var m = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        for i in 0..<n {
            for j in 0..<n { m[i][j] = zip(a, a).reduce(0) { $0 + $1.0[i] * $1.1[j] } / (scale[i] * scale[j]) }
            m[i][n] = zip(a, b).reduce(0) { $0 + $1.0[i] * $1.1 } / scale[i]
        }
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(m[$0][column]) < abs(m[$1][column]) }), abs(m[pivot][column]) > 1e-9 else { return nil }
            m.swapAt(column, pivot)
            for r in 0..<n where r != column {
                let f = m[r][column] / m[column][column]
                for c in column...n { m[r][c] -= f * m[column][c] }
            }
        }
        return (0..<n).map { m[$0][n] / m[$0][$0] / scale[$0] }
    }
}

/// Flags (by default rejects) a candidate whose CPU time is far more than its metered work explains:
/// work done off the FLOP meter — a Swift solver, a spin loop, a second model in plain arrays (issue
/// 15). Policy and TRMKit's access control should make that impossible; this catches what gets through,
/// whatever it is.
///
/// The factor covers honest differences the calibration does not model (cache effects of unusual
/// shapes, a busy machine). A solver that runs off the meter but is cheap (a Sudoku backtracker spends
/// milliseconds) does not show here; the opaque data and the permutation control are what stop it.
///
/// The counts come from run.json, written by the driver inside the candidate's process; a forged file
/// could only claim *more* work, so the work is capped by what the budgets allow (a claim past them is
/// already a run-report rejection) before it explains anything.
///
/// ```swift
/// let check = ComputeCheck(calibration: calibration)
/// if let finding = check.finding(cpuSeconds: 41.0, usage: ComputeUsage(record: record)) { … }
/// ```
public struct ComputeCheck: Sendable, Equatable, Codable {
    public var calibration: ComputeCalibration
    /// How many times the explained CPU time a candidate may use.
    public var factor: Double
    /// Extra seconds always allowed (scheduling noise on short runs).
    public var slackSeconds: Double
    /// Reject (the default) or only flag.
    public var action: IntegrityFinding.Action

    public init(calibration: ComputeCalibration, factor: Double = 3, slackSeconds: Double = 2, action: IntegrityFinding.Action = .reject) {
        self.calibration = calibration
        self.factor = factor
        self.slackSeconds = slackSeconds
        self.action = action
    }

    /// The CPU seconds `meteredFLOPs` explain (all priced as elementwise FLOPs).
    public func explainedSeconds(meteredFLOPs: Double) -> Double {
        calibration.explainedSeconds(ComputeUsage(flops: meteredFLOPs))
    }

    /// `usage` capped by what a run within `maxFLOPs` can honestly claim: FLOPs at most `maxFLOPs`, dense
    /// FLOPs at most the FLOPs, op charges at most one per FLOP.
    public static func capped(_ usage: ComputeUsage, maxFLOPs: Double?) -> ComputeUsage {
        let flops = min(usage.flops, maxFLOPs ?? .infinity)
        return ComputeUsage(flops: flops, denseFLOPs: min(usage.denseFLOPs, flops), ops: min(usage.ops, flops))
    }

    /// A finding when `cpuSeconds` exceeds `factor` × the explained time plus the slack; nil otherwise.
    public func finding(cpuSeconds: Double, meteredFLOPs: Double) -> IntegrityFinding? {
        finding(cpuSeconds: cpuSeconds, usage: ComputeUsage(flops: meteredFLOPs))
    }

    /// The same for a run's full usage; `maxFLOPs` caps what the run may claim (its budgets).
    public func finding(cpuSeconds: Double, usage: ComputeUsage, maxFLOPs: Double? = nil) -> IntegrityFinding? {
        let usage = Self.capped(usage, maxFLOPs: maxFLOPs)
        let explained = calibration.explainedSeconds(usage)
        guard cpuSeconds > factor * explained + slackSeconds else { return nil }
        return IntegrityFinding(
            check: "compute", action: action,
            evidence: String(
                format: "measured %.1f CPU s, but the metered work (%.3g FLOPs, %.3g of them in matrix products; %.3g ops) explains %.2f CPU s on this machine: %.1f× (allowed %.1f× + %.0f s): work off the FLOP meter",
                cpuSeconds, usage.flops, usage.denseFLOPs, usage.ops, explained, cpuSeconds / max(explained, 1e-9), factor, slackSeconds))
    }

    /// One line for an honest run's artifact: measured against explained.
    public func summary(cpuSeconds: Double, usage: ComputeUsage, maxFLOPs: Double? = nil) -> String {
        let explained = calibration.explainedSeconds(Self.capped(usage, maxFLOPs: maxFLOPs))
        return String(format: "compute: %.2f CPU s measured, %.2f s explained by the metered work (%.2f×)", cpuSeconds, explained, cpuSeconds / max(explained, 1e-9))
    }
}

/// The wall-clock safety net of a run, from the FLOP budget (issue 16): a generous multiple of the time
/// the budget takes at the slowest honest rate the calibration saw, plus a floor. A benchmark's
/// explicit `wall_seconds` caps it.
public struct WallClockLimit: Sendable, Equatable {
    /// Multiple of the budget's expected CPU time.
    public var factor: Double
    /// Seconds always allowed on top (start-up on a busy machine).
    public var floorSeconds: Double
    /// Without a calibration (compute check off): the old fixed net.
    public static let uncalibratedSeconds = 120.0

    public init(factor: Double = 3, floorSeconds: Double = 30) {
        self.factor = factor
        self.floorSeconds = floorSeconds
    }

    /// The limit for a run with these budgets; `explicit` (the benchmark's `wall_seconds`) caps it.
    public func seconds(trainFLOPs: Double, evalFLOPs: Double, slowest: ComputeCalibration.Rate?, explicit: Double?) -> Double {
        guard let slowest else { return explicit ?? Self.uncalibratedSeconds }
        let derived = floorSeconds + factor * (slowest.overheadSeconds + slowest.secondsPerFLOP * (trainFLOPs + evalFLOPs))
        return min(derived, explicit ?? .infinity)
    }
}

extension ComputeCalibration {
    /// One all-in rate per FLOP (op overhead included), as the slowest honest calibration run paid it.
    public struct Rate: Sendable, Equatable, Codable {
        public var secondsPerFLOP: Double
        public var overheadSeconds: Double

        public init(secondsPerFLOP: Double, overheadSeconds: Double) {
            self.secondsPerFLOP = secondsPerFLOP
            self.overheadSeconds = overheadSeconds
        }
    }
}
