import EvolveCore
import Foundation
import Sandbox
import TestSupport
import Testing
@testable import Evaluators

/// The suites that compile and run candidates in the sandbox, one at a time: concurrent compiles under
/// the sandbox's shared per-uid process limit can fail to start threads ("Resource temporarily
/// unavailable").
@Suite(.serialized) enum SandboxedCandidates {}

/// Issue 15's cheating kernels, and the next ones an LLM rewarded for scores would try, rebuilt as
/// candidates and run through `CandidateEvaluator`: each is refused, stopped, or scores what it learned.
extension SandboxedCandidates {
    @Suite(.serialized) struct HostileKernelTests {
        let scratch = ScratchDirectory("evolve-hostile")
        var root: URL { scratch.url }

        func evaluate(_ source: String, policy: SourcePolicy? = .kernel) async throws -> EvaluationReport {
            try await Self.evaluate(source, policy: policy, root: root)
        }

        /// The one place the sandboxed-candidate suites call the evaluator (adapt it when the evaluator's
        /// entry point changes): the tiny config, validation, training seed 1, retried when the compiler
        /// could not start a thread.
        static func evaluate(_ source: String, policy: SourcePolicy?, root: URL) async throws -> EvaluationReport {
            let evaluator = CandidateEvaluator(
                sandbox: Sandbox(), module: try await SharedModule.shared.get(),
                config: try ProgramConfig.parse(CandidateEvaluatorTests.tinyConfig, path: "test.yaml"), workRoot: root.appendingPathComponent("work"),
                sourcePolicy: policy)
            let program = Program(files: ["kernel.swift": source])
            var report = try await evaluator.evaluate(program, EvaluationRequest(split: .validation, trainingSeed: 1))
            for _ in 0..<3 where startFailed(report.artifacts["build"]) {
                try await Task.sleep(for: .seconds(3))
                report = try await evaluator.evaluate(program, EvaluationRequest(split: .validation, trainingSeed: 1))
            }
            return report
        }

        /// The compiler could not start a thread: the sandbox's per-uid process limit is shared with
        /// whatever else runs under that uid (SandboxTests' fork bomb, in a full `swift test`). Not the
        /// candidate's doing, so the tests retry.
        static func startFailed(_ buildArtifact: String?) -> Bool {
            buildArtifact?.contains("Resource temporarily unavailable") == true
        }

        /// A small honest kernel with room for a cheat (`Fixtures.kernel`).
        static func kernel(imports: String = "import TRMKit", extra: String = "", train: String? = nil, predict: String? = nil) -> String {
            Fixtures.kernel(imports: imports, extra: extra, train: train ?? Fixtures.honestTrain, predict: predict ?? Fixtures.honestPredict)
        }

        /// A 4×4 Sudoku solver on Swift integers (backtracking), as a cheat would embed it.
        static let solver = """
            func solve(_ grid: [Int]) -> [Int] {
                var g = grid.map { $0 <= 1 ? 0 : $0 - 1 }
                func ok(_ i: Int, _ d: Int) -> Bool {
                    let r = i / 4, c = i % 4, br = r / 2 * 2, bc = c / 2 * 2
                    for k in 0..<4 where g[r * 4 + k] == d || g[k * 4 + c] == d || g[(br + k / 2) * 4 + bc + k % 2] == d { return false }
                    return true
                }
                func fill(_ i: Int) -> Bool {
                    if i == 16 { return true }
                    if g[i] != 0 { return fill(i + 1) }
                    for d in 1...4 where ok(i, d) { g[i] = d; if fill(i + 1) { return true }; g[i] = 0 }
                    return false
                }
                _ = fill(0)
                return g.map { $0 + 1 }
            }
            """

        @Test func theHonestFixtureScores() async throws {
            let report = try await evaluate(Self.kernel())
            #expect(report.outcome == .evaluated, "\(report.artifacts)")
            #expect((report.metrics?.benchmarks["sudoku-4x4"]?.tokenAccuracy ?? 0) > 0.3)
        }

        // MARK: - Issue 15's four kernels

        @Test func aSolverInsidePredictHasNoInputsToSolve() async throws {
            // 1. Training kept, a solver in predict: the batch's tokens are not readable as numbers.
            let direct = Self.kernel(extra: Self.solver, predict: """
                let solved = stride(from: 0, to: batch.inputs.ids.count, by: 16).flatMap { solve(Array(batch.inputs.ids[$0..<($0 + 16)])) }
                return Tensor(shape: [solved.count, 6], data: solved.flatMap { t in (0..<6).map { $0 == t ? 1 : 0 } })
                """)
            let report = try await evaluate(direct)
            #expect(report.outcome == .buildFailed)
            #expect(report.artifacts["build"]?.contains("'ids' is inaccessible") == true, "\(report.artifacts)")

            // Reading them through reflection is refused before compiling.
            let reflected = Self.kernel(extra: Self.solver, predict: """
                let ids = Mirror(reflecting: batch.inputs).children.compactMap { $0.value as? [Int] }.first ?? []
                return Tensor(shape: [ids.count, 6], data: solve(ids).flatMap { t in (0..<6).map { $0 == t ? 1 : 0 } })
                """)
            let refused = try await evaluate(reflected)
            #expect(refused.outcome == .buildFailed)
            #expect(refused.artifacts["build"]?.contains("refused [reflection]: `Mirror`") == true, "\(refused.artifacts)")
        }

        @Test func aSolverThatParsesDescriptionsFindsOnlyShapes() async throws {
            // Descriptions carry shapes, never values: the parsed "grid" is the batch's size, and the
            // solver's answers are as good as no answers.
            let source = Self.kernel(extra: Self.solver, predict: """
                let digits = "\\(batch.inputs) \\(String(reflecting: batch))".compactMap { $0.wholeNumberValue }
                var grid = Array(digits.prefix(16)) + Array(repeating: 1, count: max(0, 16 - digits.count))
                grid = grid.map { min(max($0, 0), 5) }
                let answer = solve(grid)
                let rows = (0..<batch.size).flatMap { _ in answer }
                return Tensor(shape: [rows.count, 6], data: rows.flatMap { t in (0..<6).map { $0 == t ? 1 : 0 } })
                """)
            let report = try await evaluate(source)
            #expect(report.outcome == .evaluated, "\(report.artifacts)")
            #expect((report.metrics?.benchmarks["sudoku-4x4"]?.exactAccuracy ?? 1) < 0.2)
        }

        @Test func aSolverWithoutTrainingHasNeitherInputsNorAScore() async throws {
            // 2. No training at all: the driver refuses a kernel that takes no optimiser step…
            let idle = Self.kernel(extra: Self.solver, train: "return", predict: "logits(batch, tape)")
            let report = try await evaluate(idle)
            #expect(report.outcome == .rejected)
            #expect(report.artifacts["sudoku-4x4: stage 1"]?.contains("without an optimiser step") == true, "\(report.artifacts)")
            // …and one dummy step leaves the solver with nothing to read, as above.
            let oneStep = Self.kernel(extra: Self.solver, train: """
                let batch = trainer.next(1)
                trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
                """, predict: """
                let grid = batch.inputs.ids
                return Tensor(shape: [grid.count, 6], data: solve(grid).flatMap { t in (0..<6).map { $0 == t ? 1 : 0 } })
                """)
            let built = try await evaluate(oneStep)
            #expect(built.outcome == .buildFailed)
            #expect(built.artifacts["build"]?.contains("'ids' is inaccessible") == true, "\(built.artifacts)")
        }

        @Test func resettingTheMeterDoesNotCompile() async throws {
            // 3. FLOPMeter.reset() three times: the meter is the driver's, out of the kernel's reach.
            let source = Self.kernel(train: """
                var resets = 0
                while !trainer.isOutOfBudget || resets < 3 {
                    if trainer.isOutOfBudget { trainer.tape.meter.reset(); resets += 1 }
                    let batch = trainer.next(16)
                    trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
                }
                """)
            let report = try await evaluate(source)
            #expect(report.outcome == .buildFailed)
            #expect(report.artifacts["build"]?.contains("'meter' is inaccessible") == true, "\(report.artifacts)")
            // A private meter or tape of its own is no way around it either.
            let own = Self.kernel(predict: "let mine = Tape(); return logits(batch, mine)")
            let ownReport = try await evaluate(own)
            #expect(ownReport.outcome == .buildFailed)
            #expect(ownReport.artifacts["build"]?.contains("inaccessible") == true, "\(ownReport.artifacts)")
        }

        @Test func doublingTheBudgetAndRewritingRunJSONIsRefused() async throws {
            // 4. Double meter.budget, rewrite out/run.json at exit.
            let source = Self.kernel(
                imports: "import TRMKit\nimport Foundation",
                train: """
                    trainer.tape.meter.budget! *= 2
                    atexit {
                        let fake = "{\\"train_flops\\": 1e9, \\"parameters\\": 10, \\"config\\": {\\"effective_depth\\": 999}}"
                        try? fake.write(toFile: CommandLine.arguments[1] + "/out/run.json", atomically: true, encoding: .utf8)
                    }
                    while !trainer.isOutOfBudget {
                        let batch = trainer.next(16)
                        trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
                    }
                    """)
            let report = try await evaluate(source)
            #expect(report.outcome == .buildFailed)
            let artifact = report.artifacts["build"] ?? ""
            for rule in ["refused [imports]", "`atexit`", "`CommandLine`", "`toFile`"] {
                #expect(artifact.contains(rule), "\(rule) in \(artifact)")
            }
            // Without the source policy, TRMKit's access control still refuses the budget.
            let unpoliced = try await evaluate(source, policy: nil)
            #expect(unpoliced.outcome == .buildFailed)
            #expect(unpoliced.artifacts["build"]?.contains("'meter' is inaccessible") == true, "\(unpoliced.artifacts)")
        }

        // MARK: - Beyond the four

        @Test func fileAPIsLeakNoFurtherThroughTRMKitThanThePolicy() async throws {
            // Foundation's String(contentsOfFile:) reached kernels through TRMKit's own import of Foundation;
            // TRMKit no longer imports it, and candidates compile with MemberImportVisibility.
            let source = Self.kernel(extra: """
                let leaked = (try? String(contentsOfFile: "data/eval.jsonl", encoding: .utf8)) ?? ""
                """)
            let refused = try await evaluate(source)
            #expect(refused.artifacts["build"]?.contains("`contentsOfFile`") == true, "\(refused.artifacts)")
            let unpoliced = try await evaluate(source, policy: nil)
            #expect(unpoliced.outcome == .buildFailed, "\(unpoliced.artifacts)")
        }

        @Test func trainingThatIgnoresTheBudgetEndsAtIt() async throws {
            // A loop that never checks isOutOfBudget: the op that would cross the budget ends training.
            let source = Self.kernel(train: """
                for _ in 0..<1_000_000 {
                    let batch = trainer.next(16)
                    trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
                }
                """)
            let report = try await evaluate(source)
            #expect(report.outcome == .evaluated, "\(report.artifacts)")
            let metrics = try #require(report.metrics?.benchmarks["sudoku-4x4"])
            #expect(metrics.trainFLOPs <= 1e10 && metrics.trainFLOPs > 0.9e10)
        }

        @Test func aTrainerSavedForPredictionReadsNothing() async throws {
            // The only readout ("all halted?") is a training helper: used from predict (first reached at
            // the driver's first probe of the training curve), it ends the run.
            let source = Self.kernel(
                extra: "final class Saved { var trainer: Trainer? }",
                train: """
                    saved.trainer = trainer
                    while !trainer.isOutOfBudget {
                        let batch = trainer.next(16)
                        trainer.step(loss: trainer.tape.stableMaxCrossEntropy(logits(batch, trainer.tape), labels: batch.labels!))
                    }
                    """,
                predict: """
                    let firstToken = tape.slice(tape.embedding(embedding, ids: batch.inputs), axis: 0, start: 0, length: 1)
                    _ = saved.trainer!.allHalted(firstToken)
                    return logits(batch, tape)
                    """
            ).replacingOccurrences(of: "    let head: Linear\n", with: "    let head: Linear\n    let saved = Saved()\n")
            let report = try await evaluate(source)
            #expect(report.outcome == .rejected)
            #expect(report.artifacts["sudoku-4x4: stage 1"]?.contains("trainer.allHalted was called inside predict") == true, "\(report.artifacts)")
        }
    }
}
