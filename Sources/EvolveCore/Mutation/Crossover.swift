/// Recombination of two parents block by block: the offline mutator's crossover, kept apart from
/// `Patch` (which applies a model's edits) because it reads no answer and changes whole blocks.
///
/// ```swift
/// let labels = Crossover.compatibleBlocks(first.files, second.files)   // ["kernel.swift: recursion", …]
/// let child = try Crossover.recombine(first: first.files, second: second.files, fromSecond: ["kernel.swift: recursion"])
/// ```
package enum Crossover {
    /// A child of `first` whose blocks named in `fromSecond` (labels, `kernel.swift: hyperparameters`)
    /// come from `second`. Both parents' files must agree outside their blocks (a TRM kernel and an HRM
    /// kernel do not), so the recombined program still fits together.
    package static func recombine(first: [String: String], second: [String: String], fromSecond: Set<String>) throws(PatchError) -> [String: String] {
        let compatible = Set(compatibleBlocks(first, second))
        var child = first
        for label in fromSecond.sorted() {
            guard compatible.contains(label) else {
                throw PatchError(.invalidParent, "block '\(label)' cannot come from the second parent: it lacks the block or its file differs outside its EVOLVE-BLOCKs")
            }
            let (file, name) = EvolveBlocks.splitLabel(label)
            child[file] = EvolveBlocks.replacingBody(of: name, in: child[file]!, with: EvolveBlocks.blockBody(second, file: file, name: name)!)
        }
        return child
    }

    /// Labels of the blocks two programs can exchange: same file, same block, and the file's text
    /// outside its blocks identical in both.
    package static func compatibleBlocks(_ first: [String: String], _ second: [String: String]) -> [String] {
        var labels: [String] = []
        for path in first.keys.sorted() {
            guard let a = first[path], let b = second[path],
                  let blocksA = try? EvolveBlocks.parse(file: path, text: a), let blocksB = try? EvolveBlocks.parse(file: path, text: b),
                  EvolveBlocks.skeleton(SourceLines(a).lines, blocksA) == EvolveBlocks.skeleton(SourceLines(b).lines, blocksB)
            else { continue }
            labels += blocksA.map(\.label)
        }
        return labels
    }
}
