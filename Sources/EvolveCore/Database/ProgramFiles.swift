import Foundation

/// Reading a program from a directory and writing it into a work dir: the one place that decides which
/// files belong to a program and which relative paths are safe.
public enum ProgramFiles {
    /// The run's configuration lives beside a seed's files but is never part of a program: the budget
    /// belongs to the run, not to the candidate.
    public static let configFileName = "evolve.yaml"
    /// A program file larger than this is not read (seeds are a few KiB of source).
    public static let maximumFileBytes = 1 << 20

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Every regular, non-hidden file under `directory` (subfolders included), by relative path, except
    /// `evolve.yaml`. Symbolic links are not followed.
    public static func read(directory: URL) throws -> [String: String] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(description: "\(directory.path): not a directory")
        }
        var files: [String: String] = [:]
        for relative in try fm.subpathsOfDirectory(atPath: directory.path).sorted() {
            guard relative != configFileName, !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
            let path = directory.appendingPathComponent(relative).path
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            guard Int(info.st_size) <= maximumFileBytes else {
                throw Failure(description: "\(path): \(info.st_size) bytes, larger than a program file may be (\(maximumFileBytes)); move data out of the program directory")
            }
            guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw Failure(description: "\(path): not UTF-8 text; a program directory holds source files only")
            }
            files[relative] = text
        }
        return files
    }

    /// Whether `path` is a safe relative path inside a program: no absolute paths, no `..`, no empty or
    /// hidden components, no NUL.
    public static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\0"), path.utf8.count <= 255 else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != ".." && $0 != "." && !$0.hasPrefix(".") }
    }

    /// Writes `files` under `directory`, creating subfolders; refuses unsafe paths.
    public static func write(_ files: [String: String], to directory: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            guard isSafe(path) else { throw Failure(description: "program file '\(path.prefix(80))': not a safe relative path") }
            let target = directory.appendingPathComponent(path)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: target)
        }
    }
}
