import Foundation

/// Strict key checking for `evolve.yaml`: a decoder ignores keys it does not know, so a misspelt `trian:` or a
/// `path:` meant as `data:` would silently fall back to defaults (synthetic data, with a score that looks real).
/// `check` turns them into an error naming each unknown key and the nearest known one.
public enum ConfigKeys {
    /// Any key, to list what a YAML mapping holds.
    package struct AnyKey: CodingKey {
        package let stringValue: String
        package var intValue: Int? { nil }
        package init(stringValue: String) { self.stringValue = stringValue }
        package init?(intValue: Int) { nil }
    }

    /// Keys found in a mapping that the reader does not know.
    package struct Unknown: Error, CustomStringConvertible {
        /// Where the mapping is, e.g. `benchmarks[1] ("arc-real")` or `the top level`.
        package let location: String
        package let keys: [String]
        package let known: [String]
        /// Extra words for a key, e.g. why a benchmark key is wrong at the top level.
        package let hints: [String: String]
        /// The section the mapping is (`evolution`), so the nearest key is named by its path, or nil.
        package var section: String? = nil

        package init(location: String, keys: [String], known: [String], hints: [String: String], section: String? = nil) {
            self.location = location
            self.keys = keys
            self.known = known
            self.hints = hints
            self.section = section
        }

        package var description: String {
            let named = keys.map { key -> String in
                let shown = section.map { "\($0).\(key)" } ?? key
                if let hint = hints[key] { return "\"\(shown)\" (\(hint))" }
                if let near = ConfigKeys.nearest(to: key, in: known) {
                    if let section { return "\"\(section).\(key)\" (did you mean \(section).\(near)?)" }
                    return "\"\(key)\" (did you mean \"\(near)\"?)"
                }
                return section.map { "\"\($0).\(key)\"" } ?? "\"\(key)\""
            }
            let noun = keys.count == 1 ? "key" : "keys"
            return "\(location) has unknown \(noun) \(named.joined(separator: ", ")); known keys there: \(known.joined(separator: ", "))"
        }
    }

    /// Throws `Unknown` when `decoder`'s mapping holds a key not in `known`.
    package static func check(_ decoder: Decoder, known: [String], location: String, hints: [String: String] = [:]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else { throw Unknown(location: location, keys: unknown, known: known, hints: hints) }
    }

    /// Words people use for a known key, checked before spelling distance (`path` is 2 edits from `data` but so
    /// are other keys; what the user meant is clear).
    package static let synonyms: [String: String] = [
        "path": "data", "file": "data", "files": "data", "dir": "data", "directory": "data", "folder": "data", "dataset": "data",
        "data_dir": "data", "data_path": "data", "datapath": "data", "source": "data", "csv": "data", "type": "generator",
        "kind": "generator", "benchmark": "generator", "skip_bad": "skip_bad_files", "skip_invalid": "skip_bad_files",
        "validate": "validation", "val": "validation", "valid": "validation", "eval": "validation", "training": "train",
    ]

    /// The known key closest to `key`: a listed synonym, else the smallest edit distance when it is small for
    /// the key's length (at most 2, or a third of its letters).
    public static func nearest(to key: String, in known: [String]) -> String? {
        let lowered = key.lowercased()
        if known.contains(lowered) { return lowered }
        if let synonym = synonyms[lowered], known.contains(synonym) { return synonym }
        let scored = known.map { ($0, editDistance(lowered, $0)) }.min { $0.1 < $1.1 }
        if let (best, distance) = scored, distance <= max(2, key.count / 3) { return best }
        // A word of the key without its qualifier (`islands` for `num_islands`, `iterations` for
        // `max_iterations`): the one known key that holds it.
        let holding = known.filter { lowered.count >= 4 && $0.split(separator: "_").count > 1 && $0.hasSuffix("_" + lowered) }
        return holding.count == 1 ? holding[0] : nil
    }

    /// Levenshtein distance.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension ConfigKeys {
    /// A value or a combination of keys that cannot work, already naming where it is.
    package struct Problem: Error, CustomStringConvertible {
        package let description: String
        package init(_ description: String) { self.description = description }
    }

    /// A decoding error in one line with the key path (`benchmarks[0].train: expected a number, found "ten"`).
    package static func describe(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String {
            let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        func oneLine(_ text: String) -> String { text.split(whereSeparator: \.isNewline).joined(separator: " ") }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(at(context.codingPath)) has no \"\(key.stringValue)\", which is required"
        case .typeMismatch(let type, let context):
            return "\(at(context.codingPath)): expected \(typeName(type)) (\(oneLine(context.debugDescription)))"
        case .valueNotFound(let type, let context):
            return "\(at(context.codingPath)): expected \(typeName(type)), found no value"
        case .dataCorrupted(let context):
            return "\(at(context.codingPath)): \(oneLine(context.debugDescription))"
        @unknown default:
            return oneLine(String(describing: error))
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "text"
        default:
            let name = String(describing: type)
            return name.hasPrefix("Array") ? "a list" : name.hasPrefix("Dictionary") || name.hasPrefix("KeyedDecoding") ? "a mapping" : name
        }
    }
}
