import Foundation
import Testing
@testable import TRMKit

/// The training-curve probes answer training examples drawn as the queries are: never a symmetric copy
/// (`"augmented": true`). The queries are never copies, and copies can be a harder distribution (the
/// Sudoku generator's solutions are one grid up to relabelling; copies break that), so probing them
/// flagged an honest HRM on 9×9 Sudoku (issue 24).
@Suite struct ProbeSampleTests {
    static let task = TaskInfo(vocabSize: 6, seqLen: 5)

    func examples(originals: Int, copies: Int) -> [Example] {
        (0..<originals).map { _ in Example(input: [0, 1, 2, 0, 1], label: [1, 2, 3, 1, 2]) }
            + (0..<copies).map { _ in Example(input: [3, 4, 3, 4, 3], label: [0, 0, 0, 0, 0], augmented: true) }
    }

    @Test func theSampleHoldsNoCopyWhateverTheSeed() {
        let mixed = examples(originals: 40, copies: 200)
        for seed: UInt64 in [1, 2, 3, 4, 99] {
            let sample = Probe.sample(from: mixed, take: 32, seed: seed)
            #expect(sample.count == 32 && Set(sample).count == 32)
            #expect(sample.allSatisfy { !mixed[$0].augmented })
        }
        // Fewer originals than the sample: all of them, and still no copy.
        let few = examples(originals: 5, copies: 50)
        #expect(Probe.sample(from: few, take: 32, seed: 1) == Array(0..<5))
        // Only copies (a task that marks everything): the probe still has examples to answer.
        let onlyCopies = examples(originals: 0, copies: 50)
        #expect(Probe.sample(from: onlyCopies, take: 32, seed: 1).count == 32)
    }

    @Test func theMarkIsReadFromTrainJSONLAndAnythingButABooleanIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("train.jsonl").path
        try Data("""
            {"input":[0,1,2,0,1],"label":[1,2,3,1,2],"puzzle":0}
            {"input":[0,1,2,0,1],"label":[1,2,3,1,2],"puzzle":0,"augmented":true}
            {"input":[0,1,2,0,1],"label":[1,2,3,1,2],"puzzle":0,"augmented":false}

            """.utf8).write(to: URL(fileURLWithPath: file))
        let read = try TaskFiles.readExamples(at: file, task: Self.task, needsLabel: true)
        #expect(read.map(\.augmented) == [false, true, false])
        try Data(#"{"input":[0,1,2,0,1],"label":[1,2,3,1,2],"augmented":1}"#.utf8).write(to: URL(fileURLWithPath: file))
        #expect {
            _ = try TaskFiles.readExamples(at: file, task: Self.task, needsLabel: true)
        } throws: { error in
            "\(error)".contains("train.jsonl:1") && "\(error)".contains("\"augmented\" is not true or false")
        }
    }

    /// A whole run: copies a per-token kernel cannot fit (random answers on tokens the originals never
    /// use) outnumber the originals 5 to 1. Probing copies would put the final probe near the share of
    /// originals (~0.17); probing originals, it reads what the kernel learned, as validation would.
    @Test func theDriverProbesOriginalsOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-probe-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRNG(seed: 5)
        func tokens(_ range: Range<Int>) -> [Int] { (0..<5).map { _ in range.lowerBound + Int(rng.next() % UInt64(range.count)) } }
        var train: [String] = []
        for _ in 0..<40 {
            let input = tokens(0..<3)
            train.append(#"{"input":\#(input),"label":\#(input.map { $0 + 1 }),"puzzle":0}"#)
            for _ in 0..<5 { train.append(#"{"input":\#(tokens(3..<5)),"label":\#(tokens(0..<6)),"puzzle":0,"augmented":true}"#) }
        }
        let files = [
            "data/task.json": #"{"vocab_size":6,"seq_len":5,"num_puzzle_ids":1}"#,
            "budget.json": #"{"train_flops":2e6,"eval_flops":1e9,"seed":11}"#,
            "data/train.jsonl": train.joined(separator: "\n") + "\n",
            "data/eval.jsonl": (0..<10).map { #"{"id":"q\#($0)","input":\#(tokens(0..<3))}"# }.joined(separator: "\n") + "\n",
        ]
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        let summary = try TRMDriver.run(EchoKernel.self, workDir: dir.path)
        let final = try #require(summary.probes.last)
        #expect(final.examples == 32 && final.answered == 32)
        #expect(final.exact > 0.5)
    }
}
