import Foundation

/// Where a program is in its life: proposed, being evaluated, done.
public enum ProgramStatus: String, Codable, Sendable, CaseIterable {
    case queued, evaluating, evaluated, failed, rejected
}

/// How a program came to be: which model proposed it and what it cost.
public struct Proposal: Codable, Sendable, Equatable {
    public var model: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double

    public init(model: String, promptTokens: Int = 0, completionTokens: Int = 0, costUSD: Double = 0) {
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
    }
}

/// One program of the population: its files, lineage, place and scores.
public struct Program: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    /// Relative path → content.
    public var files: [String: String]
    public var contentHash: String
    public var parents: [String]
    public var island: Int
    public var generation: Int
    public var iteration: Int
    public var status: ProgramStatus
    public var metrics: Metrics?
    /// Held-out test metrics, when the loop asked for them (new elites and the best).
    public var testMetrics: Metrics?
    /// Feature values (name → value) that place the program in the MAP-Elites grid.
    public var descriptors: [String: Double]
    public var commitID: String?
    public var created: Date
    public var proposal: Proposal?
    /// The program this one is a migrated copy of, if any (migrants are never migrated again).
    public var migratedFrom: String?

    public init(
        id: String = UUID().uuidString.lowercased(), files: [String: String], parents: [String] = [], island: Int = 0,
        generation: Int = 0, iteration: Int = 0, status: ProgramStatus = .queued, metrics: Metrics? = nil,
        testMetrics: Metrics? = nil, descriptors: [String: Double] = [:], commitID: String? = nil, created: Date = Date(),
        proposal: Proposal? = nil, migratedFrom: String? = nil
    ) {
        self.id = id
        self.files = files
        contentHash = Program.hash(files)
        self.parents = parents
        self.island = island
        self.generation = generation
        self.iteration = iteration
        self.status = status
        self.metrics = metrics
        self.testMetrics = testMetrics
        self.descriptors = descriptors
        self.commitID = commitID
        self.created = created
        self.proposal = proposal
        self.migratedFrom = migratedFrom
    }

    /// The score selection uses: the validation `combinedScore`, or nil before evaluation.
    public var score: Double? { status == .evaluated ? metrics?.combinedScore : nil }

    /// A stable content hash of the files (paths included), independent of dictionary order.
    public static func hash(_ files: [String: String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for b in bytes {
                h ^= UInt64(b)
                h &*= 0x0000_0100_0000_01b3
            }
            h ^= 0xff
            h &*= 0x0000_0100_0000_01b3
        }
        for path in files.keys.sorted() {
            mix(path.utf8)
            mix(files[path]!.utf8)
        }
        return String(format: "%016llx", h)
    }

    /// Total characters of code, a generic feature descriptor.
    public var codeLength: Int { files.values.reduce(0) { $0 + $1.count } }
}
