import Foundation

/// Strict key checking for `evolve.yaml`: a reader that skipped keys it does not know would let a misspelt
/// `trian:` or a `path:` meant as `data:` fall back to defaults silently (synthetic data, with a score that
/// looks real). `EvolveFileReader` reports them as `Unknown`, naming each key and the nearest known one.
public enum ConfigKeys {
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
