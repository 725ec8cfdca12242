import EvolveCore
import Foundation

/// The TRM descriptors that place a program in the MAP-Elites grid, from numbers the candidate cannot
/// choose: TRMKit's driver counts the parameters, the optimiser steps and the training FLOPs, and evolve's
/// sandbox measures the peak memory. Nothing here reads the kernel's own `config` report except the
/// explicitly reported `effective_depth`, kept (as the kernel's claim) for a grid that names it.
///
/// ```swift
/// let descriptors = MeasuredDescriptors(metrics).values   // ["parameters": 9.4e4, "flops_per_step": 4.8e9, …]
/// ```
///
/// Why not the kernel's report: a kernel that reports `effective_depth: 1e12` would pick its own cell and so
/// its own competition. A driver figure is capped by what evolve measures itself where it can be: a run
/// holds its weights in memory (4 bytes a parameter), so it cannot claim more parameters than its measured
/// peak memory holds.
public struct MeasuredDescriptors: Sendable, Equatable {
    public var values: [String: Double]

    public init(_ metrics: Metrics) {
        let benchmarks = Array(metrics.benchmarks.values)
        guard !benchmarks.isEmpty else {
            values = [:]
            return
        }
        var values: [String: Double] = [
            "parameters": benchmarks.map { Double(Self.parameters($0)) }.max() ?? 0,
            "train_flops": benchmarks.map(\.trainFLOPs).reduce(0, +),
        ]
        // The largest over benchmarks, like the parameters: the costliest step the program takes.
        let perStep = benchmarks.compactMap { b in b.steps.flatMap { $0 > 0 ? b.trainFLOPs / Double($0) : nil } }
        if let largest = perStep.max() { values["flops_per_step"] = largest }
        let memory = benchmarks.compactMap(\.peakMemoryBytes).filter { $0 > 0 }
        if let largest = memory.max() { values["peak_memory_bytes"] = Double(largest) }
        // The kernel's claim, kept under its own name only for a grid that asks for it by name.
        if let depth = benchmarks.compactMap({ $0.reported["effective_depth"] }).max() { values["effective_depth"] = depth }
        self.values = values
    }

    /// Bytes one parameter occupies at the least (a Float weight): the floor under the memory cap.
    static let bytesPerParameter = 4

    /// The driver's parameter count, capped by what the run's measured peak memory can hold.
    public static func parameters(_ b: BenchmarkMetrics) -> Int {
        guard let peak = b.peakMemoryBytes, peak > 0 else { return b.parameters }
        return min(b.parameters, peak / bytesPerParameter)
    }
}
