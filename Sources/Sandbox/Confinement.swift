/// seccomp and Landlock settings for one spawn (the fallbacks for missing namespaces).
struct Confinement: Sendable, Equatable {
    var denyInetSockets: Bool
    /// 0: no Landlock.
    var landlockABI: Int
    /// No PID namespace: the command is a subreaper, and every process seen in its tree is killed when
    /// the run ends.
    var sweepOrphans: Bool

    /// seccomp only where no network namespace is available; Landlock only where bubblewrap's
    /// read-only binds are not.
    init(capabilities: IsolationCapabilities, bubblewrap: Bool, unshare: Bool, allowNetwork: Bool) {
        denyInetSockets = !allowNetwork && !bubblewrap && !unshare && capabilities.seccompFilters
        landlockABI = bubblewrap ? 0 : capabilities.landlockABI ?? 0
        sweepOrphans = !bubblewrap && !unshare
    }
}
