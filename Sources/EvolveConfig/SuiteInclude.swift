import Foundation
import Yams

extension EvolveFile {
    /// `text` with its `suite: FILE` include replaced by FILE's `benchmarks:` and, when FILE has one, its
    /// `transfer:` list (their `data:` paths made absolute, since they are relative to FILE's folder); text
    /// without `suite:` comes back unchanged. A run stores this text when it starts, so its benchmarks and
    /// budgets stay fixed even if the suite file changes later. FILE (relative to the folder of `path`) holds
    /// a `benchmarks:` list and optionally a `transfer:` list, e.g. `Programs/suite.yaml`.
    /// Throws `ConfigError` naming the file and what to change.
    public static func inliningSuite(_ text: String, path: String) throws -> String {
        // Text that is not YAML comes back as it is: `parse` reports the syntax error with its position.
        guard let root = try? Yams.compose(yaml: text), let mapping = root.mapping, let include = mapping["suite"] else { return text }
        guard let file = include.string, !file.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigError("\(path): suite must name a file holding a benchmarks: list, e.g. suite: ../suite.yaml")
        }
        guard mapping["benchmarks"] == nil else {
            throw ConfigError("\(path): has both suite: and benchmarks:; keep one (suite: \(file) is a benchmarks: list of its own)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let suiteURL = URL(fileURLWithPath: resolve(file, relativeTo: folder))
        guard let data = FileManager.default.contents(atPath: suiteURL.path) else {
            throw ConfigError("\(path): suite \(file) (\(suiteURL.path)) cannot be read; check the path, relative to this file's folder")
        }
        let suiteRoot: Node?
        do { suiteRoot = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) } catch {
            throw ConfigError("\(suiteURL.path): \(EvolveFileReader.oneLine(error)); not valid YAML, fix the file's syntax")
        }
        guard let suite = suiteRoot?.mapping, var benchmarks = suite["benchmarks"]?.sequence else {
            throw ConfigError("\(suiteURL.path): a suite file holds a benchmarks: list (the entries evolve.yaml would list)")
        }
        let unknown = suite.keys.compactMap(\.string).filter { $0 != "benchmarks" && $0 != "transfer" }.sorted()
        guard unknown.isEmpty else {
            throw ConfigError("\(suiteURL.path): unknown key \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); a suite file holds only benchmarks: and transfer:")
        }
        var transfer = suite["transfer"]?.sequence
        if suite["transfer"] != nil, transfer == nil {
            throw ConfigError("\(suiteURL.path): transfer: must be a list of benchmark entries, like benchmarks:")
        }
        if transfer != nil, mapping["transfer"] != nil {
            throw ConfigError("\(path): has transfer: and its suite \(file) has one too; keep one of them")
        }
        let suiteFolder = suiteURL.deletingLastPathComponent()
        resolveData(in: &benchmarks, relativeTo: suiteFolder)
        if transfer != nil { resolveData(in: &transfer!, relativeTo: suiteFolder) }
        var merged = mapping
        merged["suite"] = nil
        merged["benchmarks"] = .sequence(benchmarks)
        if let transfer { merged["transfer"] = .sequence(transfer) }
        do { return try Yams.serialize(node: .mapping(merged)) } catch {
            throw ConfigError("\(path): the suite's benchmarks cannot be written back as YAML (\(EvolveFileReader.oneLine(error))); list them under benchmarks: instead")
        }
    }

    /// Makes every entry's `data:` path absolute: in the run's stored text it no longer sits beside the suite.
    private static func resolveData(in entries: inout Node.Sequence, relativeTo folder: URL) {
        for index in entries.indices {
            guard var entry = entries[index].mapping, let data = entry["data"]?.string else { continue }
            entry["data"] = Node(resolve(data, relativeTo: folder))
            entries[index] = .mapping(entry)
        }
    }

    /// A path written in the file as an absolute path: `~` is the home folder, a relative path starts at
    /// `folder` (the folder of the file it was written in).
    public static func resolve(_ path: String, relativeTo folder: URL) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded).standardizedFileURL.path
            : folder.appendingPathComponent(expanded).standardizedFileURL.path
    }
}
