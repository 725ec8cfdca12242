import EvolveSupport
// evolve-dbbench: the program database under load (not part of `swift test`'s own process).
//   evolve-dbbench bench                  cost of insert + place + sample at 1k, 10k and 100k programs
//   evolve-dbbench crash-writer <db>      writes programs forever (the crash-safety test kills it with SIGKILL)
import EvolveCore
import Foundation

func metrics(_ score: Double) -> Metrics {
    Metrics(benchmarks: ["sudoku": BenchmarkMetrics(exactAccuracy: score, tokenAccuracy: score, parameters: 90_000)], split: "validation")
}

var config = DatabaseConfig()
config.islands = 4
config.populationCap = 1_000_000

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "crash-writer":
    guard arguments.count > 2 else { fatalError("usage: evolve-dbbench crash-writer <db>") }
    config.migrationInterval = 7
    config.stagnationGenerations = 25
    config.populationCap = 300
    let store = try ProgramStore(path: arguments[2], config: config, seed: 3)
    // No loop settles races here: the single-evaluation rule places every result at once.
    store.racing = RacingRule(repeats: 1)
    var rng = SplitMix64(seed: UInt64(getpid()))
    var i = try store.count()
    while true {
        i += 1
        let island = i % config.islands
        let program = Program(files: ["kernel.swift": "// program \(i) \(rng.next())\n" + String(repeating: "x", count: Int(rng.next() % 4000))], island: island)
        let id = try store.add(program).id
        try store.markEvaluating(id)
        let status: ProgramStatus = rng.unit() < 0.2 ? .failed : .evaluated
        try store.complete(id, status: status, metrics: status == .evaluated ? metrics(rng.unit()) : nil,
                           descriptors: ["parameters": 1e4 * (1 + 100 * rng.unit()), "effective_depth": 1 + 40 * rng.unit()])
        if i % 5 == 0 { _ = try? store.sample(island: island) }
    }

case "bench":
    print("insert + place + sample, per program (WAL, one transaction per state change)")
    for target in [1_000, 10_000, 100_000] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evolve-dbbench-\(target).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try ProgramStore(path: path, config: config, seed: 1)
        store.racing = RacingRule(repeats: 1)
        var rng = SplitMix64(seed: 9)
        func one(_ i: Int) throws {
            let island = i % config.islands
            let id = try store.add(Program(files: ["kernel.swift": "// \(i)\n" + String(repeating: "y", count: 2000)], island: island)).id
            try store.complete(id, status: .evaluated, metrics: metrics(rng.unit()),
                               descriptors: ["parameters": 1e4 * (1 + 1000 * rng.unit()), "effective_depth": 1 + 60 * rng.unit()])
            _ = try store.sample(island: island)
        }
        let fill = Date()
        for i in 0..<(target - 200) { try one(i) }
        let fillSeconds = Date().timeIntervalSince(fill)
        // Measure the last 200 operations at this population size.
        let start = Date()
        for i in (target - 200)..<target { try one(i) }
        let perOp = Date().timeIntervalSince(start) / 200
        FileHandle.standardOutput.write(Data((String(format: "%7d programs: %.3f ms per insert+place+sample (filling took %.1f s)", target, perOp * 1000, fillSeconds) + "\n").utf8))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

default:
    FileHandle.standardError.write(Data("usage: evolve-dbbench bench | crash-writer <db>\n".utf8))
    exit(1)
}
