/// One key `evolve.yaml` may hold: where it sits, what it takes, its default and one line of meaning.
///
/// The registry (`KeyRegistry.all`) is the one list the reader checks files against, the docs page is
/// tested against, and a new feature adds its key to:
///
/// ```swift
/// ConfigKey(.run, "repeats", .whole, at: 1..., default: "3", "training seeds a program needs before it may displace an elite")
/// ```
public struct ConfigKey: Sendable, Equatable {
    /// Where a key may be written.
    public enum Place: String, Sendable, Equatable {
        /// The top level only.
        case top = ""
        /// The top level or inside `evolution:` (OpenEvolve puts these at the top).
        case run = "evolution"
        case database, evaluator, llm, prompt
        /// One entry of `database.feature_dimensions`.
        case featureDimension = "database.feature_dimensions[]"
        /// One entry of `llm.models`.
        case model = "llm.models[]"
        /// One entry of `benchmarks` (read by `EvolveFileReader`; Evaluators' `BenchmarkSpec` judges its combinations).
        case benchmark = "benchmarks[]"
    }

    /// What a value must be.
    public enum Kind: Sendable, Equatable {
        case whole, number, text, flag
        /// One of these words.
        case choice([String])
        /// A list of words (`evaluator.command`).
        case words
        /// A mapping of its own keys, or a list of entries (`benchmarks`, `llm.models`, `feature_dimensions`).
        case section, list
        /// Anything; the key is accepted for OpenEvolve's sake and changes nothing.
        case ignored
    }

    /// Inclusive or exclusive bounds on a number, checked by the reader with a one-line error.
    public struct Bounds: Sendable, Equatable {
        public var lower: Double?
        public var lowerOpen = false
        public var upper: Double?

        /// `≥ 1`, `> 0`, `0 to 1`: the words the error and the docs use.
        public var words: String {
            switch (lower, upper) {
            case let (lower?, upper?):
                return lowerOpen ? "greater than \(Self.short(lower)) and at most \(Self.short(upper))" : "from \(Self.short(lower)) to \(Self.short(upper))"
            case let (lower?, nil): return lowerOpen ? "greater than \(Self.short(lower))" : "at least \(Self.short(lower))"
            case let (nil, upper?): return "at most \(Self.short(upper))"
            case (nil, nil): return "a finite number"
            }
        }

        public func contains(_ value: Double) -> Bool {
            guard value.isFinite else { return false }
            if let lower, lowerOpen ? value <= lower : value < lower { return false }
            if let upper, value > upper { return false }
            return true
        }

        static func short(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
    }

    public let place: Place
    public let name: String
    public let kind: Kind
    public let bounds: Bounds?
    /// The default as the docs write it (`3`, `no limit`, `the number of cores`).
    public let defaultValue: String
    /// What the key does, in one line.
    public let doc: String

    public init(_ place: Place, _ name: String, _ kind: Kind, at bounds: Bounds? = nil, default defaultValue: String = "–", _ doc: String) {
        self.place = place
        self.name = name
        self.kind = kind
        self.bounds = bounds
        self.defaultValue = defaultValue
        self.doc = doc
    }

    /// `database.num_islands`, `max_iterations`: how errors and the docs name the key.
    public var path: String {
        switch place {
        case .top, .run: name
        case .featureDimension: "database.feature_dimensions[].\(name)"
        case .model: "llm.models[].\(name)"
        case .benchmark: "benchmarks[].\(name)"
        default: "\(place.rawValue).\(name)"
        }
    }
}

extension ConfigKey.Bounds {
    /// `x ≥ lower`.
    public static func atLeast(_ lower: Double) -> Self { Self(lower: lower) }
    /// `x > lower`.
    public static func above(_ lower: Double) -> Self { Self(lower: lower, lowerOpen: true) }
    /// `lower ≤ x ≤ upper`.
    public static func within(_ lower: Double, _ upper: Double) -> Self { Self(lower: lower, upper: upper) }
    /// `lower < x ≤ upper`.
    public static func aboveUpTo(_ lower: Double, _ upper: Double) -> Self { Self(lower: lower, lowerOpen: true, upper: upper) }
}
