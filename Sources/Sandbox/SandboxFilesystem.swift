import Foundation

/// The host files a bubblewrap run can see: the system directories and the few /etc files programs need,
/// read-only, plus the paths a run asks for. Everything else — the project tree with the benchmark
/// generators, evolve's run directory, other runs' work dirs, /home, /root, /var, /opt — does not exist
/// inside the sandbox.
enum SandboxFilesystem {
    /// Bound read-only when present. /lib and friends are symlinks into /usr on merged-usr systems and
    /// are recreated as such.
    static let systemDirectories = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

    /// The /etc entries a compiler, a dynamic linker, Python or a shell reads; secrets and site
    /// configuration (credentials in pip.conf or npmrc, ssh, ssl keys) stay out.
    static let etcEntries = [
        "alternatives", "group", "host.conf", "hosts", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "locale.alias",
        "localtime", "mime.types", "nsswitch.conf", "os-release", "passwd", "protocols", "services", "timezone",
    ]

    /// Whether `path` lies in a directory every run sees anyway.
    static func isSystemPath(_ path: String) -> Bool {
        systemDirectories.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// bubblewrap arguments for the read-only part of the filesystem.
    static func binds(readOnlyPaths: [String]) -> [String] {
        let fm = FileManager.default
        var arguments: [String] = []
        for directory in systemDirectories {
            if let target = try? fm.destinationOfSymbolicLink(atPath: directory) {
                arguments += ["--symlink", target, directory]
            } else if fm.fileExists(atPath: directory) {
                arguments += ["--ro-bind", directory, directory]
            }
        }
        for entry in etcEntries {
            arguments += ["--ro-bind-try", "/etc/" + entry, "/etc/" + entry]
        }
        // Python keeps its site configuration in /etc/python3.x.
        for entry in (try? fm.contentsOfDirectory(atPath: "/etc")) ?? [] where entry.hasPrefix("python3") {
            arguments += ["--ro-bind-try", "/etc/" + entry, "/etc/" + entry]
        }
        for path in Set(readOnlyPaths).sorted() where path.hasPrefix("/") && !isSystemPath(path) && path != "/" {
            arguments += ["--ro-bind-try", path, path]
        }
        return arguments
    }
}
