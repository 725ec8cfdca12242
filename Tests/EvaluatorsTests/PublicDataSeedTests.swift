import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

/// A data seed written in a committed evolve.yaml is public and the generators are deterministic: a kernel
/// can remake the splits itself (`RegeneratingKernel`). The data key (`data_key`, drawn by `evolve run`)
/// makes them its own secret.
extension SandboxedCandidates {
    @Suite(.serialized) struct PublicDataSeedTests {
        let scratch = ScratchDirectory("evolve-public-seed")
        var root: URL { scratch.url }

        /// The default suite's 6×6 benchmark with the committed seeds' data seed, at a tenth of its budget.
        static func config(dataKey: UInt64?) -> String {
            """
            seed: 1
            \(dataKey.map { "data_key: \($0)" } ?? "")
            benchmarks:
              - name: sudoku-6x6-easy
                generator: sudoku
                box_rows: 2
                box_columns: 3
                difficulty: 12
                train: 1000
                augmentations: 3
                validation: 200
                test: 200
                train_flops: 7.5e10
                eval_flops: 1.0e11
            """
        }

        func exact(dataKey: UInt64?, split: Split) async throws -> Double {
            let evaluator = CandidateEvaluator(
                sandbox: Sandbox(), module: try await SharedModule.shared.get(),
                config: try ProgramConfig.parse(Self.config(dataKey: dataKey), path: "test.yaml"), workRoot: root)
            let report = try await evaluator.evaluate(
                Program(files: ["kernel.swift": RegeneratingKernel.source]), EvaluationRequest(split: split, trainingSeed: 3))
            #expect(report.outcome == .evaluated, "\(report.artifacts)")
            #expect(!report.artifacts.keys.contains { $0.hasPrefix(EvaluationReport.flagArtifactPrefix) }, "\(report.artifacts)")
            return try #require(report.metrics?.benchmarks["sudoku-6x6-easy"]).exactAccuracy
        }

        /// Without a key the kernel answers every query of both held-out splits, unflagged (so the fixture
        /// still remakes the evaluator's puzzles); with one its table misses them all.
        @Test func aKernelThatRemakesTheSplitsFromThePublicSeedMissesKeyedOnes() async throws {
            #expect(try await exact(dataKey: nil, split: .validation) == 1)
            #expect(try await exact(dataKey: 0x5EC2E7, split: .validation) == 0)
            #expect(try await exact(dataKey: 0x5EC2E7, split: .test) == 0)
        }
    }
}

/// How the key enters: mixed into the seed the splits are made from, and drawn when a run starts.
@Suite struct DataKeyTests {
    static let text = SandboxedCandidates.PublicDataSeedTests.config(dataKey: nil)

    @Test func aKeyChangesEverySplitAndNoKeyKeepsTheSeedsOwn() throws {
        let plain = try ProgramConfig.parse(Self.text, path: "a.yaml")
        #expect(plain.dataKey == nil && plain.dataSeed == 1)
        let keyed = try ProgramConfig.parse(SandboxedCandidates.PublicDataSeedTests.config(dataKey: 42), path: "a.yaml")
        #expect(keyed.dataKey == 42 && keyed.dataSeed != 1)
        let spec = try #require(plain.benchmarks.first)
        for split in [Split.validation, .test] {
            let (publicTask, _) = try spec.instantiate(split: split, seed: plain.dataSeed)
            let (keyedTask, _) = try spec.instantiate(split: split, seed: keyed.dataSeed)
            let shared = Set(publicTask.evaluation.map(\.input)).intersection(keyedTask.evaluation.map(\.input))
            #expect(shared.isEmpty, "\(split): \(shared.count) queries in common")
        }
    }

    @Test func aRunDrawsAKeyWhenTheFileHasNoneAndKeepsOneItHas() throws {
        let first = try ProgramConfig.keyingData(Self.text, path: "a.yaml")
        let second = try ProgramConfig.keyingData(Self.text, path: "a.yaml")
        let a = try #require(try ProgramConfig.parse(first, path: "a.yaml").dataKey)
        let b = try #require(try ProgramConfig.parse(second, path: "a.yaml").dataKey)
        #expect(a != b)
        #expect(try ProgramConfig.keyingData(first, path: "a.yaml") == first)
        #expect(try ProgramConfig.keyingData("max_iterations: 3\n", path: "a.yaml") == "max_iterations: 3\n")
    }
}
