import EvolveConfig
import Foundation

/// Where the offline mutator may move one named constant.
///
/// Written as text, the same in a seed's `evolve.yaml` and in a trailing source comment:
/// - `16...256` — an interval (integers stay integers); `, log` moves by factors, `, linear` by steps.
/// - `[1, 2, 4, 8]` or `[true, false]` — a set of values, one of which replaces the current one.
/// - `fixed` — never mutated.
public enum MutationRange: Sendable, Equatable {
    case interval(lower: Double, upper: Double, log: Bool)
    case choices([String])
    case fixed

    /// Parses `16...256, log`, `[1, 2, 4]`, `fixed`. Throws an error naming the text and the forms.
    public init(parsing spec: String) throws {
        let text = spec.trimmingCharacters(in: .whitespaces)
        func failure() -> MutationSpaceError {
            MutationSpaceError(description: "mutation range '\(text.prefix(80))' is not one of: `lower...upper` (optionally `, log`), `[value, value, …]`, `fixed`")
        }
        if text == "fixed" || text == "never" {
            self = .fixed
        } else if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw failure() }
            let values = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard values.count >= 2 else { throw failure() }
            self = .choices(values)
        } else {
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let bounds = parts[0].components(separatedBy: "...")
            guard bounds.count == 2, let lower = Double(bounds[0].trimmingCharacters(in: .whitespaces)),
                  let upper = Double(bounds[1].trimmingCharacters(in: .whitespaces)), lower < upper else { throw failure() }
            var log = false
            for modifier in parts.dropFirst() {
                switch modifier {
                case "log": log = true
                case "linear": log = false
                default: throw failure()
                }
            }
            if log && lower <= 0 {
                throw MutationSpaceError(description: "mutation range '\(text)': a log range needs a positive lower bound")
            }
            self = .interval(lower: lower, upper: upper, log: log)
        }
    }
}

public struct MutationSpaceError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// The ranges a seed declares for its constants, by constant name (`hidden` for `static let hidden = 64`),
/// read from the `mutations:` section of its `evolve.yaml`:
///
/// ```yaml
/// mutations:
///   hidden: 16...256, log
///   learningRate: 1e-4...1e-2, log
///   heads: [1, 2, 4, 8]
///   puzzlePrefix: fixed
/// ```
///
/// A trailing `// evolve: 16...256, log` comment on a constant's line declares the same in the source; the
/// config wins when both name a constant. A constant with no range moves by ×½/×2 (±1 for integers up to
/// 10, which stay positive; fractions in [0.5, 1) move by halving or doubling their odds; Booleans flip).
public struct MutationSpace: Sendable, Equatable {
    public var ranges: [String: MutationRange]

    public init(ranges: [String: MutationRange] = [:]) {
        self.ranges = ranges
    }

    /// Reads the `mutations:` section of an `evolve.yaml` text through the one reader of that file
    /// (`EvolveFile`); a file without the section gives an empty space.
    public static func parse(evolveYAML text: String, path: String = "evolve.yaml") throws -> MutationSpace {
        let file: EvolveFile
        do { file = try EvolveFile.parse(text, path: path) } catch { throw MutationSpaceError(description: "\(error)") }
        return try MutationSpace(file.mutations, path: path)
    }

    /// The space an `EvolveFile`'s `mutations:` entries declare; `path` names the file in errors.
    public init(_ mutations: [String: EvolveFile.Mutation], path: String = "evolve.yaml") throws {
        var ranges: [String: MutationRange] = [:]
        for (name, entry) in mutations {
            do {
                switch entry {
                case .choices(let values):
                    ranges[name] = try MutationRange(parsing: "[" + values.map(Self.literal).joined(separator: ", ") + "]")
                case .range(let text):
                    ranges[name] = try MutationRange(parsing: text)
                }
            } catch {
                throw MutationSpaceError(description: "\(path): mutations.\(name): \(error)")
            }
        }
        self.init(ranges: ranges)
    }

    /// A YAML scalar as source text (`true`, `4`, `0.001`).
    private static func literal(_ value: EvolveFile.Literal) -> String {
        switch value {
        case .flag(let b): b ? "true" : "false"
        case .whole(let i): String(i)
        case .number(let d): LiteralFormat.decimal(d)
        case .text(let text): text
        }
    }
}
