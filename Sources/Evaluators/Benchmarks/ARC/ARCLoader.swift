import Foundation

/// Reads ARC-AGI task files (`{"train": [{"input": grid, "output": grid}…], "test": [{"input": grid,
/// "output": grid}…]}`), one file or every `*.json` of a directory, with errors naming the file.
public enum ARCLoader {
    private struct File: Decodable {
        let train: [ARCPair]
        let test: [ARCPair]
    }

    /// Parses one task file's content; `path` names it in errors and its base name names the task.
    public static func parse(_ data: Data, path: String) throws -> ARCTask {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let error as DecodingError {
            throw BenchmarkFileError(path: path, line: 0, problem: "not an ARC task (\(describe(error)))")
        } catch {
            throw BenchmarkFileError(path: path, line: 0, problem: "not an ARC task: \(error)")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let task = ARCTask(name: name, train: file.train, test: file.test)
        if let problem = task.problem { throw BenchmarkFileError(path: path, line: 0, problem: problem) }
        return task
    }

    /// Loads the task file at `path`, or every `*.json` file of the directory at `path` in name order.
    public static func load(path: String) throws -> [ARCTask] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BenchmarkFileError(path: path, line: 0, problem: "no such file or directory")
        }
        guard isDirectory.boolValue else { return [try loadFile(path)] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw BenchmarkFileError(path: path, line: 0, problem: "cannot list the directory: \(error.localizedDescription)")
        }
        guard !names.isEmpty else { throw BenchmarkFileError(path: path, line: 0, problem: "the directory holds no *.json task files") }
        return try names.map { try loadFile(URL(fileURLWithPath: path).appendingPathComponent($0).path) }
    }

    static func loadFile(_ path: String) throws -> ARCTask {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkFileError(path: path, line: 0, problem: "cannot read the file; check the path and permissions")
        }
        return try parse(data, path: path)
    }

    static func describe(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String {
            path.isEmpty ? "top level" : path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key \"\(key.stringValue)\" at \(at(context.codingPath))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.debugDescription) at \(at(context.codingPath))"
        case .dataCorrupted(let context): return "invalid JSON at \(at(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
