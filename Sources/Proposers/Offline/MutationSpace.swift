import Foundation
import Yams

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

    /// Reads the `mutations:` section of an `evolve.yaml` text; other keys are ignored and a file without
    /// the section gives an empty space.
    public static func parse(evolveYAML text: String, path: String = "evolve.yaml") throws -> MutationSpace {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            let message = "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.allSatisfy { $0 == "^" } }.joined(separator: " ")
            throw MutationSpaceError(description: "\(path): not valid YAML (\(message)); fix the file's syntax")
        }
        guard let section = (root as? [String: Any])?["mutations"] else { return MutationSpace() }
        guard let entries = section as? [String: Any] else {
            throw MutationSpaceError(description: "\(path): `mutations:` must map constant names to ranges, e.g. `hidden: 16...256, log`")
        }
        var ranges: [String: MutationRange] = [:]
        for (name, value) in entries {
            do {
                switch value {
                case let list as [Any]:
                    ranges[name] = try MutationRange(parsing: "[" + list.map(Self.literal).joined(separator: ", ") + "]")
                case let string as String:
                    ranges[name] = try MutationRange(parsing: string)
                default:
                    throw MutationSpaceError(description: "'\(value)' is not a range")
                }
            } catch {
                throw MutationSpaceError(description: "\(path): mutations.\(name): \(error)")
            }
        }
        return MutationSpace(ranges: ranges)
    }

    /// A YAML scalar as source text (`true`, `4`, `0.001`).
    private static func literal(_ value: Any) -> String {
        switch value {
        case let b as Bool: b ? "true" : "false"
        case let i as Int: String(i)
        case let d as Double: LiteralFormat.decimal(d)
        default: "\(value)"
        }
    }
}
