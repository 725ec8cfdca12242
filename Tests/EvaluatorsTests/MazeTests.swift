import Foundation
import Testing
@testable import Evaluators

/// Test-side helpers written independently of the code under test: their own character map and BFS.
enum MazeFixture {
    static let tokenOf: [Character: Int] = ["#": 1, " ": 2, "S": 3, "G": 4, "o": 5]
    static let characterOf: [Int: Character] = [1: "#", 2: " ", 3: "S", 4: "G", 5: "o"]

    static func grid(_ rows: [String]) -> [Int] {
        precondition(rows.allSatisfy { $0.count == rows.count }, "fixture grids are square")
        return rows.joined().map { tokenOf[$0]! }
    }

    static func text(_ tokens: [Int]) -> String { String(tokens.map { characterOf[$0]! }) }

    /// Move counts from `origin` through non-wall cells, nil where unreachable.
    static func bfs(_ grid: [Int], side: Int, from origin: Int) -> [Int?] {
        var distance = [Int?](repeating: nil, count: grid.count)
        distance[origin] = 0
        var queue = [origin], head = 0
        while head < queue.count {
            let i = queue[head]
            head += 1
            let r = i / side, c = i % side
            for (nr, nc) in [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)] where (0..<side).contains(nr) && (0..<side).contains(nc) {
                let j = nr * side + nc
                if grid[j] != 1, distance[j] == nil {
                    distance[j] = distance[i]! + 1
                    queue.append(j)
                }
            }
        }
        return distance
    }

    /// Two shortest routes of 4 moves from S to G, around the middle wall either way.
    static let twoRoutes = grid([
        "#####",
        "#S  #",
        "# # #",
        "#  G#",
        "#####",
    ])
    static let overTheTop = grid([
        "#####",
        "#Soo#",
        "# #o#",
        "#  G#",
        "#####",
    ])
    static let roundTheBottom = grid([
        "#####",
        "#S  #",
        "#o# #",
        "#ooG#",
        "#####",
    ])

    /// A 4-move corridor along the top and an 8-move detour below it.
    static let corridor = grid([
        "#######",
        "#S   G#",
        "# ### #",
        "#     #",
        "#######",
        "#######",
        "#######",
    ])
    static let corridorShortest = grid([
        "#######",
        "#SoooG#",
        "# ### #",
        "#     #",
        "#######",
        "#######",
        "#######",
    ])
}

@Suite struct MazeGeneratorTests {
    @Test(arguments: [2, 3, 5, 7])
    func everyGeneratedMazeIsPerfect(size k: Int) {
        let n = 2 * k + 1
        for maze in MazeGenerator(size: k).generate(count: 10, seed: 21) {
            let grid = maze.inputTokens
            #expect(maze.side == n && grid.count == n * n)
            #expect(grid.filter { $0 == 3 }.count == 1 && grid.filter { $0 == 4 }.count == 1)
            #expect(grid.allSatisfy { (1...4).contains($0) }, "the input holds no path or padding tokens")
            for r in 0..<n {
                for c in 0..<n {
                    let token = grid[r * n + c]
                    if r == 0 || c == 0 || r == n - 1 || c == n - 1 || (r % 2 == 0 && c % 2 == 0) { #expect(token == 1) }
                    if r % 2 == 1 && c % 2 == 1 { #expect(token != 1, "cell (\(r), \(c)) is a maze cell") }
                    if token == 3 || token == 4 { #expect(r % 2 == 1 && c % 2 == 1, "start and goal sit on maze cells") }
                }
            }
            // A tree: connected, and exactly one edge fewer than vertices.
            let open = grid.indices.filter { grid[$0] != 1 }
            var edges = 0
            for i in open {
                if i % n + 1 < n, grid[i + 1] != 1 { edges += 1 }
                if i + n < n * n, grid[i + n] != 1 { edges += 1 }
            }
            #expect(open.count == 2 * k * k - 1)
            #expect(edges == open.count - 1)
            let reach = MazeFixture.bfs(grid, side: n, from: open[0])
            #expect(open.allSatisfy { reach[$0] != nil }, "every open cell is reachable")
        }
    }

    @Test(arguments: [3, 5])
    func labelMarksTheShortestPathBetweenTheMazesFarthestCells(size k: Int) {
        let n = 2 * k + 1
        for maze in MazeGenerator(size: k).generate(count: 8, seed: 4) {
            let grid = maze.inputTokens
            let start = grid.firstIndex(of: 3)!, goal = grid.firstIndex(of: 4)!
            let fromStart = MazeFixture.bfs(grid, side: n, from: start), fromGoal = MazeFixture.bfs(grid, side: n, from: goal)
            let d = fromStart[goal]!
            // In a tree the shortest path is the set of cells with d(S, x) + d(x, G) = d(S, G).
            for i in grid.indices where grid[i] == 2 {
                let onPath = fromStart[i]! + fromGoal[i]! == d
                #expect((maze.labelTokens[i] == 5) == onPath, "cell \(i)")
            }
            for i in grid.indices where grid[i] != 2 { #expect(maze.labelTokens[i] == grid[i]) }
            #expect(maze.pathCells == d - 1)
            // Start and goal are as far apart as any two maze cells.
            let cells = (0..<(k * k)).map { (2 * ($0 / k) + 1) * n + 2 * ($0 % k) + 1 }
            let diameter = cells.map { a in MazeFixture.bfs(grid, side: n, from: a).compactMap { $0 }.max()! }.max()!
            #expect(d == diameter)
            #expect(MazeVerifier.isShortestPath(input: grid, output: maze.labelTokens))
            #expect(!MazeVerifier.isShortestPath(input: grid, output: grid), "an unmarked grid is no answer")
        }
    }

    @Test func generationIsDeterministicPerSeedAndIndex() throws {
        let generator = MazeGenerator(size: 6)
        let a = generator.generate(count: 10, seed: 5)
        #expect(a == generator.generate(count: 10, seed: 5))
        #expect(Array(a.prefix(4)) == generator.generate(count: 4, seed: 5))
        #expect(a != generator.generate(count: 10, seed: 6))
        #expect(Set(a.map(\.inputTokens)).count == 10, "different indices give different mazes")
        let bench = MazeBenchmark(size: 4, trainCount: 12, validationCount: 4, testCount: 4, augmentations: 2)
        let one = try bench.taskData(split: .test, seed: 8), two = try bench.taskData(split: .test, seed: 8)
        #expect(one.train == two.train && one.evaluation == two.evaluation)
        #expect(try bench.taskData(split: .test, seed: 9).train != one.train)
    }

    @Test func tokensFollowTheMazeHardEncoding() {
        #expect(MazeToken.characters.enumerated().allSatisfy { MazeFixture.tokenOf[$0.element] == $0.offset + 1 })
        #expect(MazeToken.token(for: "o") == 5 && MazeToken.token(for: ".") == nil)
        let maze = MazeGenerator(size: 3).generate(count: 1, seed: 1)[0]
        #expect(MazeToken.vocabularySize == 6)
        #expect(maze.labelTokens.allSatisfy { (1...5).contains($0) })
    }
}

@Suite struct MazeVerifierTests {
    @Test func acceptsEitherOfTwoShortestPaths() {
        #expect(MazeVerifier.isShortestPath(input: MazeFixture.twoRoutes, output: MazeFixture.overTheTop))
        #expect(MazeVerifier.isShortestPath(input: MazeFixture.twoRoutes, output: MazeFixture.roundTheBottom))
        #expect(MazeVerifier.shortestDistance(in: MazeFixture.twoRoutes, side: 5) == 4)
    }

    @Test func rejectsBothRoutesAtOnceAndPathsThroughWalls() {
        let both = MazeFixture.grid(["#####", "#Soo#", "#o#o#", "#ooG#", "#####"])
        #expect(!MazeVerifier.isShortestPath(input: MazeFixture.twoRoutes, output: both))
        // Right length, connected, simple, but through the middle wall.
        let throughWall = MazeFixture.grid(["#####", "#So #", "# o #", "# oG#", "#####"])
        #expect(MazeVerifier.problem(input: MazeFixture.twoRoutes, output: throughWall)?.contains("wall") == true)
    }

    @Test func rejectsALongerPath() {
        let detour = MazeFixture.grid(["#######", "#S   G#", "#o###o#", "#ooooo#", "#######", "#######", "#######"])
        #expect(MazeVerifier.isShortestPath(input: MazeFixture.corridor, output: MazeFixture.corridorShortest))
        #expect(MazeVerifier.problem(input: MazeFixture.corridor, output: detour)?.contains("moves") == true)
    }

    @Test func rejectsABrokenPathOfTheRightLength() {
        let broken = MazeFixture.grid(["#######", "#So oG#", "# ### #", "#  o  #", "#######", "#######", "#######"])
        #expect(!MazeVerifier.isShortestPath(input: MazeFixture.corridor, output: broken))
        let short = MazeFixture.grid(["#######", "#So  G#", "# ### #", "#     #", "#######", "#######", "#######"])
        #expect(!MazeVerifier.isShortestPath(input: MazeFixture.corridor, output: short))
    }

    @Test func rejectsChangedWallsStartOrGoal() {
        var opened = MazeFixture.corridorShortest
        opened[5 * 7 + 3] = 2  // a wall becomes open
        #expect(!MazeVerifier.isShortestPath(input: MazeFixture.corridor, output: opened))
        var walled = MazeFixture.corridorShortest
        walled[3 * 7 + 3] = 1  // an open cell becomes wall
        #expect(!MazeVerifier.isShortestPath(input: MazeFixture.corridor, output: walled))
        var movedGoal = MazeFixture.corridorShortest
        movedGoal[1 * 7 + 5] = 2
        movedGoal[1 * 7 + 4] = 4
        #expect(!MazeVerifier.isShortestPath(input: MazeFixture.corridor, output: movedGoal))
        var outOfRange = MazeFixture.corridorShortest
        outOfRange[3 * 7 + 1] = 9
        #expect(!MazeVerifier.isShortestPath(input: MazeFixture.corridor, output: outOfRange))
        #expect(!MazeVerifier.isShortestPath(input: MazeFixture.corridor, output: Array(MazeFixture.corridorShortest.dropLast())))
    }

    @Test func rejectsInvalidMazes() {
        let noGoal = MazeFixture.grid(["###", "#S#", "###"])
        #expect(MazeVerifier.inputProblem(noGoal) != nil)
        let walledIn = MazeFixture.grid(["#####", "#S# #", "### #", "#  G#", "#####"])
        #expect(MazeVerifier.inputProblem(walledIn) == nil)
        #expect(MazeVerifier.problem(input: walledIn, output: walledIn)?.contains("cannot be reached") == true)
        #expect(MazeVerifier.inputProblem(Array(repeating: 2, count: 10)) != nil, "10 tokens is not square")
    }

    @Test func scorerCountsAnAlternativeShortestPathAsExact() {
        let example = TokenExample(id: "v0", input: MazeFixture.twoRoutes, label: MazeFixture.overTheTop)
        let scorer = MazeBenchmark(size: 2, trainCount: 0, validationCount: 1, testCount: 1).scorer
        let alternative = "{\"id\": \"v0\", \"output\": \(MazeFixture.roundTheBottom)}\n"
        let report = scorer.score(predictionsText: alternative, expected: [example])
        #expect(report.exactAccuracy == 1)
        #expect(report.tokenAccuracy < 1, "token accuracy still compares with the stored label")
        let wrong = "{\"id\": \"v0\", \"output\": \(MazeFixture.twoRoutes)}\n"
        #expect(scorer.score(predictionsText: wrong, expected: [example]).exactAccuracy == 0)
    }
}

@Suite struct MazeSymmetryAndSplitTests {
    @Test func transformsFormTheDihedralGroupAndRotateClockwise() {
        let side = 7
        let grid = MazeFixture.corridor
        let quarter = MazeSymmetry(index: 1), mirror = MazeSymmetry(index: 4)
        var turned = grid
        for _ in 0..<4 { turned = quarter.apply(turned, side: side) }
        #expect(turned == grid)
        #expect(mirror.apply(mirror.apply(grid, side: side), side: side) == grid)
        #expect(Set(MazeSymmetry.all.map { $0.apply(grid, side: side) }).count == 8)
        // Clockwise: the start at row 1, column 1 moves to row 1, column 5.
        #expect(quarter.apply(grid, side: side)[1 * 7 + 5] == 3)
        #expect(mirror.apply(grid, side: side)[1 * 7 + 1] == 4, "the mirror swaps the corridor's ends")
    }

    @Test func transformedMazesKeepValidPathsAndTheirKey() {
        for maze in MazeGenerator(size: 4).generate(count: 4, seed: 13) {
            for symmetry in MazeSymmetry.all {
                let copy = symmetry.apply(maze)
                #expect(MazeVerifier.isShortestPath(input: copy.inputTokens, output: copy.labelTokens))
                #expect(copy.symmetryKey == maze.symmetryKey)
                #expect(copy.canonicalInput == maze.canonicalInput)
            }
        }
        let a = MazeGenerator(size: 4).generate(count: 2, seed: 13)
        #expect(a[0].symmetryKey != a[1].symmetryKey)
        #expect(a[0].canonicalInput.lexicographicallyPrecedes(a[0].inputTokens) || a[0].canonicalInput == a[0].inputTokens)
    }

    @Test func splitsAreDisjointByCanonicalFormEvenWithAugmentation() throws {
        let bench = MazeBenchmark(size: 4, trainCount: 30, validationCount: 10, testCount: 10, augmentations: 3)
        let validation = try bench.taskData(split: .validation, seed: 1)
        let test = try bench.taskData(split: .test, seed: 1)
        #expect(validation.train == test.train)
        #expect(validation.train.count == 120)
        #expect(validation.seqLen == 81 && validation.vocabSize == 6 && validation.name == "maze-9x9")
        func key(_ e: TokenExample) -> String { MazePuzzle(side: 9, inputTokens: e.input, labelTokens: e.label).symmetryKey }
        let trainKeys = Set(validation.train.map(key))
        let validationKeys = Set(validation.evaluation.map(key)), testKeys = Set(test.evaluation.map(key))
        #expect(trainKeys.count == 30, "augmented copies share their original's key; originals are distinct")
        #expect(validationKeys.count == 10 && testKeys.count == 10)
        #expect(trainKeys.isDisjoint(with: validationKeys))
        #expect(trainKeys.isDisjoint(with: testKeys))
        #expect(validationKeys.isDisjoint(with: testKeys))
        for example in validation.train + validation.evaluation + test.evaluation {
            #expect(MazeVerifier.isShortestPath(input: example.input, output: example.label), "\(example.id)")
        }
        // Each original's three copies are three different transforms of it.
        for i in 0..<30 {
            let group = validation.train[(i * 4)..<(i * 4 + 4)]
            #expect(group.first?.id == "t\(i)")
            #expect(Set(group.map(key)).count == 1)
        }
    }

    @Test func tooSmallASpaceIsADescriptiveError() {
        // 2×2-cell mazes are all one U-shaped corridor up to rotation and mirroring.
        let bench = MazeBenchmark(size: 2, trainCount: 2, validationCount: 1, testCount: 1)
        #expect(throws: EvaluationError.self) { try bench.taskData(split: .validation, seed: 1) }
    }
}

@Suite struct MazeFileTests {
    static func csv(_ puzzles: [MazePuzzle]) -> String {
        "source,question,answer,rating\n"
            + puzzles.map { "fixture,\(MazeFixture.text($0.inputTokens)),\(MazeFixture.text($0.labelTokens)),3" }.joined(separator: "\r\n")
            + "\n"
    }

    @Test func csvRoundTripsGeneratedMazes() throws {
        let puzzles = MazeGenerator(size: 3).generate(count: 4, seed: 2)
        let text = Self.csv(puzzles)
        #expect(try MazeCSV.parse(text, path: "fixture.csv") == puzzles)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("maze-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try MazeCSV.load(path: file.path) == puzzles)
        // Grids that begin and end with open cells keep their spaces, also at the end of a line.
        let edges = try MazeCSV.parse("x,  S# #G  , oS#o#Go \r\n", path: "edges.csv")
        #expect(edges.map(\.side) == [3] && edges.first?.pathCells == 3)
        let open = MazeFixture.text(MazeFixture.twoRoutes), answer = MazeFixture.text(MazeFixture.roundTheBottom)
        #expect(try MazeCSV.parse("m,\(open),\(answer)\n", path: "ok.csv").first?.labelTokens == MazeFixture.roundTheBottom)
    }

    @Test func csvErrorsNameTheFileAndLine() throws {
        let puzzles = MazeGenerator(size: 3).generate(count: 2, seed: 2)
        let good = Self.csv(puzzles)  // header on line 1, mazes on lines 2 and 3
        func failure(_ row: String) -> String? {
            do {
                _ = try MazeCSV.parse(good + row + "\n", path: "fixture.csv")
                return nil
            } catch let error as BenchmarkFileError {
                return error.description
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(failure("x,#####,#####,1")?.hasPrefix("fixture.csv:4: question has 5 cells") == true)
        #expect(failure("x,only-two-fields")?.hasPrefix("fixture.csv:4: expected") == true)
        let q = MazeFixture.text(MazeFixture.corridor)
        #expect(failure("x,\(q.replacingOccurrences(of: "S", with: "x")),\(q),1")?.contains("invalid cell 'x'") == true)
        let detour = MazeFixture.text(MazeFixture.grid(["#######", "#S   G#", "#o###o#", "#ooooo#", "#######", "#######", "#######"]))
        #expect(failure("x,\(q),\(detour),1")?.hasPrefix("fixture.csv:4: answer is not a shortest path") == true)
        #expect(failure("x,\(q),\(q.dropLast()),1")?.hasPrefix("fixture.csv:4: answer has 48 cells") == true)
        #expect(throws: BenchmarkFileError.self) { try MazeCSV.load(path: "/nonexistent/maze-hard.csv") }
    }

    @Test func evolveYamlInstantiatesTheMazeGenerator() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("maze-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
            seed: 3
            benchmarks:
              - name: maze-small
                generator: maze
                size: 4
                train: 12
                augmentations: 1
                validation: 5
                test: 5
                train_flops: 1.0e10
                eval_flops: 1.0e9
              - name: maze-unsized
                generator: maze
                train: 1
                validation: 1
                test: 1
                train_flops: 1.0e10
                eval_flops: 1.0e9
            """
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("evolve.yaml"))
        let config = try ProgramConfig.load(programDir: dir)
        let (task, scorer) = try config.benchmarks[0].instantiate(split: .validation, seed: config.seed)
        #expect(task.name == "maze-small" && task.seqLen == 81 && task.vocabSize == 6)
        #expect(task.train.count == 24 && task.evaluation.count == 5)
        let predictions = task.evaluation.map { "{\"id\": \"\($0.id)\", \"output\": \($0.label)}" }.joined(separator: "\n")
        #expect(scorer.score(predictionsText: predictions, expected: task.evaluation).exactAccuracy == 1)
        #expect(throws: EvaluationError.self) { try config.benchmarks[1].instantiate(split: .validation, seed: 1) }
    }
}
