import Foundation
import EvolveCore
import EvolveSupport
import Testing

@Suite struct LineDiffTests {
    @Test func hunksAndDistanceOfAReplacedLine() {
        let diff = LineDiff(["a", "b", "c"], ["a", "x", "c"])
        #expect(diff.distance == 2)
        #expect(diff.hunks == [LineDiff.Hunk(original: 1..<2, inserted: 1..<2)])
        #expect(diff.operations == [.same(0, 0), .delete(1), .insert(1), .same(2, 2)])
    }

    @Test func separateChangesAreSeparateHunks() {
        let diff = LineDiff(["a", "b", "c", "d", "e"], ["a", "B", "c", "d", "e", "f"])
        #expect(diff.hunks == [LineDiff.Hunk(original: 1..<2, inserted: 1..<2), LineDiff.Hunk(original: 5..<5, inserted: 5..<6)])
        #expect(diff.distance == 3)
    }

    @Test func theComparisonIsTheCallers() {
        let loose = LineDiff(["  a", "b"], ["a", "b "], same: { $0.trimmingCharacters(in: .whitespaces) == $1.trimmingCharacters(in: .whitespaces) })
        #expect(loose.hunks.isEmpty && loose.distance == 0)
        #expect(LineDiff(["  a"], ["a"]).distance == 2)
    }

    @Test func theEditDistanceDescriptorCountsTheDiffsLines() {
        let a = ["k.swift": "x\ny\nz\n", "gone.swift": "1\n"]
        let b = ["k.swift": "x\nY\nz\nw\n", "new.swift": "2\n3\n"]
        // k.swift: y→Y (2) and w inserted (1); gone.swift: 2 lines ("1" and the empty tail); new.swift: 3.
        #expect(Descriptors.lineEditDistance(a, b) == 3 + 2 + 3)
        #expect(Descriptors.lineEditDistance(a, a) == 0)
    }

    @Test func aPairPastTheTableBoundIsOneReplacement() {
        let side = 2_100  // 2100 × 2100 differing lines is past maxCells
        let a = (0..<side).map { "a\($0)" }, b = (0..<side).map { "b\($0)" }
        let diff = LineDiff(["same"] + a + ["end"], ["same"] + b + ["end"])
        #expect(diff.hunks == [LineDiff.Hunk(original: 1..<(side + 1), inserted: 1..<(side + 1))])
        #expect(diff.distance == 2 * side)
    }
}
