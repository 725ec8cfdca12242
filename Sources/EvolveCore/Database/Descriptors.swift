import Foundation
import Population

/// The descriptors every program has, whatever evaluates it: its code length and its line edit distance
/// from the seed it descends from. The evaluator reports the others (`EvaluationReport.descriptors`).
public enum Descriptors {
    public static func generic(_ program: Program, seed: Program?) -> [String: Double] {
        var values: [String: Double] = ["code_length": Double(program.codeLength)]
        if let seed { values["edit_distance"] = Double(lineEditDistance(seed.files, program.files)) }
        return values
    }

    /// Lines inserted plus lines deleted between two versions of a program (all files), via LCS.
    public static func lineEditDistance(_ a: [String: String], _ b: [String: String]) -> Int {
        Set(a.keys).union(b.keys).reduce(0) { total, path in
            let x = a[path].map { $0.split(separator: "\n", omittingEmptySubsequences: false) } ?? []
            let y = b[path].map { $0.split(separator: "\n", omittingEmptySubsequences: false) } ?? []
            if x == y { return total }
            var row = [Int](repeating: 0, count: y.count + 1)
            for i in 1...max(x.count, 1) where i <= x.count {
                var diagonal = 0
                for j in 1...max(y.count, 1) where j <= y.count {
                    let saved = row[j]
                    row[j] = x[i - 1] == y[j - 1] ? diagonal + 1 : max(row[j], row[j - 1])
                    diagonal = saved
                }
            }
            return total + x.count + y.count - 2 * row[y.count]
        }
    }
}
