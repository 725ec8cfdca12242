import CShims
import Foundation

/// Which isolation layers this machine lets the sandbox use, found by trying each one.
///
/// `evolve doctor` prints it; the sandbox reads it to pick its layers and warns once about any that
/// are missing.
public struct IsolationCapabilities: Sendable, Equatable {
    /// `unshare -r` (a user namespace as an unprivileged user) succeeded.
    public var userNamespaces: Bool
    /// `unshare -rn` (a private network namespace) succeeded.
    public var networkNamespaces: Bool
    /// bubblewrap's version when `bwrap --unshare-net --die-with-parent` ran a command; nil otherwise.
    public var bubblewrap: String?
    /// The kernel's Landlock ABI version; nil when Landlock is unavailable.
    public var landlockABI: Int?
    /// The kernel accepts seccomp filters.
    public var seccompFilters: Bool

    /// Probes the running machine. Takes a few milliseconds (it starts three short processes).
    public static func probe() -> IsolationCapabilities {
        let unshare = ExecutableLookup.find("unshare")
        let bwrap = ExecutableLookup.find("bwrap")
        let abi = Int(evolve_landlock_abi_version())
        var bubblewrapVersion: String?
        if let bwrap, succeeds(bwrap, ["--unshare-net", "--die-with-parent", "--ro-bind", "/", "/", "true"]) {
            let version = runQuietly(bwrap, ["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            bubblewrapVersion = version.split(separator: " ").last.map(String.init) ?? version
        }
        return IsolationCapabilities(
            userNamespaces: unshare.map { succeeds($0, ["-r", "true"]) } ?? false,
            networkNamespaces: unshare.map { succeeds($0, ["-rn", "true"]) } ?? false,
            bubblewrap: bubblewrapVersion,
            landlockABI: abi > 0 ? abi : nil,
            seccompFilters: evolve_seccomp_filter_available() == 1)
    }

    /// Whether the command exits 0, tried up to three times: a namespace can fail to be made for a moment
    /// on a busy machine (many sandboxes starting at once), and a layer judged missing on one transient
    /// failure would be left out of every run this process makes.
    private static func succeeds(_ executable: String, _ arguments: [String]) -> Bool {
        for attempt in 0..<3 {
            if runQuietly(executable, arguments).status == 0 { return true }
            if attempt < 2 { usleep(200_000) }
        }
        return false
    }

    private static func runQuietly(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        guard let result = try? Subprocess.run(executable, arguments, errors: .discarded) else { return (-1, "") }
        return (result.status, result.output)
    }
}

/// Finds executables on `PATH`, the way a shell would.
public enum ExecutableLookup {
    /// The absolute path of the first executable named `name` on `path` (default: this process's PATH).
    public static func find(_ name: String, path: String? = nil) -> String? {
        let searchPath = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

extension ExecutableLookup {
    /// The directory an executable was installed under, for binding it into the sandbox: the parent
    /// of its `bin` directory (`/opt/swift/usr` for `/opt/swift/usr/bin/swiftc`), else its own
    /// directory. nil for executables of the system directories, which are bound anyway.
    public static func installPrefix(of executable: String) -> String? {
        let resolved = URL(fileURLWithPath: executable).resolvingSymlinksInPath().path
        var directory = URL(fileURLWithPath: resolved).deletingLastPathComponent()
        if directory.lastPathComponent == "bin" { directory.deleteLastPathComponent() }
        let path = directory.path
        return SandboxFilesystem.isSystemPath(path) || path == "/" ? nil : path
    }
}
