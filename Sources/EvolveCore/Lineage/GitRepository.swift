import CGit2

/// libgit2 keeps global state that must be initialised once per process before any call.
private let libgit2Ready: Int32 = git_libgit2_init()

/// A git object id (SHA-1), printable as 40 hex digits.
public struct GitObjectID: Hashable, Sendable, CustomStringConvertible {
    public let hex: String

    init(_ oid: git_oid) {
        var copy = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, buffer.count, &copy)
        hex = String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Parses 40 hex digits; nil for anything else.
    public init?(hex: String) {
        var oid = git_oid()
        guard hex.utf8.count == 40, git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self.init(oid)
    }

    var oid: git_oid {
        var oid = git_oid()
        git_oid_fromstr(&oid, hex)
        return oid
    }

    public var description: String { hex }
}

/// A libgit2 failure with the library's own message and what was being done.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String
    public let message: String
    public var description: String { "git error \(code) while \(operation): \(message)" }
}

/// Who made a commit, and when (seconds since the epoch, so commits can be reproducible).
public struct GitSignature: Sendable {
    public var name: String
    public var email: String
    public var time: Int64
    public var offsetMinutes: Int32

    public init(name: String, email: String, time: Int64, offsetMinutes: Int32 = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }
}

/// What a commit records, read back through libgit2.
public struct GitCommitInfo: Sendable, Equatable {
    public let id: GitObjectID
    public let tree: GitObjectID
    public let parents: [GitObjectID]
    public let message: String
}

/// A git repository opened through libgit2: write trees from in-memory files, commit with any number
/// of parents, read commits back, point references at commits.
///
/// ```swift
/// let repo = try GitRepository.create(at: "runs/demo/lineage")
/// let tree = try repo.writeTree(["kernel.swift": Array(source.utf8)])
/// let seed = try repo.commit(tree: tree, parents: [], message: "seed", signature: sig)
/// try repo.setReference("refs/heads/best", to: seed)
/// ```
public final class GitRepository {
    public let path: String
    private let handle: OpaquePointer

    private init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit {
        git_repository_free(handle)
    }

    /// Creates a repository at `path` (or reopens one that is already there).
    public static func create(at path: String, bare: Bool = false) throws -> GitRepository {
        _ = libgit2Ready
        var repo: OpaquePointer?
        try check(git_repository_init(&repo, path, bare ? 1 : 0), "initialising a repository at '\(path)'")
        return GitRepository(handle: repo!, path: path)
    }

    /// Opens the existing repository at `path`.
    public static func open(at path: String) throws -> GitRepository {
        _ = libgit2Ready
        var repo: OpaquePointer?
        try check(git_repository_open(&repo, path), "opening the repository at '\(path)'")
        return GitRepository(handle: repo!, path: path)
    }

    /// The version of the libgit2 library this process loaded.
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }

    /// Writes `files` (relative path → bytes; `/` separates folders) as blobs and trees; returns the
    /// root tree's id.
    public func writeTree(_ files: [String: [UInt8]]) throws -> GitObjectID {
        var root = TreeNode()
        for (path, content) in files {
            let parts = path.split(separator: "/").map(String.init)
            guard !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
                throw GitError(code: -1, operation: "writing a tree", message: "invalid file path '\(path)'")
            }
            root.insert(parts[...], content)
        }
        return try write(root)
    }

    /// Commits `tree` with `parents` (in order: the first is the main line) and returns the new id.
    /// `updateReference` (for example `"HEAD"` or `"refs/heads/main"`) is moved to the commit when given;
    /// it must currently point at the first parent, as git requires.
    public func commit(
        tree: GitObjectID, parents: [GitObjectID], message: String, signature: GitSignature,
        updateReference: String? = nil
    ) throws -> GitObjectID {
        var sig: UnsafeMutablePointer<git_signature>?
        try Self.check(
            git_signature_new(&sig, signature.name, signature.email, signature.time, signature.offsetMinutes),
            "creating a signature")
        defer { git_signature_free(sig) }

        var treeOID = tree.oid
        var treeObject: OpaquePointer?
        try Self.check(git_tree_lookup(&treeObject, handle, &treeOID), "looking up tree \(tree)")
        defer { git_tree_free(treeObject) }

        var parentObjects: [OpaquePointer?] = []
        defer { parentObjects.forEach { git_commit_free($0) } }
        for parent in parents {
            var oid = parent.oid
            var object: OpaquePointer?
            try Self.check(git_commit_lookup(&object, handle, &oid), "looking up parent commit \(parent)")
            parentObjects.append(object)
        }

        var newOID = git_oid()
        let rc = parentObjects.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(
                &newOID, handle, updateReference, sig, sig, "UTF-8", message, treeObject,
                buffer.count, buffer.baseAddress)
        }
        try Self.check(rc, "creating a commit")
        return GitObjectID(newOID)
    }

    /// Reads a commit's tree, parents and message.
    public func commitInfo(_ id: GitObjectID) throws -> GitCommitInfo {
        var oid = id.oid
        var commit: OpaquePointer?
        try Self.check(git_commit_lookup(&commit, handle, &oid), "looking up commit \(id)")
        defer { git_commit_free(commit) }
        let parents = (0..<git_commit_parentcount(commit)).map { GitObjectID(git_commit_parent_id(commit, $0).pointee) }
        return GitCommitInfo(
            id: id,
            tree: GitObjectID(git_commit_tree_id(commit).pointee),
            parents: parents,
            message: String(cString: git_commit_message(commit)))
    }

    /// Creates or moves the reference `name` (for example `refs/heads/island-0`) to `commit`.
    public func setReference(_ name: String, to commit: GitObjectID, logMessage: String = "evolve") throws {
        var oid = commit.oid
        var ref: OpaquePointer?
        try Self.check(git_reference_create(&ref, handle, name, &oid, 1, logMessage), "setting reference \(name)")
        git_reference_free(ref)
    }

    /// The commit a reference points at, or nil when the reference does not exist.
    public func resolveReference(_ name: String) throws -> GitObjectID? {
        var oid = git_oid()
        let rc = git_reference_name_to_id(&oid, handle, name)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try Self.check(rc, "resolving reference \(name)")
        return GitObjectID(oid)
    }

    // MARK: - Trees

    private struct TreeNode {
        var files: [String: [UInt8]] = [:]
        var folders: [String: TreeNode] = [:]

        mutating func insert(_ parts: ArraySlice<String>, _ content: [UInt8]) {
            if parts.count == 1 {
                files[parts.first!] = content
            } else {
                folders[parts.first!, default: TreeNode()].insert(parts.dropFirst(), content)
            }
        }
    }

    private func write(_ node: TreeNode) throws -> GitObjectID {
        var builder: OpaquePointer?
        try Self.check(git_treebuilder_new(&builder, handle, nil), "starting a tree")
        defer { git_treebuilder_free(builder) }
        for (name, content) in node.files {
            var blob = git_oid()
            let rc = content.withUnsafeBytes { git_blob_create_from_buffer(&blob, handle, $0.baseAddress, $0.count) }
            try Self.check(rc, "writing blob '\(name)'")
            try Self.check(git_treebuilder_insert(nil, builder, name, &blob, GIT_FILEMODE_BLOB), "adding '\(name)'")
        }
        for (name, folder) in node.folders {
            var sub = try write(folder).oid
            try Self.check(git_treebuilder_insert(nil, builder, name, &sub, GIT_FILEMODE_TREE), "adding '\(name)/'")
        }
        var tree = git_oid()
        try Self.check(git_treebuilder_write(&tree, builder), "writing a tree")
        return GitObjectID(tree)
    }

    private static func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
        guard rc < 0 else { return }
        let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "unknown error"
        throw GitError(code: rc, operation: operation(), message: message)
    }
}
