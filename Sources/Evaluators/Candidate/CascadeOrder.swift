import EvolveCore

extension BenchmarkSpec {
    /// What one run of this benchmark is declared to cost: its training and evaluation FLOP budgets. On
    /// the default suite this orders the benchmarks as their measured CPU time does (both 6×6 Sudokus
    /// 8.5e11 / ~17 s, the maze 2.0e12 / ~21 s on an AVX-512 machine, docs/default-suite.md), and unlike a
    /// measured time it is the same on every machine and every resume, so the order never changes in a run.
    public var declaredCost: Double { entry.trainFLOPs + entry.evalFLOPs }

    /// The benchmarks an evaluation runs, cheapest first (ties keep the file's order): the value
    /// function's checkpoints then come after the cheap benchmarks and can spare the dear ones.
    public static func cheapestFirst(_ specs: [BenchmarkSpec]) -> [BenchmarkSpec] {
        specs.enumerated().sorted { ($0.element.declaredCost, $0.offset) < ($1.element.declaredCost, $1.offset) }.map(\.element)
    }
}
