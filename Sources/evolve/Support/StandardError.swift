import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Text for the person at the terminal, written so that losing the terminal never ends a run.
///
/// Foundation's `FileHandle.write(_:)` traps on any error, and evolve ignores SIGPIPE (see
/// `ignoreBrokenPipes()`), so a closed reader (`evolve run … | head`, a killed `tee`, a dropped ssh
/// session's pipe) would turn into a crash there. These writes retry an interrupted call and drop the text
/// when the reader is gone: the run's log and database keep the record.
enum StandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// A write to a pipe or socket whose reader has gone fails with EPIPE instead of killing the process.
    /// A run's or a worker's connections to the LLM endpoint and the queue, and the terminal's pipe, can all
    /// close under it: each of those is an error the job handles, and the run goes on with its log and
    /// database as the record. (`print` then fails silently; `evolve inspect … | head` ends at its own pace.)
    static func ignoreBrokenPipes() { signal(SIGPIPE, SIG_IGN) }
}
