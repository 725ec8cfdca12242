import Foundation
import Testing
@testable import Evaluators

/// The calibration is anchored on both seeds at both grid sizes of the default suite, and a task is
/// checked with the anchors at its own size (issue 24: anchored on a 6×6 grid alone, the seeds measured
/// 0.98–1.05× on 6×6 Sudoku but 1.19–1.30× on 9×9; anchored on the TRM seed alone, the HRM seed measured
/// 0.83–0.89× on 6×6).
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

    @Test func bothSeedsAtOneSizeAreExplainedAtOneOnGeometricAverage() {
        // At each size one run per seed: the TRM seed costs more per explained second than the HRM seed
        // (measured on 6×6: 0.95–0.97× against 0.83–0.89× under a TRM-only anchor).
        let trm36 = run(1.3, dense: 5.8e10, seqLen: 36), hrm36 = run(1.1, dense: 5.8e10, seqLen: 36)
        let trm81 = run(1.9, dense: 5.9e10, seqLen: 81), hrm81 = run(1.7, dense: 5.9e10, seqLen: 81)
        let anchors = [trm36, hrm36, trm81, hrm81]
        let result = ComputeCalibrator.Result(
            calibration: fitted.scaled(by: ComputeCalibrator.anchorScale(fitted, anchors: anchors)), samples: [run(0.5, dense: 1e10)] + anchors)
        for (pair, seqLen) in [([trm36, hrm36], 36), ([trm81, hrm81], 81)] {
            let ratios = pair.map { $0.cpuSeconds / result.calibration(seqLen: seqLen).explainedSeconds($0.usage) }
            // Neither seed alone: the two sit on either side of 1.0×, their product is 1.
            #expect(abs(ratios[0] * ratios[1] - 1) < 1e-9, "seqLen \(seqLen): \(ratios)")
            #expect(ratios[0] > 1.02 && ratios[1] < 0.98, "seqLen \(seqLen): \(ratios)")
        }
        // A size between the anchors takes the nearer one's pair (in log tokens): 50 is nearer 36 than 81.
        #expect(result.calibration(seqLen: 50) == result.calibration(seqLen: 36))
        #expect(result.calibration(seqLen: 64) == result.calibration(seqLen: 81))
    }

    @Test func everySeedIsAnchoredAtEveryGridSize() {
        #expect(Set(ComputeCalibrator.anchorSeeds.map(\.name)) == ["TRM", "HRM"])
        for seed in ComputeCalibrator.anchorSeeds {
            #expect(seed.files.contains { $0.path == "kernel.swift" && $0.text.contains("TRMDriver.main") }, "\(seed.name)")
        }
        #expect(ComputeCalibrator.anchorShapes.map(\.seqLen) == [36, 81])
    }

    @Test func withoutAnchorRunsTheFitIsUsedAsItIs() {
        let result = ComputeCalibrator.Result(calibration: fitted, samples: [run(0.5, dense: 1e10)])
        #expect(result.calibration(seqLen: 81) == fitted)
        #expect(ComputeCalibrator.anchorScale(fitted, anchors: []) == 1)
    }
}
