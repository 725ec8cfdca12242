import Foundation

/// A fresh directory under `$TMPDIR` that a test owns, deleted with everything in it when the last
/// reference to it goes away. Without it a whole `swift test` left about 190 `evolve-*-<UUID>` directories
/// behind (165 MB; one sandbox-hardening test alone 73 MB).
///
/// A Swift Testing suite gets a new instance for every test, so a stored property ties the directory's
/// life to one test (a `struct` has no `deinit`, the class it holds does):
///
/// ```swift
/// @Suite struct ReportTests {
///     let scratch = ScratchDirectory("evolve-report")
///     var root: URL { scratch.url }
/// }
/// ```
///
/// Inside one function, prefer `defer { try? FileManager.default.removeItem(at: dir) }`: a local whose only
/// use is `.url` may be released (and its directory deleted) before the function ends.
public final class ScratchDirectory: Sendable {
    /// The directory: `$TMPDIR/<label>-<UUID>`.
    public let url: URL
    public var path: String { url.path }

    /// Creates `$TMPDIR/<label>-<UUID>` (world-readable, so a sandboxed run under another uid can reach
    /// what a test puts inside). Not throwing, so it can initialise a stored property: if `$TMPDIR` is not
    /// writable, the test's first write inside fails and names the path.
    public init(_ label: String) {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
