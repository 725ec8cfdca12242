/// Checks maze answers: any shortest start-to-goal path is right, not only the stored one.
///
/// Grids are square and row-major in `MazeToken`s; moves go between 4-neighbours, and every cell except a
/// wall (or padding) can be walked on.
public enum MazeVerifier {
    /// True when `output` is `input` with `MazeToken.path` on exactly the cells strictly between start and
    /// goal of some shortest path, and unchanged everywhere else.
    public static func isShortestPath(input: [Int], output: [Int]) -> Bool {
        problem(input: input, output: output) == nil
    }

    /// Why `output` is not a shortest-path answer to `input`, or nil when it is one.
    ///
    /// The path cells plus start and goal must induce a simple path from start to goal (start and goal with
    /// one marked neighbour, every path cell with two, all connected), and it must have as many moves as the
    /// breadth-first distance. A shortest path always induces such a chain: two of its cells that are
    /// neighbours but not consecutive would be a shortcut.
    public static func problem(input: [Int], output: [Int]) -> String? {
        if let problem = inputProblem(input) { return "the maze itself is invalid: \(problem)" }
        let side = squareSide(input.count)!
        guard output.count == input.count else { return "output has \(output.count) tokens, expected \(input.count)" }
        guard let start = input.firstIndex(of: MazeToken.start), let goal = input.firstIndex(of: MazeToken.goal) else {
            return "the maze has no start or no goal"
        }
        var pathCount = 0
        for (index, (given, answer)) in zip(input, output).enumerated() {
            if answer == MazeToken.path {
                guard given == MazeToken.open else {
                    return "path marked on a \(name(given)) cell at row \(index / side), column \(index % side)"
                }
                pathCount += 1
            } else if answer != given {
                return "cell at row \(index / side), column \(index % side) changed from \(name(given)) to \(name(answer))"
            }
        }
        guard let distance = shortestDistance(in: input, side: side) else { return "the goal cannot be reached from the start" }
        guard pathCount == distance - 1 else {
            return "the path has \(pathCount + 1) moves, but the shortest route has \(distance)"
        }
        func onRoute(_ index: Int) -> Bool {
            let token = output[index]
            return token == MazeToken.path || token == MazeToken.start || token == MazeToken.goal
        }
        for index in output.indices where onRoute(index) {
            let degree = neighbours(of: index, side: side).filter(onRoute).count
            let expected = index == start || index == goal ? 1 : 2
            guard degree == expected else {
                return "the path is not a simple chain from start to goal at row \(index / side), column \(index % side)"
            }
        }
        // Connected with those degrees means one chain from start to goal.
        var seen: Set<Int> = [start]
        var frontier = [start]
        while let index = frontier.popLast() {
            for next in neighbours(of: index, side: side) where onRoute(next) && seen.insert(next).inserted {
                frontier.append(next)
            }
        }
        guard seen.contains(goal), seen.count == pathCount + 2 else { return "the path does not connect start and goal" }
        return nil
    }

    /// Why `input` is not a maze query (square, tokens wall/open/start/goal only, one start, one goal), or nil.
    public static func inputProblem(_ input: [Int]) -> String? {
        guard let side = squareSide(input.count), side >= 2 else { return "\(input.count) tokens is not a square grid of side 2 or more" }
        var starts = 0, goals = 0
        for (index, token) in input.enumerated() {
            switch token {
            case MazeToken.wall, MazeToken.open: break
            case MazeToken.start: starts += 1
            case MazeToken.goal: goals += 1
            default: return "token \(token) at row \(index / side), column \(index % side); a query holds only wall, open, start and goal"
            }
        }
        guard starts == 1, goals == 1 else { return "\(starts) starts and \(goals) goals, expected one of each" }
        return nil
    }

    /// Breadth-first move counts from `origin` to every cell (-1 where unreachable or a wall).
    public static func distances(from origin: Int, in grid: [Int], side: Int) -> [Int] {
        var distance = Array(repeating: -1, count: grid.count)
        guard grid.indices.contains(origin), isWalkable(grid[origin]) else { return distance }
        distance[origin] = 0
        var queue = [origin]
        queue.reserveCapacity(grid.count)
        var head = 0
        while head < queue.count {
            let index = queue[head]
            head += 1
            let r = index / side, c = index % side, step = distance[index] + 1
            func visit(_ next: Int) {
                if distance[next] < 0 && isWalkable(grid[next]) {
                    distance[next] = step
                    queue.append(next)
                }
            }
            if r > 0 { visit(index - side) }
            if c + 1 < side { visit(index + 1) }
            if r + 1 < side { visit(index + side) }
            if c > 0 { visit(index - 1) }
        }
        return distance
    }

    /// Moves on a shortest route from the start to the goal, nil when unreachable or either is missing.
    public static func shortestDistance(in grid: [Int], side: Int) -> Int? {
        guard let start = grid.firstIndex(of: MazeToken.start), let goal = grid.firstIndex(of: MazeToken.goal) else { return nil }
        let d = distances(from: start, in: grid, side: side)[goal]
        return d < 0 ? nil : d
    }

    /// One shortest route as grid indices from the start to the goal (both included), nil when there is none.
    /// Walks back from the goal to a neighbour one step closer, preferring up, right, down, left.
    public static func shortestPath(in grid: [Int], side: Int) -> [Int]? {
        guard let start = grid.firstIndex(of: MazeToken.start), let goal = grid.firstIndex(of: MazeToken.goal) else { return nil }
        let distance = distances(from: start, in: grid, side: side)
        guard distance[goal] >= 0 else { return nil }
        var route = [goal]
        var index = goal
        while index != start {
            guard let previous = neighbours(of: index, side: side).first(where: { distance[$0] == distance[index] - 1 }) else {
                preconditionFailure("breadth-first distances always have a predecessor")
            }
            route.append(previous)
            index = previous
        }
        return route.reversed()
    }

    static func isWalkable(_ token: Int) -> Bool { token != MazeToken.wall && token != MazeToken.pad }

    static func neighbours(of index: Int, side: Int) -> [Int] {
        let r = index / side, c = index % side
        var result: [Int] = []
        if r > 0 { result.append(index - side) }
        if c + 1 < side { result.append(index + 1) }
        if r + 1 < side { result.append(index + side) }
        if c > 0 { result.append(index - 1) }
        return result
    }

    /// The integer square root of `count` when `count` is a perfect square.
    static func squareSide(_ count: Int) -> Int? {
        guard count >= 0 else { return nil }
        var side = Int(Double(count).squareRoot())
        while side * side > count { side -= 1 }
        while (side + 1) * (side + 1) <= count { side += 1 }
        return side * side == count ? side : nil
    }

    static func name(_ token: Int) -> String {
        switch token {
        case MazeToken.pad: return "padding"
        case MazeToken.wall: return "wall"
        case MazeToken.open: return "open"
        case MazeToken.start: return "start"
        case MazeToken.goal: return "goal"
        case MazeToken.path: return "path"
        default: return "token \(token)"
        }
    }
}
