import Foundation
import Sandbox
import TestSupport

extension PrivatePostgres {
    /// psql's answer to `sql` (unaligned, tuples only, trimmed). Run with `Subprocess` (spawn and waitpid
    /// on this thread), not Foundation's `Process`: while a test freezes a worker with SIGSTOP, Foundation's
    /// one process-manager thread can sit in a blocking wait4 on it, and a `Process` started then never
    /// reports its end (QueueRunTests once hung the whole suite for 20 minutes that way).
    func psql(_ sql: String) throws -> String {
        let result = try Subprocess.run(PrivatePostgres.binDirectory! + "/psql",
                                        ["-X", "-A", "-t", "-q", "-h", socket.path, "-U", "evolve", "-d", "postgres", "-c", sql],
                                        errors: .discarded)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
