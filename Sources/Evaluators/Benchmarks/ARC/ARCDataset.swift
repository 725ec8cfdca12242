import EvolveSupport
import Foundation

/// Draws the train / validation / test tasks of an ARC `data:` benchmark from real ARC files.
///
/// `path` may be
/// - an ARC-AGI-1 or ARC-AGI-2 checkout or its `data/` folder, with `training/` and `evaluation/` folders of
///   task files: training tasks come from `training/`, validation and test tasks from `evaluation/`;
/// - a folder of Kaggle's combined files (`arc-agi_training_challenges.json` + `arc-agi_training_solutions.json`,
///   and the `evaluation` pair): the same roles by subset name; a challenges file without its solutions
///   (Kaggle's `test`) cannot be scored and is left out;
/// - one folder of task files, one task file, or one `…_challenges.json`: all three splits from it.
///
/// Tasks with a grid larger than the canvas are left out (the filter). Each pool is shuffled with the data
/// seed, and tasks are taken in that order: a task never straddles splits, and a validation or test task that
/// shares an input grid with a task already drawn is passed over, as the generator does.
enum ARCDataset {
    struct Splits: Sendable {
        var train: [ARCTask] = []
        var validation: [ARCTask] = []
        var test: [ARCTask] = []
        var source: DataSource
    }

    private enum Role: String { case train, validation, test }

    /// Tasks from one kind of file, and which splits they fill.
    private struct Pool {
        var name: String
        var tasks: [ARCTask] = []
        var targets: [(role: Role, count: Int)] = []
    }

    /// What the path holds: pools of tasks, the files read (relative names, and their hash), notes.
    private struct Collection {
        var format: DataSource.Format
        /// Prepended to file names (`data/` when the path is an ARC-AGI checkout).
        var prefix = ""
        var pools: [Pool] = []
        var files: [String] = []
        var hasher = FNV1a()
        var leftOut: [String] = []

        mutating func add(_ name: String, _ data: Data) {
            files.append(prefix + name)
            hasher.combine((prefix + name).utf8)
            data.withUnsafeBytes { hasher.combine($0) }
        }
    }

    static func load(path: String, canvas: Int, counts: DataSource.Counts, skipBadFiles: Bool, seed: UInt64) throws -> Splits {
        var collection = try read(path: path, skipBad: skipBadFiles, prefix: "")
        let all: [(Role, Int)] = [(.train, counts.train), (.validation, counts.validation), (.test, counts.test)]
        if collection.pools.count == 1 {
            collection.pools[0].targets = all
        } else {
            collection.pools[0].targets = [(.train, counts.train)]
            collection.pools[1].targets = [(.validation, counts.validation), (.test, counts.test)]
        }
        var splits = Splits(
            source: DataSource(
                path: path, format: collection.format, files: collection.files, contentHash: collection.hasher.hex, seed: seed,
                drawn: DataSource.Counts(train: 0, validation: 0, test: 0), available: 0, leftOut: collection.leftOut))
        var seenInputs = Set<String>()
        for pool in collection.pools {
            let fitting = pool.tasks.filter { $0.largestSide <= canvas }
            let tooLarge = pool.tasks.count - fitting.count
            if tooLarge > 0 { splits.source.leftOut.append("\(pool.name): \(tooLarge) tasks larger than the \(canvas)×\(canvas) canvas") }
            splits.source.available += fitting.count
            var order = fitting.sorted { $0.name < $1.name }
            // Salted by the pool's role, not its folder name: moving the data does not change the draw.
            var rng = SplitMix64(seed: seed ^ salt(pool.targets[0].role.rawValue))
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
            var next = 0, overlapping = 0
            for (role, count) in pool.targets {
                var drawn: [ARCTask] = []
                while drawn.count < count, next < order.count {
                    let task = order[next]
                    next += 1
                    let inputs = (task.train + task.test).map { ARCTask.key($0.input) }
                    if role != .train, inputs.contains(where: seenInputs.contains) {
                        overlapping += 1
                        continue
                    }
                    seenInputs.formUnion(inputs)
                    drawn.append(task)
                }
                guard drawn.count == count else {
                    let asked = pool.targets.map { "\($0.count) \($0.role.rawValue)" }.joined(separator: " + ")
                    var have = "\(pool.name) holds \(fitting.count) task\(fitting.count == 1 ? "" : "s") that fit the \(canvas)×\(canvas) canvas"
                    if tooLarge > 0 { have += " (\(tooLarge) larger left out)" }
                    if overlapping > 0 { have += ", \(overlapping) of them sharing an input grid with a task already drawn" }
                    throw BenchmarkFileError(
                        path: path, line: 0, problem: "asked for \(asked) tasks but \(have); lower the counts\(tooLarge > 0 ? " or raise size" : "")")
                }
                switch role {
                case .train: splits.train = drawn
                case .validation: splits.validation = drawn
                case .test: splits.test = drawn
                }
            }
            if overlapping > 0 {
                splits.source.leftOut.append("\(pool.name): \(overlapping) tasks sharing an input grid with a task already drawn")
            }
        }
        splits.source.drawn = DataSource.Counts(train: splits.train.count, validation: splits.validation.count, test: splits.test.count)
        splits.source.tasks = DataSource.TaskNames(
            train: splits.train.map(\.name), validation: splits.validation.map(\.name), test: splits.test.map(\.name))
        return splits
    }

    private static func salt(_ name: String) -> UInt64 {
        var hasher = FNV1a()
        hasher.combine(name.utf8)
        return hasher.value
    }

    /// Finds the layout at `path` and reads every task of it.
    private static func read(path: String, skipBad: Bool, prefix: String) throws -> Collection {
        let root = URL(fileURLWithPath: path)
        switch DataPath.kind(of: path) {
        case .missing:
            throw BenchmarkFileError(path: path, line: 0, problem: "no such file or directory")
        case .file:
            let name = root.lastPathComponent
            if name.hasSuffix("_challenges.json") {
                var collection = Collection(format: .arcKaggle, prefix: prefix)
                let pool = try kaggle(challenges: path, relative: name, solutionsRelative: solutionsName(name), base: root.deletingLastPathComponent(), skipBad: skipBad, into: &collection)
                guard let pool else {
                    throw BenchmarkFileError(
                        path: path, line: 0, problem: "\(solutionsName(name)) is missing beside it; evolve scores against the test outputs, which Kaggle ships in the solutions file")
                }
                collection.pools = [pool]
                return collection
            }
            if name.hasSuffix("_solutions.json") {
                throw BenchmarkFileError(path: path, line: 0, problem: "a solutions file holds only test outputs; point data: at the matching …_challenges.json or at their folder")
            }
            var collection = Collection(format: .arcTasks, prefix: prefix)
            collection.pools = [try taskFiles(base: root.deletingLastPathComponent(), names: [name], poolName: name, skipBad: false, into: &collection)]
            return collection
        case .directory(let entries):
            // An ARC-AGI checkout keeps its tasks under data/.
            if !entries.contains("training"), !entries.contains("evaluation"), entries.contains("data"),
                DataPath.isDirectory(root.appendingPathComponent("data").path)
            {
                return try read(path: root.appendingPathComponent("data").path, skipBad: skipBad, prefix: prefix + "data/")
            }
            var collection = Collection(format: .arcTasks, prefix: prefix)
            let folders = ["training", "evaluation"].filter { entries.contains($0) && DataPath.isDirectory(root.appendingPathComponent($0).path) }
            if !folders.isEmpty {
                for folder in folders {
                    guard case .directory(let names) = DataPath.kind(of: root.appendingPathComponent(folder).path) else { continue }
                    let json = names.filter { $0.hasSuffix(".json") }
                    guard !json.isEmpty else {
                        throw BenchmarkFileError(path: root.appendingPathComponent(folder).path, line: 0, problem: "the folder holds no *.json task files")
                    }
                    collection.pools.append(
                        try taskFiles(base: root, names: json.map { "\(folder)/\($0)" }, poolName: "\(folder)/", skipBad: skipBad, into: &collection))
                }
                return collection
            }
            let challenges = entries.filter { $0.hasSuffix("_challenges.json") }
            if !challenges.isEmpty {
                collection.format = .arcKaggle
                var training: [Pool] = [], evaluation: [Pool] = []
                for name in challenges {
                    guard let pool = try kaggle(
                        challenges: root.appendingPathComponent(name).path, relative: name, solutionsRelative: solutionsName(name), base: root,
                        skipBad: skipBad, into: &collection)
                    else {
                        collection.leftOut.append("\(name): no \(solutionsName(name)) beside it, so its tasks cannot be scored")
                        continue
                    }
                    if name.contains("evaluation") { evaluation.append(pool) } else { training.append(pool) }
                }
                // Several training subsets (say training and concept) form one pool.
                func merged(_ pools: [Pool]) -> Pool? {
                    guard !pools.isEmpty else { return nil }
                    return Pool(name: pools.map(\.name).joined(separator: " + "), tasks: pools.flatMap(\.tasks))
                }
                collection.pools = [merged(training), merged(evaluation)].compactMap { $0 }
                guard !collection.pools.isEmpty else {
                    throw BenchmarkFileError(path: path, line: 0, problem: "no …_challenges.json here has its …_solutions.json beside it; evolve needs the test outputs to score")
                }
                return collection
            }
            let json = entries.filter { $0.hasSuffix(".json") }
            if !json.isEmpty {
                collection.pools = [try taskFiles(base: root, names: json, poolName: root.lastPathComponent + "/", skipBad: skipBad, into: &collection)]
                return collection
            }
            var problem = "the folder holds no ARC data (training/ and evaluation/ folders, *.json task files, or Kaggle's …_challenges.json)"
            if entries.contains(where: { $0.hasSuffix(".csv") }) {
                problem += "; it holds CSV files: Sudoku and Maze data go with generator: sudoku or generator: maze"
            }
            throw BenchmarkFileError(path: path, line: 0, problem: problem)
        }
    }

    private static func solutionsName(_ challenges: String) -> String {
        String(challenges.dropLast("_challenges.json".count)) + "_solutions.json"
    }

    /// Task files `names` (relative to `base`); with `skipBad` a file that does not parse is noted and left out.
    private static func taskFiles(base: URL, names: [String], poolName: String, skipBad: Bool, into collection: inout Collection) throws -> Pool {
        var pool = Pool(name: poolName)
        var bad = 0
        for name in names {
            let path = base.appendingPathComponent(name).path
            let data = try ARCLoader.read(path)
            collection.add(name, data)
            do {
                pool.tasks.append(try ARCLoader.parse(data, path: path))
            } catch let error as BenchmarkFileError where skipBad {
                collection.leftOut.append("skipped \(error.description)")
                bad += 1
            }
        }
        if pool.tasks.isEmpty {
            throw BenchmarkFileError(path: base.appendingPathComponent(poolName).path, line: 0, problem: "none of its \(names.count) task files could be read (\(bad) malformed)")
        }
        return pool
    }

    /// The pool of a Kaggle challenges file, or nil when its solutions file is missing.
    private static func kaggle(
        challenges path: String, relative: String, solutionsRelative: String, base: URL, skipBad: Bool, into collection: inout Collection
    ) throws -> Pool? {
        let solutionsPath = base.appendingPathComponent(solutionsRelative).path
        guard FileManager.default.fileExists(atPath: solutionsPath) else { return nil }
        let challenges = try ARCLoader.read(path), solutions = try ARCLoader.read(solutionsPath)
        collection.add(relative, challenges)
        collection.add(solutionsRelative, solutions)
        let parsed = try ARCLoader.parseKaggle(
            challenges: challenges, challengesPath: path, solutions: solutions, solutionsPath: solutionsPath, skipBad: skipBad)
        collection.leftOut += parsed.skipped.map { "skipped \($0)" }
        guard !parsed.tasks.isEmpty else {
            throw BenchmarkFileError(path: path, line: 0, problem: "holds no usable task (\(parsed.skipped.count) malformed)")
        }
        let subset = relative.replacingOccurrences(of: "_challenges.json", with: "")
        return Pool(name: subset, tasks: parsed.tasks)
    }
}
