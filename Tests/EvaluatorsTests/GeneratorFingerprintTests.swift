import EvolveCore
import EvolveSupport
import Foundation
import Testing
@testable import Evaluators

/// Generated benchmarks must not change when the data code around them does: measured scores depend on the
/// exact puzzles. The fingerprints below were taken from the generators before real-data loading was added.
@Suite struct GeneratorFingerprintTests {
    static func fingerprint(_ task: TaskData) -> String {
        var hasher = EvolveSupport.FNV1a()
        hasher.combine("\(task.name) \(task.vocabSize) \(task.seqLen) \(task.numPuzzleIds)".utf8)
        for example in task.train + task.evaluation {
            hasher.combine(example.id.utf8)
            hasher.combine(example.input.map { UInt8($0) })
            hasher.combine(example.label.map { UInt8($0) })
            hasher.combine([UInt8(example.puzzle & 0xFF), UInt8(example.puzzle >> 8)])
        }
        return hasher.hex
    }

    static let config = """
        seed: 1
        benchmarks:
          - name: sudoku-6x6-minimal
            generator: sudoku
            box_rows: 2
            box_columns: 3
            difficulty: minimal
            train: 60
            augmentations: 3
            validation: 20
            test: 20
            train_flops: 7.5e11
            eval_flops: 1.0e11
          - name: sudoku-4x4
            generator: sudoku
            box_rows: 2
            box_columns: 2
            difficulty: 8
            train: 40
            validation: 12
            test: 12
            train_flops: 1.0e10
            eval_flops: 1.0e9
          - name: maze-small
            generator: maze
            size: 4
            train: 12
            augmentations: 2
            validation: 5
            test: 5
            train_flops: 1.0e10
            eval_flops: 1.0e9
          - name: arc-small
            generator: arc
            train: 14
            augmentations: 2
            validation: 7
            test: 7
            train_flops: 1.0e10
            eval_flops: 1.0e9
        """

    @Test func generatedTasksAreUnchanged() throws {
        let config = try ProgramConfig.parse(Self.config, path: "fingerprint.yaml")
        var prints: [String] = []
        for spec in config.benchmarks {
            for split in [Split.validation, .test] {
                prints.append("\(spec.name)/\(split.rawValue)=\(Self.fingerprint(try spec.instantiate(split: split, seed: config.seed).task))")
            }
        }
        #expect(prints == Self.expected)
    }

    static let expected: [String] = [
        "sudoku-6x6-minimal/validation=7ecdadf25359ba52",
        "sudoku-6x6-minimal/test=9a4371637e903ad1",
        "sudoku-4x4/validation=fa30e8d141f506eb",
        "sudoku-4x4/test=9dcd8def076f8cea",
        "maze-small/validation=91a51992452e044c",
        "maze-small/test=a64a8189445562c4",
        "arc-small/validation=70919a95ba7c7b53",
        "arc-small/test=00a02649c076d7f1",
    ]

    /// The seed programs' own benchmarks, as shipped (both include Programs/suite.yaml). Generating the
    /// minimal 9×9 Sudoku puzzles takes ~25 s of CPU in a debug build, so that entry is checked only when
    /// EVOLVE_SLOW_FINGERPRINTS is set; the others always are.
    @Test func theSeedProgramsTasksAreUnchanged() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let slow: Set<String> = ProcessInfo.processInfo.environment["EVOLVE_SLOW_FINGERPRINTS"] == nil ? ["sudoku-9x9-minimal"] : []
        var prints: [String] = []
        var byText: [String: [String]] = [:]  // the seeds share one suite: generate its puzzles once
        for program in ["trm", "hrm"] {
            let dir = repo.appendingPathComponent("Programs/\(program)")
            let path = dir.appendingPathComponent("evolve.yaml").path
            let text = try ProgramConfig.inliningSuite(try String(contentsOfFile: path, encoding: .utf8), path: path)
            if byText[text] == nil {
                let config = try ProgramConfig.load(programDir: dir)
                byText[text] = try config.benchmarks.filter { !slow.contains($0.name) }.map {
                    "\($0.name)=\(Self.fingerprint(try $0.instantiate(split: .validation, seed: config.seed).task))"
                }
            }
            prints += byText[text]!.map { "\(program)/\($0)" }
        }
        #expect(prints == Self.seedPrograms.filter { !slow.contains($0.split(separator: "/")[1].split(separator: "=")[0].description) })
    }

    static let seedPrograms: [String] = [
        "trm/sudoku-6x6-minimal=7fb29f201da12633",
        "trm/sudoku-9x9-minimal=28dbd7f95fcc507c",
        "trm/maze-9x9=717630291e57012e",
        "hrm/sudoku-6x6-minimal=7fb29f201da12633",
        "hrm/sudoku-9x9-minimal=28dbd7f95fcc507c",
        "hrm/maze-9x9=717630291e57012e",
    ]
}
