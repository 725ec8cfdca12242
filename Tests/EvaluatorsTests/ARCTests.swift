import EvolveSupport
import Foundation
import Testing
@testable import Evaluators

/// Test-side helpers written independently of the code under test: their own rule implementations.
enum ARCFixture {
    static func size(_ g: ARCGrid) -> (Int, Int) { (g.count, g.first?.count ?? 0) }

    static func flip(_ g: ARCGrid, horizontal: Bool) -> ARCGrid {
        let (h, w) = size(g)
        return (0..<h).map { r in (0..<w).map { c in horizontal ? g[r][w - 1 - c] : g[h - 1 - r][c] } }
    }

    /// Clockwise quarter turn by index arithmetic: the cell at (r, c) moves to (c, h − 1 − r).
    static func quarterTurn(_ g: ARCGrid) -> ARCGrid {
        let (h, w) = size(g)
        var out = Array(repeating: Array(repeating: -1, count: h), count: w)
        for r in 0..<h { for c in 0..<w { out[c][h - 1 - r] = g[r][c] } }
        return out
    }

    static func turn(_ g: ARCGrid, _ k: Int) -> ARCGrid { (0..<k).reduce(g) { acc, _ in quarterTurn(acc) } }

    static func gravity(_ g: ARCGrid) -> ARCGrid {
        let (h, w) = size(g)
        var out = g
        for c in 0..<w {
            var column = (0..<h).map { g[$0][c] }
            column = Array(repeating: 0, count: column.filter { $0 == 0 }.count) + column.filter { $0 != 0 }
            for r in 0..<h { out[r][c] = column[r] }
        }
        return out
    }

    static func shift(_ g: ARCGrid, dr: Int, dc: Int) -> ARCGrid {
        let (h, w) = size(g)
        var out = Array(repeating: Array(repeating: 0, count: w), count: h)
        for r in 0..<h {
            for c in 0..<w where (0..<h).contains(r + dr) && (0..<w).contains(c + dc) { out[r + dr][c + dc] = g[r][c] }
        }
        return out
    }

    /// Background cells with no background route to the border, by repeated relaxation (no flood fill stack).
    static func fill(_ g: ARCGrid, colour: Int) -> ARCGrid {
        let (h, w) = size(g)
        var open = (0..<h).map { r in (0..<w).map { c in g[r][c] == 0 && (r == 0 || c == 0 || r == h - 1 || c == w - 1) } }
        var changed = true
        while changed {
            changed = false
            for r in 0..<h {
                for c in 0..<w where g[r][c] == 0 && !open[r][c] {
                    let near = (r > 0 && open[r - 1][c]) || (r < h - 1 && open[r + 1][c]) || (c > 0 && open[r][c - 1]) || (c < w - 1 && open[r][c + 1])
                    if near { open[r][c] = true; changed = true }
                }
            }
        }
        return (0..<h).map { r in (0..<w).map { c in g[r][c] == 0 && !open[r][c] ? colour : g[r][c] } }
    }

    static func expected(_ rule: ARCRule, _ input: ARCGrid) -> ARCGrid {
        switch rule {
        case .flip(let horizontal): return flip(input, horizontal: horizontal)
        case .rotate(let k): return turn(input, k)
        case .recolour(let mapping): return input.map { $0.map { mapping[$0] } }
        case .gravity: return gravity(input)
        case .translate(let dr, let dc): return shift(input, dr: dr, dc: dc)
        case .fillEnclosed(let colour): return fill(input, colour: colour)
        case .countAndDraw(let colour): return [Array(repeating: colour, count: input.joined().filter { $0 == colour }.count)]
        }
    }

    /// True when one colour-to-colour function maps every input cell to the output cell at the same place.
    static func isCellwiseRecolouring(_ pairs: [ARCPair]) -> Bool {
        var map: [Int: Int] = [:]
        for pair in pairs {
            guard size(pair.input) == size(pair.output) else { return false }
            for (a, b) in zip(pair.input.joined(), pair.output.joined()) {
                if let known = map[a], known != b { return false }
                map[a] = b
            }
        }
        return true
    }

    static func randomGrid(_ rng: inout SplitMix64, maxSide: Int) -> ARCGrid {
        let h = 1 + Int(rng.next() % UInt64(maxSide)), w = 1 + Int(rng.next() % UInt64(maxSide))
        return (0..<h).map { _ in (0..<w).map { _ in Int(rng.next() % 10) } }
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arc-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

@Suite struct ARCGeneratorTests {
    @Test func everyFamilyMatchesAnIndependentImplementationOfItsRule() {
        let tasks = ARCGenerator(maxSide: 10).generate(count: 70, seed: 11)
        #expect(Set(tasks.map(\.rule.family)) == Set(ARCRule.families))
        #expect(ARCRule.families.count >= 7)
        for generated in tasks {
            let task = generated.task
            #expect(task.train.count == 3 && task.test.count == 1, "\(task.name)")
            #expect(task.problem == nil, "\(task.name): \(task.problem ?? "")")
            #expect(Set(task.train.map(\.input) + task.test.map(\.input)).count == 4, "\(task.name): inputs differ within a task")
            for pair in task.train + task.test {
                let (h, w) = ARCFixture.size(pair.input)
                #expect((3...10).contains(h) && (3...10).contains(w), "\(task.name)")
                #expect(pair.output == ARCFixture.expected(generated.rule, pair.input), "\(task.name)")
                #expect(pair.output != pair.input, "\(task.name): every pair shows the rule at work")
            }
            switch generated.rule {
            case .recolour(let mapping):
                let moved = (1...9).filter { mapping[$0] != $0 }
                #expect(mapping[0] == 0 && (2...3).contains(moved.count), "two or three colours change, 0 stays")
                #expect(Set(moved.map { mapping[$0] }).count == moved.count && moved.allSatisfy { !moved.contains(mapping[$0]) })
                #expect((task.train + task.test).allSatisfy { $0.input.joined().allSatisfy { $0 == 0 || moved.contains($0) } })
                #expect(ARCFixture.isCellwiseRecolouring(task.train + task.test))
            case .fillEnclosed(let colour):
                #expect(task.test[0].input.joined().allSatisfy { $0 != colour }, "the fill colour is not in the input")
            case .countAndDraw:
                #expect(task.test[0].output.count == 1 && (1...10).contains(task.test[0].output[0].count))
            default: break
            }
        }
    }

    @Test func rulesOnHandMadeGrids() {
        let ring: ARCGrid = [[0, 0, 0, 0, 0], [0, 3, 3, 3, 0], [0, 3, 0, 3, 0], [0, 3, 3, 3, 0], [0, 0, 0, 0, 0]]
        #expect(ARCRule.fillEnclosed(colour: 4).apply(ring)[2] == [0, 3, 4, 3, 0])
        let open: ARCGrid = [[0, 3, 0], [3, 0, 3], [3, 0, 3]]  // the centre reaches the bottom edge
        #expect(ARCRule.fillEnclosed(colour: 4).apply(open) == open)
        #expect(ARCRule.gravity.apply([[1, 0], [0, 2], [5, 0]]) == [[0, 0], [1, 0], [5, 2]])
        #expect(ARCRule.rotate(quarterTurns: 1).apply([[1, 2, 3], [4, 5, 6]]) == [[4, 1], [5, 2], [6, 3]])
        #expect(ARCRule.translate(dr: 0, dc: 1).apply([[1, 2], [3, 4]]) == [[0, 1], [0, 3]])
        #expect(ARCRule.countAndDraw(colour: 7).apply([[7, 1, 7], [0, 7, 1]]) == [[7, 7, 7]])
    }

    @Test func generationIsDeterministicPerSeedAndIndex() {
        let generator = ARCGenerator(maxSide: 8)
        let a = generator.generate(count: 14, seed: 5)
        #expect(a == generator.generate(count: 14, seed: 5))
        #expect(Array(a.prefix(4)) == generator.generate(count: 4, seed: 5))
        #expect(a != generator.generate(count: 14, seed: 6))
        #expect(a.allSatisfy { $0.task.largestSide <= 8 })
    }
}

@Suite struct ARCEncodingTests {
    @Test func markersSitBelowAndRightOfTheGrid() {
        let encoding = ARCEncoding(side: 4)
        let tokens = encoding.encode([[0, 1, 2], [9, 8, 7]])
        #expect(tokens == [
            2, 3, 4, 1,
            11, 10, 9, 1,
            1, 1, 1, 0,
            0, 0, 0, 0,
        ])
        #expect(ARCEncoding.vocabularySize == 12 && encoding.seqLen == 16)
        #expect(encoding.encode([[5, 5, 5, 5]]) == [7, 7, 7, 7, 1, 1, 1, 1] + Array(repeating: 0, count: 8), "a full-width grid has no column marker")
    }

    @Test func encodeThenDecodeRoundTrips() {
        var rng = SplitMix64(seed: 99)
        for side in [1, 5, 10, 30] {
            let encoding = ARCEncoding(side: side)
            for _ in 0..<40 {
                let grid = ARCFixture.randomGrid(&rng, maxSide: side)
                let tokens = encoding.encode(grid)
                #expect(tokens.count == side * side && tokens.allSatisfy { (0..<12).contains($0) })
                #expect(encoding.decode(tokens) == grid)
            }
            let full = Array(repeating: Array(repeating: 3, count: side), count: side)
            #expect(encoding.decode(encoding.encode(full)) == full)
        }
    }

    @Test func decodeRejectsMalformedCanvases() {
        let encoding = ARCEncoding(side: 3)
        #expect(encoding.decode(Array(repeating: 0, count: 9)) == nil, "no grid in the corner")
        #expect(encoding.decode([2, 2, 1, 2, 0, 1, 1, 1, 0]) == nil, "a pad inside the 2×2 rectangle")
        #expect(encoding.decode([2, 2]) == nil, "wrong length")
        #expect(encoding.decode([2, 3, 1, 4, 5, 1, 1, 1, 0]) == [[0, 1], [2, 3]])
    }
}

@Suite struct ARCAugmentationTests {
    @Test func augmentationKeepsEveryTaskConsistent() {
        var rng = SplitMix64(seed: 17)
        for generated in ARCGenerator(maxSide: 9).generate(count: 35, seed: 2) {
            let augmentation = ARCAugmentation.random(using: &rng)
            #expect(augmentation != .identity && augmentation.colours[0] == 0)
            let copy = augmentation.apply(generated.task)
            let pairs = copy.train + copy.test
            #expect(copy.problem == nil)
            #expect(augmentation.inverse.apply(copy) == generated.task, "the inverse restores the task")
            for (original, moved) in zip(generated.task.train + generated.task.test, pairs) {
                // Background cells stay background, in number.
                #expect(original.input.joined().filter { $0 == 0 }.count == moved.input.joined().filter { $0 == 0 }.count)
                let turned = augmentation.dihedral % 2 == 1
                let (h, w) = ARCFixture.size(original.input)
                #expect(ARCFixture.size(moved.input) == (turned ? (w, h) : (h, w)))
            }
            switch generated.rule {
            case .flip, .rotate:
                // Still one fixed rotation or mirror for every pair.
                let candidates: [(ARCGrid) -> ARCGrid] = (0..<4).flatMap { k in
                    [{ ARCFixture.turn($0, k) }, { ARCFixture.flip(ARCFixture.turn($0, k), horizontal: true) }]
                }
                #expect(candidates.contains { f in pairs.allSatisfy { f($0.input) == $0.output } })
            case .recolour:
                #expect(ARCFixture.isCellwiseRecolouring(pairs))
            case .gravity:
                // Cells still fall, in one of the four directions.
                let directions = (0..<4).map { k in { (g: ARCGrid) in ARCFixture.turn(ARCFixture.gravity(ARCFixture.turn(g, k)), (4 - k) % 4) } }
                #expect(directions.contains { f in pairs.allSatisfy { f($0.input) == $0.output } })
            case .fillEnclosed:
                let fills = (1...9).filter { colour in pairs.allSatisfy { ARCFixture.fill($0.input, colour: colour) == $0.output } }
                #expect(fills.count == 1)
            case .countAndDraw:
                #expect(pairs.allSatisfy { pair in
                    let colour = pair.output.joined().first ?? -1
                    return pair.output.joined().count == pair.input.joined().filter { $0 == colour }.count
                })
            case .translate:
                let shifts = [(0, 1), (1, 0), (0, -1), (-1, 0)].filter { d in pairs.allSatisfy { ARCFixture.shift($0.input, dr: d.0, dc: d.1) == $0.output } }
                #expect(shifts.count == 1)
            }
        }
    }

    @Test func dihedralTransformsAreDistinctOnAnAsymmetricGrid() {
        let grid: ARCGrid = [[1, 2, 3], [4, 5, 6]]
        let images = (0..<8).map { ARCAugmentation(dihedral: $0).apply(grid) }
        #expect(Set(images).count == 8)
        #expect(images[1] == ARCFixture.quarterTurn(grid))
        #expect(images[4] == ARCFixture.flip(grid, horizontal: true))
        var colours = Array(0...9)
        colours.swapAt(1, 6)
        #expect(ARCAugmentation(dihedral: 0, colours: colours).apply(grid) == [[6, 2, 3], [4, 5, 1]])
    }
}

@Suite struct ARCLoaderTests {
    static let taskJSON = """
        {"train": [{"input": [[0, 1], [1, 0]], "output": [[1, 0], [0, 1]]},
                   {"input": [[2, 0, 0]], "output": [[0, 0, 2]]}],
         "test": [{"input": [[3], [0]], "output": [[3], [0]]}]}
        """

    @Test func readsAFileAndADirectoryInTheARCAGIFormat() throws {
        let dir = try ARCFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(Self.taskJSON.utf8).write(to: dir.appendingPathComponent("b1c2.json"))
        try Data(#"{"train": [{"input": [[5]], "output": [[6]]}], "test": [{"input": [[7]], "output": [[8]]}, {"input": [[9]], "output": [[0]]}]}"#.utf8)
            .write(to: dir.appendingPathComponent("a0.json"))
        try Data("not a task".utf8).write(to: dir.appendingPathComponent("README.txt"))
        let tasks = try ARCLoader.load(path: dir.path)
        #expect(tasks.map(\.name) == ["a0", "b1c2"])
        #expect(tasks[1].train == [
            ARCPair(input: [[0, 1], [1, 0]], output: [[1, 0], [0, 1]]), ARCPair(input: [[2, 0, 0]], output: [[0, 0, 2]]),
        ])
        #expect(tasks[1].test == [ARCPair(input: [[3], [0]], output: [[3], [0]])])
        #expect(tasks[0].test.count == 2)
        let one = try ARCLoader.load(path: dir.appendingPathComponent("b1c2.json").path)
        #expect(one == [tasks[1]])

        let data = try ARCBenchmark.taskData(name: "arc-files", canvas: 30, training: [tasks[1]], evaluation: [tasks[0]])
        #expect(data.seqLen == 900 && data.numPuzzleIds == 2)
        #expect(data.train.count == 3 && data.evaluation.map(\.id) == ["v0q0", "v0q1"])
        #expect(data.evaluation.allSatisfy { $0.puzzle == 1 } && data.train.map(\.puzzle) == [0, 0, 1])
        #expect(throws: EvaluationError.self) {
            try ARCBenchmark.taskData(name: "arc-files", canvas: 1, training: [tasks[1]], evaluation: [tasks[0]])
        }
    }

    /// Each problem names the line and column, and the JSON path of the bad value.
    @Test(arguments: [
        (#"{"train": [{"input": [[1, 2], [3]], "output": [[1]]}], "test": [{"input": [[1]], "output": [[1]]}]}"#,
         ":1:30: train[0].input[1] has 1 colours but row 0 has 2; a grid is rectangular"),
        (#"{"train": [{"input": [[1]], "output": [[12]]}], "test": [{"input": [[1]], "output": [[1]]}]}"#,
         ":1:41: 12 is not a colour (an integer 0 to 9) at train[0].output[0][0]"),
        (#"{"train": [{"input": [[1]], "output": [[1]]}]}"#, ":1:1: the task has no \"test\" list (its test pairs)"),
        (#"{"train": [], "test": [{"input": [[1]], "output": [[1]]}]}"#, "the task has an empty \"train\" list: no demonstration pairs"),
        (#"{"train": [{"input": [[1]], "output": []}], "test": [{"input": [[1]], "output": [[1]]}]}"#,
         ":1:38: train[0].output is an empty grid; a grid has 1 to 30 rows"),
        (#"{"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]]"#, ":1:72: the file ends inside test[0] (it is cut short?)"),
        (#"{"train": [{"input": "1", "output": [[1]]}], "test": [{"input": [[1]], "output": [[1]]}]}"#,
         ":1:22: expected a grid (a list of rows) at train[0].input, found a string (\"1\")"),
    ])
    func namesTheFileAndTheProblemOnMalformedInput(text: String, problem: String) throws {
        let dir = try ARCFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("broken-task.json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ARCLoader.load(path: dir.path)
            Issue.record("a malformed task was accepted")
        } catch let error as BenchmarkFileError {
            #expect(error.description.hasPrefix(path + ":"), "\(error)")
            #expect(error.description.hasSuffix(problem), "\(error)")
        }
    }

    @Test func namesAMissingPathAndAnEmptyDirectory() throws {
        let dir = try ARCFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: BenchmarkFileError.self) { try ARCLoader.load(path: dir.path) }
        let missing = dir.appendingPathComponent("nope.json").path
        do {
            _ = try ARCLoader.load(path: missing)
            Issue.record("a missing file was accepted")
        } catch let error as BenchmarkFileError {
            #expect(error.description.contains(missing))
        }
    }
}
