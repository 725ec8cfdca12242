// Entry point of the standalone GEMM benchmark that scripts/bench-trmkit.sh compiles, together with
// Sources/trm-bench/GEMMBenchmark.swift, against a TRMKit module built for the target CPU under test (the
// SwiftPM trm-bench is always built for the host).
@main struct GEMMBenchMain {
    static func main() { GEMMBenchmark.run() }
}
