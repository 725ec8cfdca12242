import EvolveCore
import EvolveSupport
import Foundation
import Testing
@testable import Evaluators

/// Generated benchmarks must not change when the data code around them does: measured scores depend on the
/// exact puzzles. The fingerprints below were taken when the Sudoku generator began drawing its solution
/// grids at random (before, every grid was one grid with its digits renamed); a change here moves every
/// figure in docs/default-suite.md and must be re-measured there.
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
        "sudoku-6x6-minimal/validation=0361a62628198a90",
        "sudoku-6x6-minimal/test=b5f773eb2e3ee560",
        "sudoku-4x4/validation=5ac85088c169f887",
        "sudoku-4x4/test=447585f14ef2b93f",
        "maze-small/validation=91a51992452e044c",
        "maze-small/test=a64a8189445562c4",
        "arc-small/validation=70919a95ba7c7b53",
        "arc-small/test=00a02649c076d7f1",
    ]

    /// The seed programs' own benchmarks and transfer benchmark, as shipped (both include Programs/suite.yaml).
    @Test func theSeedProgramsTasksAreUnchanged() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var prints: [String] = []
        var byText: [String: [String]] = [:]  // the seeds share one suite: generate its puzzles once
        for program in ["trm", "hrm"] {
            let dir = repo.appendingPathComponent("Programs/\(program)")
            let path = dir.appendingPathComponent("evolve.yaml").path
            let text = try ProgramConfig.inliningSuite(try String(contentsOfFile: path, encoding: .utf8), path: path)
            if byText[text] == nil {
                let config = try ProgramConfig.load(programDir: dir)
                byText[text] = try (config.benchmarks + config.transfer).map {
                    "\($0.name)=\(Self.fingerprint(try $0.instantiate(split: .validation, seed: config.seed).task))"
                }
            }
            prints += byText[text]!.map { "\(program)/\($0)" }
        }
        #expect(prints == Self.seedPrograms)
    }

    static let seedPrograms: [String] = [
        "trm/sudoku-6x6-easy=40eadef99f29e7c9",
        "trm/sudoku-6x6-hard=ecb7b78d789716cb",
        "trm/maze-9x9=717630291e57012e",
        "trm/sudoku-8x8=e34e5d40b551d3d2",
        "hrm/sudoku-6x6-easy=40eadef99f29e7c9",
        "hrm/sudoku-6x6-hard=ecb7b78d789716cb",
        "hrm/maze-9x9=717630291e57012e",
        "hrm/sudoku-8x8=e34e5d40b551d3d2",
    ]
}
