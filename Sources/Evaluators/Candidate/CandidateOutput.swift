import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads what a candidate left in its work dir's `out/` — as root, after the run — without trusting any of
/// it: `out` and each file are opened relative to their directory without following links
/// (`O_NOFOLLOW`) and without blocking (`O_NONBLOCK`: a FIFO cannot stall evolve), and a file is refused
/// unless it is a regular file with one link, owned by the uid the run had, and no larger than the
/// reader allows. A symlink to /etc/shadow, a FIFO, a hard link to a root file or a sparse 1 GiB file is
/// a `Refusal` with a reason, never content.
///
/// ```swift
/// let output = CandidateOutput(workDir: dir, owner: result.user?.uid ?? getuid())
/// let runJSON = try output.read("run.json", maxBytes: 1 << 20).get()
/// ```
struct CandidateOutput {
    let workDir: URL
    /// The uid the run had: only its files are read.
    let owner: UInt32

    /// Why a file of `out/` was not read; `description` is one line for the candidate's artifacts.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case missing(String)
        case outNotADirectory
        case notRegular(String, kind: String)
        case notOwned(String, uid: UInt32)
        case linked(String)
        case tooLarge(String, bytes: Int, limit: Int)
        case unreadable(String, reason: String)

        var description: String {
            switch self {
            case .missing(let name): "out/\(name) is missing"
            case .outNotADirectory: "out is not a directory of the work dir (a link or a file); write your files into the out/ directory evolve created"
            case .notRegular(let name, let kind): "out/\(name) is a \(kind), not a regular file; evolve reads only regular files"
            case .notOwned(let name, let uid): "out/\(name) belongs to uid \(uid), not to the run; write the file yourself"
            case .linked(let name): "out/\(name) has other hard links; evolve reads only files with one link"
            case .tooLarge(let name, let bytes, let limit): "out/\(name) is \(bytes) bytes, more than the \(limit) it may have; write only what the protocol asks"
            case .unreadable(let name, let reason): "out/\(name) cannot be read: \(reason)"
            }
        }
    }

    /// An open, checked file of `out/`; closes on deinit.
    final class OpenFile {
        let fd: Int32
        let size: Int
        init(fd: Int32, size: Int) {
            self.fd = fd
            self.size = size
        }
        deinit { close(fd) }
    }

    /// Opens `out/<name>` after the checks above.
    func open(_ name: String, maxBytes: Int) -> Result<OpenFile, Refusal> {
        let work = Glibc.open(workDir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard work >= 0 else { return .failure(.unreadable(name, reason: "the work dir is gone")) }
        defer { close(work) }
        let out = openat(work, "out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard out >= 0 else {
            return .failure(errno == ENOENT ? .missing(name) : .outNotADirectory)
        }
        defer { close(out) }
        var outInfo = stat()
        // evolve created out/ and gave it to the run; anyone else's directory is not the run's output.
        guard fstat(out, &outInfo) == 0, outInfo.st_uid == owner || outInfo.st_uid == 0 else { return .failure(.outNotADirectory) }
        let fd = openat(out, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return .failure(.missing(name))
            case ELOOP: return .failure(.notRegular(name, kind: "symbolic link"))
            case ENXIO: return .failure(.notRegular(name, kind: "socket"))
            default: return .failure(.unreadable(name, reason: String(cString: strerror(errno))))
            }
        }
        var info = stat()
        let refusal: Refusal? =
            fstat(fd, &info) != 0 ? .unreadable(name, reason: String(cString: strerror(errno)))
            : info.st_mode & S_IFMT != S_IFREG ? .notRegular(name, kind: Self.kind(info.st_mode))
            : info.st_uid != owner ? .notOwned(name, uid: info.st_uid)
            : info.st_nlink != 1 ? .linked(name)
            : Int(info.st_size) > maxBytes ? .tooLarge(name, bytes: Int(info.st_size), limit: maxBytes)
            : nil
        if let refusal {
            close(fd)
            return .failure(refusal)
        }
        return .success(OpenFile(fd: fd, size: Int(info.st_size)))
    }

    /// The whole of `out/<name>`, at most `maxBytes`.
    func read(_ name: String, maxBytes: Int) -> Result<Data, Refusal> {
        open(name, maxBytes: maxBytes).flatMap { file in
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while data.count <= maxBytes {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(file.fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { return .failure(.unreadable(name, reason: String(cString: strerror(errno)))) }
                if n == 0 { return .success(data) }
                data.append(contentsOf: buffer[0..<n])
            }
            return .failure(.tooLarge(name, bytes: data.count, limit: maxBytes))
        }
    }

    /// Streams `out/<name>` line by line (without the newline) into `body` until it returns false, never
    /// holding more than one line (lines longer than `maxLineBytes` arrive cut to `maxLineBytes + 1`
    /// bytes, so the receiver sees they were too long).
    func forEachLine(_ name: String, maxBytes: Int, maxLineBytes: Int, _ body: (ArraySlice<UInt8>) -> Bool) -> Refusal? {
        let file: OpenFile
        switch open(name, maxBytes: maxBytes) {
        case .failure(let refusal): return refusal
        case .success(let opened): file = opened
        }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var line: [UInt8] = []
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(file.fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .unreadable(name, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            total += n
            // The file may have grown since fstat (a process that outlived the run): the cap still holds.
            if total > maxBytes { return .tooLarge(name, bytes: total, limit: maxBytes) }
            var start = 0
            for index in 0..<n where buffer[index] == UInt8(ascii: "\n") {
                if line.count <= maxLineBytes { line.append(contentsOf: buffer[start..<min(index, start + maxLineBytes + 1 - line.count)]) }
                guard body(line[...]) else { return nil }
                line.removeAll(keepingCapacity: true)
                start = index + 1
            }
            if start < n, line.count <= maxLineBytes {
                line.append(contentsOf: buffer[start..<min(n, start + maxLineBytes + 1 - line.count)])
            }
        }
        if !line.isEmpty { _ = body(line[...]) }
        return nil
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "FIFO"
        case S_IFDIR: "directory"
        case S_IFLNK: "symbolic link"
        case S_IFSOCK: "socket"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        default: "special file"
        }
    }
}
