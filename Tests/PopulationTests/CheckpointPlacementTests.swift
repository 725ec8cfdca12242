import Foundation
import Testing
@testable import Population

/// Where a child can still land when it is stopped between benchmarks, on issue 28's two-hour run: child
/// f23115b9 measured 182,497 parameters and 5.24e9 FLOPs per step on the 6×6 Sudokus (cell 2,4 of the
/// default grid, held by an elite of 0.596) and 356,481 and 1.64e10 after the maze (cell 3,4, empty); its
/// parent 6c07d96b went from 93,601 and 2.70e9 to 178,689 and 8.26e9. Its optimistic prediction was 0.341.
@Suite struct CheckpointPlacementTests {
    static let measured = ["parameters": 182_497.0, "flops_per_step": 5_243_647_353.3]
    static let parent = CheckpointPlacement.Growth(
        prefix: ["parameters": 93_601, "flops_per_step": 2_697_550_483.8], final: ["parameters": 178_689, "flops_per_step": 8_264_457_951.9])
    static let prediction = ValueFunction.Prediction(mean: 0.247, standardError: 0.047, residualSD: 0.047, samples: 22)
    static let rule = EarlyStopRule(mode: .on, minFinished: 20, z: 2)

    func elites(_ cells: [[Int]], _ grid: [[Int]: Double]) -> [Double?] { cells.map { grid[$0] } }

    @Test func issue28sFalseStopsLandInTheirEmptyFinalCellAndAreNotStopped() throws {
        let grid: [[Int]: Double] = [[2, 4]: 0.596]
        // The old placement (the descriptors measured so far) put it in the occupied cell: a stop.
        #expect(FeatureSpace.trm.cell(Self.measured) == [2, 4])
        #expect(Self.rule.verdict(prediction: Self.prediction, islandBest: 0.6, cellElite: grid[[2, 4]])?.stops == true)

        // Stage 1 counted 356,481 parameters on the maze: the parameters axis is settled at bin 3.
        let settled = CheckpointPlacement(measured: Self.measured, settled: ["parameters": 356_481...356_481], growth: [Self.parent])
        let cells = settled.cells(in: .trm, fixed: [:])
        #expect(cells == [[3, 4]], "\(cells)")
        #expect(Self.rule.verdict(prediction: Self.prediction, islandBest: 0.6, reachableElites: elites(cells, grid)) == nil)

        // Without stage 1, the parent's growth (×1.91 or +85,088, the increase widened by a quarter)
        // reaches bin 3 from the measured bin 2.
        let grown = CheckpointPlacement(measured: Self.measured, growth: [Self.parent])
        let reach = grown.cells(in: .trm, fixed: [:])
        #expect(reach == [[2, 4], [3, 4]], "\(reach)")
        #expect(Self.rule.verdict(prediction: Self.prediction, islandBest: 0.6, reachableElites: elites(reach, grid)) == nil,
                "one reachable cell is empty")
    }

    @Test func aChildWhoseReachableCellsAllHoldBetterElitesIsStillStopped() throws {
        let cells = CheckpointPlacement(measured: Self.measured, growth: [Self.parent]).cells(in: .trm, fixed: [:])
        // Both cells it can reach are held by elites above its optimistic 0.341: a stop, against the lower one.
        let stop = try #require(
            Self.rule.verdict(prediction: Self.prediction, islandBest: 0.8, reachableElites: elites(cells, [[2, 4]: 0.596, [3, 4]: 0.55])))
        #expect(stop.stops && stop.bar == 0.55 && stop.against.contains("lowest of the 2 cells"), "\(stop.against)")
        // An elite it can beat in any reachable cell, or an island best it can beat, is no stop.
        #expect(Self.rule.verdict(prediction: Self.prediction, islandBest: 0.8, reachableElites: elites(cells, [[2, 4]: 0.596, [3, 4]: 0.30]))?.stops == false)
        #expect(Self.rule.verdict(prediction: Self.prediction, islandBest: 0.33, reachableElites: elites(cells, [[2, 4]: 0.596, [3, 4]: 0.55]))?.stops == false)
    }

    @Test func theParentsGrowthBoundsTheRangeWithHeadroom() throws {
        let range = try #require(CheckpointPlacement(measured: Self.measured, growth: [Self.parent]).ranges["parameters"])
        // The ratio reading wins: 182,497 × 178,689 / 93,601 = 348,395; the increase 165,898 widened by 1.25.
        let ratio = 182_497 * 178_689 / 93_601.0
        #expect(range.lowerBound == 182_497 && abs(range.upperBound - (182_497 + (ratio - 182_497) * 1.25)) < 1e-6)
        // Two parents: the larger growth of the two bounds it.
        let big = CheckpointPlacement.Growth(prefix: ["parameters": 10_000], final: ["parameters": 40_000])
        let both = try #require(CheckpointPlacement(measured: Self.measured, growth: [Self.parent, big]).ranges["parameters"])
        #expect(abs(both.upperBound - (182_497 + 182_497 * 3 * 1.25)) < 1e-6)
    }

    @Test func theRangeNeverFallsBelowWhatWasMeasuredAndIsOpenWithoutEvidence() {
        // No settled value and no parent record: nothing bounds the growth, so every bin above can be reached.
        let open = CheckpointPlacement(measured: ["parameters": 182_497])
        #expect(open.ranges["parameters"]?.lowerBound == 182_497 && open.ranges["parameters"]?.upperBound == .infinity)
        #expect(open.cells(in: FeatureSpace([.parameters]), fixed: [:]) == [[2], [3], [4], [5]])
        // A parent whose descriptor shrank predicts nothing below the child's own measurement (a maximum
        // over more benchmarks never falls), and a settled range below it is raised to it.
        let shrunk = CheckpointPlacement(
            measured: ["parameters": 182_497], settled: ["train_flops": 1...2],
            growth: [.init(prefix: ["parameters": 200_000], final: ["parameters": 100_000])])
        #expect(shrunk.ranges["parameters"] == 182_497...182_497)
        let raised = CheckpointPlacement(measured: ["parameters": 182_497], settled: ["parameters": 1_000...2_000])
        #expect(raised.ranges["parameters"] == 182_497...182_497)
    }

    @Test func genericDescriptorsAreFinalAndUnmeasuredOnesMayLandAnywhere() {
        let space = FeatureSpace([.codeLength, .flopsPerStep])
        let cells = CheckpointPlacement(measured: [:]).cells(in: space, fixed: ["code_length": 5_000])
        #expect(cells.count == 6 && cells.allSatisfy { $0[0] == 2 }, "code_length is final, flops_per_step unmeasured: \(cells)")
    }
}
