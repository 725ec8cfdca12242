import EvolveCore
import Foundation
import Testing

@Suite struct ProgramTests {
    @Test func editingACopysFilesGivesItItsOwnHash() throws {
        let parent = Program(files: ["kernel.swift": "let a = 1\n"])
        var child = parent
        child.files["kernel.swift"] = "let a = 2\n"
        #expect(child.contentHash != parent.contentHash)
        #expect(child.contentHash == Program.hash(child.files))
        child.files["kernel.swift"] = "let a = 1\n"
        #expect(child.contentHash == parent.contentHash)
    }

    @Test func decodingRecomputesTheHashFromTheFiles() throws {
        let program = Program(files: ["a.swift": "x"])
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(program)) as! [String: Any]
        object["files"] = ["a.swift": "y"]
        let decoded = try JSONDecoder().decode(Program.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.contentHash == Program.hash(["a.swift": "y"]))
    }

    @Test func metricsKeepACommandEvaluatorsOwnNamesAndReadOldRows() throws {
        let metrics = Metrics(values: ["accuracy": 0.5, "speed": 1.5], split: "validation")
        #expect(metrics.combinedScore == 1.0)
        let old = #"{"benchmarks": {"s": {"exactAccuracy": 0.25, "tokenAccuracy": 0.5, "trainFLOPs": 0, "evalFLOPs": 0, "parameters": 3, "wallSeconds": 0, "cpuSeconds": 0, "reported": {}}}, "split": "validation"}"#
        let decoded = try JSONDecoder().decode(Metrics.self, from: Data(old.utf8))
        #expect(decoded.values.isEmpty)
        #expect(decoded.combinedScore == 0.25)
    }

    @Test func programFilesReadSubfoldersSkipTheRunConfigAndRefuseUnsafePaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-program-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try ProgramFiles.write(["kernel.swift": "k", "model/layers.swift": "l", "BRIEF.md": "b"], to: dir)
        try Data("seed: 1".utf8).write(to: dir.appendingPathComponent("evolve.yaml"))
        try Data("x".utf8).write(to: dir.appendingPathComponent(".hidden"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.swift").path, withDestinationPath: "/etc/passwd")
        #expect(try ProgramFiles.read(directory: dir) == ["kernel.swift": "k", "model/layers.swift": "l", "BRIEF.md": "b"])
        for bad in ["/etc/passwd", "../x.swift", "a/../../x", "", "a//b", ".git/config", "a\0b"] {
            #expect(!ProgramFiles.isSafe(bad), "\(bad)")
            #expect(throws: ProgramFiles.Failure.self) { try ProgramFiles.write([bad: "x"], to: dir) }
        }
        #expect(throws: ProgramFiles.Failure.self) { try ProgramFiles.read(directory: dir.appendingPathComponent("kernel.swift")) }
    }
}
