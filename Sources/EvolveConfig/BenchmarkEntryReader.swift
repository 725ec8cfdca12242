import Foundation
import Yams

extension EvolveFileReader {
    /// The `benchmarks:` list (or the `transfer:` list, `key`, whose entries are the same), each entry's keys
    /// checked against the registry and its values typed and bounded.
    func benchmarks(_ node: Node, key: String = "benchmarks") throws -> [EvolveFile.Benchmark] {
        guard let list = node.sequence else {
            throw ConfigError("\(path): \(key) must be a list of entries, each with name, generator, train, validation, test, train_flops and eval_flops")
        }
        return try list.enumerated().map { index, item in
            let name = item.mapping?["name"]?.string
            let location = "\(key)[\(index)]" + (name.map { " (\"\($0)\")" } ?? "")
            let entry = BenchmarkEntryReader(path: path, index: index, location: location,
                                             keys: try entries(item, at: .benchmark, location: location))
            return try entry.read()
        }
    }
}

/// One benchmark entry's values. Its messages keep the entry's own wording, which names the entry by index
/// (`benchmarks[0].train: expected a whole number, found many`) and by name for a bound
/// (`benchmarks[0] ("b"): train_flops must be greater than 0 and at most …`), because a suite has many entries.
struct BenchmarkEntryReader {
    let path: String
    let index: Int
    let location: String
    let keys: [String: Node]

    /// The list the entry is in, `benchmarks` or `transfer`, for messages.
    var listKey: Substring { location.prefix { $0 != "[" } }

    func read() throws -> EvolveFile.Benchmark {
        var entry = EvolveFile.Benchmark(
            location: location, name: try required("name", text), generator: try required("generator", text),
            train: try required("train", whole), validation: try required("validation", whole), test: try required("test", whole),
            trainFLOPs: try required("train_flops", number), evalFLOPs: try required("eval_flops", number))
        entry.data = try text("data")
        entry.size = try whole("size")
        entry.difficulty = try text("difficulty")
        entry.augmentations = try whole("augmentations")
        entry.boxRows = try whole("box_rows")
        entry.boxColumns = try whole("box_columns")
        entry.wallSeconds = try number("wall_seconds")
        entry.skipBadFiles = try flag("skip_bad_files") ?? false
        entry.minRating = try whole("min_rating")
        entry.memoryMiB = try whole("memory_mib")
        return entry
    }

    func required<T>(_ name: String, _ read: (String) throws -> T?) throws -> T {
        guard let value = try read(name) else {
            throw ConfigError("\(path): \(listKey)[\(index)] has no \"\(name)\", which is required")
        }
        return value
    }

    /// The node of `name` unless absent or null.
    func node(_ name: String) -> Node? {
        guard let node = keys[name], !(node.scalar != nil && EvolveFileReader.tag(node) == .null) else { return nil }
        return node
    }

    func mismatch(_ name: String, _ expected: String, _ node: Node) -> ConfigError {
        ConfigError("\(path): \(listKey)[\(index)].\(name): expected \(expected), found \(EvolveFileReader.oneLine(node))")
    }

    func bounded(_ name: String, _ value: Double) throws {
        guard let bounds = KeyRegistry.key(name, at: .benchmark)?.bounds, !bounds.contains(value) else { return }
        throw ConfigError("\(path): \(location): \(name) must be \(bounds.words), got \(ConfigKey.Bounds.short(value))")
    }

    func text(_ name: String) throws -> String? {
        guard let node = node(name) else { return nil }
        guard let scalar = node.scalar else { throw mismatch(name, "text", node) }
        return scalar.string
    }

    func whole(_ name: String) throws -> Int? {
        guard let node = node(name) else { return nil }
        let tag = EvolveFileReader.tag(node)
        let number: Double? = tag == .int ? node.int.map(Double.init) : tag == .float ? node.float : nil
        // Beyond 2^53 a double is no longer a whole number one can trust, and Int(1e300) would trap.
        guard let number, number.isFinite, number == number.rounded(), abs(number) < 9.0e15 else { throw mismatch(name, "a whole number", node) }
        try bounded(name, number)
        return Int(number)
    }

    func number(_ name: String) throws -> Double? {
        guard let node = node(name) else { return nil }
        let tag = EvolveFileReader.tag(node)
        guard let number = tag == .int ? node.int.map(Double.init) : tag == .float ? node.float : nil, !number.isNaN else {
            throw mismatch(name, "a number", node)
        }
        try bounded(name, number)
        return number
    }

    func flag(_ name: String) throws -> Bool? {
        guard let node = node(name) else { return nil }
        guard EvolveFileReader.tag(node) == .bool, let flag = node.bool else { throw mismatch(name, "true or false", node) }
        return flag
    }
}
