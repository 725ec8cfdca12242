import Foundation

/// What is at a `data:` path, and the format hints that turn "cannot parse" into "this is the other
/// benchmark's file".
enum DataPath {
    enum Kind: Equatable {
        case missing
        case file
        /// A folder and the names it holds (not recursive), sorted.
        case directory([String])
    }

    static func kind(of path: String) -> Kind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        guard isDirectory.boolValue else { return .file }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return .directory(names.filter { !$0.hasPrefix(".") }.sorted())
    }

    static func isDirectory(_ path: String) -> Bool {
        if case .directory = kind(of: path) { return true }
        return false
    }

    /// The first bytes of the file after whitespace and a byte-order mark (at most `count`).
    static func head(_ path: String, count: Int = 64) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        var bytes = Array((try? handle.read(upToCount: 4096)) ?? Data())
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let start = bytes.firstIndex { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } ?? bytes.count
        return Array(bytes[start..<min(bytes.count, start + count)])
    }

    /// Why a file given as CSV is JSON instead (ARC's format), or nil when it does not start like JSON.
    static func jsonHint(_ path: String) -> String? {
        guard let first = head(path, count: 1).first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return nil }
        return "the file is JSON, not a puzzle CSV; ARC task files go with generator: arc"
    }
}
