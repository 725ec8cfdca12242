import EvolveSupport
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

    /// Lines inserted plus lines deleted between two versions of a program (all files), by `LineDiff`.
    public static func lineEditDistance(_ a: [String: String], _ b: [String: String]) -> Int {
        Set(a.keys).union(b.keys).reduce(0) { total, path in
            a[path] == b[path] ? total : total + LineDiff(LineDiff.lines(a[path]), LineDiff.lines(b[path])).distance
        }
    }
}
