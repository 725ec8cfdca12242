import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a run sees a work dir its uid cannot reach on the host: a clone under /root (mode 0700), a
/// cluster job's private directory. Rather than ask anyone to open their home, the spawn helper gives
/// the run a mount namespace of its own in which the work dir is bound on one fixed, world-traversable
/// directory (`path`), and the run works there: its arguments, HOME, TMPDIR and Landlock rule name the
/// alias instead of the host path. Nothing changes on the host (the alias directory stays empty there),
/// and the bind disappears with the run's namespace, so even `kill -9` leaves no mount behind.
///
/// A reachable work dir is run at its own path, as before.
enum WorkDirAlias {
    /// The one alias directory; every aliased run sees its own work dir there (in its own namespace).
    static let path = "/run/evolve-work"

    /// The alias to use for `workDir`, or nil when `user` can traverse every parent of it.
    static func needed(for workDir: String, user: SandboxUser) throws -> String? {
        guard unreachableAncestor(of: workDir, user: user) != nil else { return nil }
        try ensureDirectory()
        return path
    }

    /// The first parent of `workDir` that `user` cannot search (through other, group or owner bits).
    static func unreachableAncestor(of workDir: String, user: SandboxUser) -> String? {
        var ancestor = URL(fileURLWithPath: workDir).deletingLastPathComponent()
        while ancestor.path != "/" {
            var info = stat()
            if stat(ancestor.path, &info) == 0, info.st_mode & S_IXOTH == 0,
               !(info.st_uid == user.uid && info.st_mode & S_IXUSR != 0),
               !(info.st_gid == user.gid && info.st_mode & S_IXGRP != 0) {
                return ancestor.path
            }
            ancestor.deleteLastPathComponent()
        }
        return nil
    }

    /// `text` with the host path of the work dir (alone or as a prefix) replaced by where the run sees it.
    static func relocate(_ text: String, from host: String, to seen: String) -> String {
        guard host != seen else { return text }
        if text == host { return seen }
        if text.hasPrefix(host + "/") { return seen + text.dropFirst(host.count) }
        return text
    }

    /// Makes the alias directory: root's, mode 0755, a real directory (never a link someone left there).
    private static func ensureDirectory() throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw SandboxError.workAliasUnavailable(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw SandboxError.workAliasUnavailable(path: path, reason: String(cString: strerror(errno)))
        }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == 0 else {
            throw SandboxError.workAliasUnavailable(path: path, reason: "it is not a directory owned by root")
        }
        if info.st_mode & 0o7777 != 0o755 { chmod(path, 0o755) }
    }
}
