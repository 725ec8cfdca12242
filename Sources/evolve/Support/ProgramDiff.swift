import EvolveSupport
import Foundation

/// Two programs' files as a unified-style line diff (`LineDiff`, no context limit): what `inspect program`
/// prints under a program and what the report shows for each step of the best's lineage.
enum ProgramDiff {
    /// The changed files in path order, `-`/`+` lines only; `(no changes)` when the files are equal.
    static func text(_ a: [String: String], _ b: [String: String]) -> String {
        var out: [String] = []
        for path in Set(a.keys).union(b.keys).sorted() where a[path] != b[path] {
            let x = LineDiff.lines(a[path] ?? ""), y = LineDiff.lines(b[path] ?? "")
            out.append("--- a/\(path)\n+++ b/\(path)")
            for operation in LineDiff(x, y).operations {
                switch operation {
                case .same: continue
                case .delete(let i): out.append("-" + x[i])
                case .insert(let j): out.append("+" + y[j])
                }
            }
        }
        return out.isEmpty ? "(no changes)" : out.joined(separator: "\n")
    }
}
