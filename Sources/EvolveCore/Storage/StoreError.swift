/// A problem with a run's program database that is not SQLite's own failure: a run opened with other
/// settings, a database from a newer evolve, a program that is not there. The message names the
/// database file, the cause and what to do.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The run was created with another database configuration (grid, islands, archive…).
        case configurationChanged
        /// The database was written by a newer evolve (a later schema).
        case newerSchema
        /// A program the caller named is not in the database.
        case unknownProgram
        /// An island with no evaluated program was asked for a parent.
        case emptyIsland
        /// A row holds a value evolve never writes (the database was changed outside evolve).
        case unreadableRow
    }

    public let kind: Kind
    public let path: String
    public let message: String

    public var description: String { "program database '\(path)': \(message)" }
}
