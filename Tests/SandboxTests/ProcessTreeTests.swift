import Foundation
import Testing
@testable import Sandbox

/// What the supervisor samples from /proc every 100 ms, read from this test process itself.
@Suite struct ProcessTreeTests {
    /// Larger than one read's first buffer, so the read must grow it: every byte of a file whose size we
    /// know, and a limit that stops it exactly.
    @Test func aProcFileReadsPastItsFirstBufferAndStopsAtTheLimit() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("procfile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: path) }
        let text = (0..<3000).map { "line \($0)\n" }.joined()
        try Data(text.utf8).write(to: path)
        #expect(text.utf8.count > 20_000)
        #expect(ProcFile.read(path.path) == text)
        #expect(ProcFile.read(path.path, limit: 10_000) == String(text.prefix(10_000)))
        #expect(ProcFile.read(path.path, limit: 100) == String(text.prefix(100)))
        #expect(ProcFile.read(path.path + "-missing") == nil)
        let maps = try #require(ProcFile.read("/proc/self/maps"))
        #expect(maps.utf8.count > 4096 && maps.hasSuffix("\n"), "/proc/self/maps comes in more than one read")
    }

    @Test func peakMemoryAndCPUOfThisProcessAreWhatProcSays() throws {
        // Touch 64 MiB so the peak is well above any baseline noise.
        var block = [UInt8](repeating: 1, count: 64 << 20)
        block[block.count - 1] = 2
        var spin = 0.0
        for index in 0..<20_000_000 { spin += Double(index & 7) }
        let me = getpid()
        let status = try #require(ProcFile.read("/proc/self/status"))
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kb = try #require(Int(line.split(whereSeparator: \.isWhitespace)[1]))
        let peak = ProcessTree.peakRSSBytes(of: [me])
        // VmHWM is max(high-water mark, current RSS), and the kernel reads current RSS from per-CPU
        // counters that are only approximately summed: two reads of a process at its peak can differ by
        // a few pages either way (CI once read 12 kB less the second time). A MiB of slack below, and
        // room above for other tests' allocations in this process.
        #expect(peak >= 64 << 20 && peak >= (kb - 1024) * 1024 && peak <= (kb + 64 << 10) * 1024, "peak \(peak), status \(kb) kB")
        // The sample counts the process's own time and its reaped children's (other tests spawn some):
        // it lies between what getrusage says just before and just after it, within a clock tick or two.
        func used() -> Double {
            [RUSAGE_SELF, RUSAGE_CHILDREN].reduce(0) { total, who in
                var usage = rusage()
                getrusage(__rusage_who_t(who.rawValue), &usage)
                return total + Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                    + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
            }
        }
        let before = used()
        let sampled = ProcessTree.cpuSeconds(of: [me])
        let after = used()
        #expect(sampled > 0 && sampled >= before - 0.05 && sampled <= after + 0.05, "sampled \(sampled) s, rusage \(before)–\(after) s (spin \(spin), block \(block[0]))")
    }
}
