import Foundation
import Testing
@testable import Evaluators

/// The calibration is anchored on the TRM seed at both grid sizes of the default suite, and a task is
/// checked with the anchor at its own size (issue 24: anchored on a 6×6 grid alone, the seeds measured
/// 0.98–1.05× on 6×6 Sudoku but 1.19–1.30× on 9×9).
@Suite struct CalibrationAnchorTests {
    let fitted = ComputeCalibration(secondsPerFLOP: 5e-10, secondsPerDenseFLOP: 5e-12, secondsPerOp: 1e-6, overheadSeconds: 0.02)

    func run(_ cpuSeconds: Double, dense: Double, seqLen: Int? = nil) -> ComputeCalibration.Sample {
        ComputeCalibration.Sample(cpuSeconds: cpuSeconds, usage: ComputeUsage(flops: 6e10, denseFLOPs: dense, ops: 4000), seqLen: seqLen)
    }

    @Test func eachGridSizeIsExplainedByTheAnchorAtItsOwnSize() {
        // The same seed costs more per metered FLOP on the larger grid.
        let small = run(1.2, dense: 5.8e10, seqLen: 36), large = run(1.6, dense: 5.9e10, seqLen: 81)
        let result = ComputeCalibrator.Result(
            calibration: fitted.scaled(by: ComputeCalibrator.anchorScale(fitted, anchors: [small, large])), samples: [run(0.5, dense: 1e10), small, large])
        for (anchor, sizes) in [(small, [16, 36, 50]), (large, [64, 81, 900])] {
            for seqLen in sizes {
                let ratio = anchor.cpuSeconds / result.calibration(seqLen: seqLen).explainedSeconds(anchor.usage)
                #expect(abs(ratio - 1) < 1e-9, "seqLen \(seqLen)")
            }
        }
        // One scale for both sizes would leave them apart: the geometric mean puts each off 1.0×.
        let shared = [small, large].map { $0.cpuSeconds / result.calibration.explainedSeconds($0.usage) }
        #expect(shared[0] < 0.95 && shared[1] > 1.05 && abs(shared[0] * shared[1] - 1) < 1e-9)
    }

    @Test func withoutAnchorRunsTheFitIsUsedAsItIs() {
        let result = ComputeCalibrator.Result(calibration: fitted, samples: [run(0.5, dense: 1e10)])
        #expect(result.calibration(seqLen: 81) == fitted)
        #expect(ComputeCalibrator.anchorScale(fitted, anchors: []) == 1)
    }
}
