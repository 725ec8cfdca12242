/// A problem found while reading a benchmark file, naming the file and, where known, the line and column,
/// in the `file:line:column: problem` form editors and terminals turn into links.
///
/// `line` 0 means the problem concerns the whole file (it is missing, empty, of another format).
public struct BenchmarkFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let line: Int
    /// 1-based byte column on `line`, when the reader knows it (JSON does, CSV names fields instead).
    public let column: Int?
    public let problem: String

    public init(path: String, line: Int, column: Int? = nil, problem: String) {
        self.path = path
        self.line = line
        self.column = column
        self.problem = problem
    }

    public var description: String {
        guard line > 0 else { return "\(path): \(problem)" }
        guard let column else { return "\(path):\(line): \(problem)" }
        return "\(path):\(line):\(column): \(problem)"
    }
}
