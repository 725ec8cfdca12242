import Foundation

/// How many CPU seconds a metered FLOP costs on this machine, measured on the seed kernels at the
/// start of a run: `cpu ≈ overheadSeconds + secondsPerFLOP · (train + eval FLOPs)`.
public struct ComputeCalibration: Sendable, Equatable, Codable {
    public var secondsPerFLOP: Double
    /// CPU time a run takes whatever its budget (start-up, reading the data, writing the outputs).
    public var overheadSeconds: Double

    public init(secondsPerFLOP: Double, overheadSeconds: Double) {
        self.secondsPerFLOP = secondsPerFLOP
        self.overheadSeconds = overheadSeconds
    }

    /// One sandboxed run of an honest kernel: the CPU seconds the sandbox measured and the FLOPs the
    /// driver metered (training plus prediction).
    public struct Sample: Sendable, Equatable, Codable {
        public var cpuSeconds: Double
        public var meteredFLOPs: Double

        public init(cpuSeconds: Double, meteredFLOPs: Double) {
            self.cpuSeconds = cpuSeconds
            self.meteredFLOPs = meteredFLOPs
        }
    }

    /// Fits the line through `samples` (least squares). With runs at budgets at least 2× apart (for
    /// example each seed's stage-1 and stage-2 runs) both terms are fitted; otherwise the overhead is
    /// taken as 0 and the slope as the mean seconds per FLOP, which only makes the check more lenient.
    public static func fit(_ samples: [Sample]) throws -> ComputeCalibration {
        let usable = samples.filter { $0.cpuSeconds > 0 && $0.meteredFLOPs > 0 }
        guard !usable.isEmpty else {
            throw EvaluationError("compute calibration: no seed run with positive CPU time and metered FLOPs; evaluate the seeds first")
        }
        let flops = usable.map(\.meteredFLOPs), cpu = usable.map(\.cpuSeconds)
        if let low = flops.min(), let high = flops.max(), high >= 2 * low {
            let n = Double(usable.count)
            let meanX = flops.reduce(0, +) / n, meanY = cpu.reduce(0, +) / n
            let sxy = zip(flops, cpu).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
            let sxx = flops.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
            let slope = sxy / sxx
            if slope > 0 {
                let overhead = max(0, meanY - slope * meanX)
                return ComputeCalibration(secondsPerFLOP: slope, overheadSeconds: overhead)
            }
        }
        let slope = zip(cpu, flops).reduce(0) { $0 + $1.0 / $1.1 } / Double(usable.count)
        return ComputeCalibration(secondsPerFLOP: slope, overheadSeconds: 0)
    }
}

/// Flags a candidate whose CPU time is far more than its metered FLOPs explain: work done off the
/// meter (issue 15). Policy and TRMKit's access control should make that impossible; this catches
/// what gets through, whatever it is.
///
/// The factor must cover honest differences: kernels whose ops run at a lower arithmetic intensity
/// than the seeds' (more elementwise work, narrow matrices), and a busy machine. A solver that runs off
/// the meter but is cheap (a Sudoku backtracker spends milliseconds) does not show here; the opaque
/// data and the permutation control are what stop it.
///
/// ```swift
/// let check = ComputeCheck(calibration: try .fit(seedSamples))
/// if let finding = check.finding(cpuSeconds: 41.0, meteredFLOPs: 7.6e11) { … }
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

    /// The CPU seconds `meteredFLOPs` explain.
    public func explainedSeconds(meteredFLOPs: Double) -> Double {
        calibration.overheadSeconds + calibration.secondsPerFLOP * max(0, meteredFLOPs)
    }

    /// A finding when `cpuSeconds` exceeds `factor` × the explained time plus the slack; nil otherwise.
    public func finding(cpuSeconds: Double, meteredFLOPs: Double) -> IntegrityFinding? {
        let explained = explainedSeconds(meteredFLOPs: meteredFLOPs)
        guard cpuSeconds > factor * explained + slackSeconds else { return nil }
        return IntegrityFinding(
            check: "compute", action: action,
            evidence: String(
                format: "%.1f CPU s for %.3g metered FLOPs, which explain %.1f s on this machine (%.1f× ; allowed %.1f× + %.0f s): work off the FLOP meter",
                cpuSeconds, meteredFLOPs, explained, cpuSeconds / max(explained, 1e-9), factor, slackSeconds))
    }
}
