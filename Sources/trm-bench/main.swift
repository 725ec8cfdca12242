// trm-bench: measurement tool for TRMKit and the seed kernels (not part of `swift test`).
//   trm-bench data  <workdir> [--tier sudoku-6x6|sudoku-9x9|sudoku-4x4] [--split validation|test] [--train-flops F]
//                   [--seed S (the data)] [--training-seed T (budget.json's seed; default S)]
//   trm-bench score <workdir>          exact and token accuracy of out/predictions.jsonl against labels.jsonl
//   trm-bench gemm                     matmul GFLOP/s at the seed kernel's shapes vs the measured FMA peak
import Evaluators
import EvolveCore
import Foundation
import TRMKit

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

func option(_ name: String, _ arguments: [String]) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail("usage: trm-bench data|score|gemm …") }

switch command {
case "data":
    guard arguments.count > 1 else { fail("usage: trm-bench data <workdir> [--tier NAME]") }
    let dir = URL(fileURLWithPath: arguments[1])
    let tier = option("--tier", arguments) ?? "sudoku-6x6"
    guard let bench = BenchTiers.sudoku(tier) else { fail("unknown tier '\(tier)'") }
    let split: Split = option("--split", arguments) == "test" ? .test : .validation
    let seed = UInt64(option("--seed", arguments) ?? "1") ?? 1
    let trainFLOPs = Int64(Double(option("--train-flops", arguments) ?? "3e12") ?? 3e12)
    let evalFLOPs = Int64(Double(option("--eval-flops", arguments) ?? "5e11") ?? 5e11)
    let trainingSeed = UInt64(option("--training-seed", arguments) ?? String(seed)) ?? seed
    let data = try bench.taskData(split: split, seed: seed)
    try data.write(to: dir, trainFLOPs: trainFLOPs, evalFLOPs: evalFLOPs, seed: trainingSeed)
    let labels = data.evaluation.map { "{\"id\":\"\($0.id)\",\"label\":\($0.label)}" }.joined(separator: "\n") + "\n"
    try Data(labels.utf8).write(to: dir.appendingPathComponent("labels.jsonl"))
    print("wrote \(data.train.count) training examples and \(data.evaluation.count) \(split.rawValue) queries of \(data.name) to \(dir.path)")

case "score":
    guard arguments.count > 1 else { fail("usage: trm-bench score <workdir>") }
    let dir = URL(fileURLWithPath: arguments[1])
    func read(_ name: String) -> [[String: Any]] {
        guard let text = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) else { fail("cannot read \(name)") }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
    var predicted: [String: [Int]] = [:]
    for p in read("out/predictions.jsonl") { if let id = p["id"] as? String, let o = p["output"] as? [Int] { predicted[id] = o } }
    var exact = 0, tokens = 0, tokenTotal = 0
    let labels = read("labels.jsonl")
    for l in labels {
        guard let id = l["id"] as? String, let label = l["label"] as? [Int] else { continue }
        tokenTotal += label.count
        guard let p = predicted[id], p.count == label.count else { continue }
        if p == label { exact += 1 }
        tokens += zip(p, label).filter { $0 == $1 }.count
    }
    print(String(format: "exact %.4f (%d/%d)  token %.4f", Double(exact) / Double(max(labels.count, 1)), exact, labels.count,
                 Double(tokens) / Double(max(tokenTotal, 1))))

case "gemm":
    GEMMBenchmark.run()

default:
    fail("unknown command '\(command)'")
}

enum BenchTiers {
    static func sudoku(_ name: String) -> SudokuBenchmark? {
        switch name {
        case "sudoku-4x4": SudokuBenchmark(boxRows: 2, boxColumns: 2, difficulty: .minimal, trainCount: 200, validationCount: 40, testCount: 40, augmentations: 3)
        case "sudoku-6x6": SudokuBenchmark(boxRows: 2, boxColumns: 3, difficulty: .minimal, trainCount: 1000, validationCount: 200, testCount: 200, augmentations: 3)
        case "sudoku-9x9": SudokuBenchmark(boxRows: 3, boxColumns: 3, difficulty: .blanks(40), trainCount: 1000, validationCount: 200, testCount: 200, augmentations: 3)
        default: nil
        }
    }
}
