import Foundation
import Glibc

extension FileHandle {
    /// Everything until end of file, read with `read(2)` and retried when a signal interrupts it.
    /// Foundation's `readDataToEndOfFile()` traps on `EINTR` (it calls `try!` inside), and the test
    /// process gets signals: one crashed the whole suite under load on 2026-12-07.
    public func readAllRetryingInterrupts() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }
}

/// Reads a pipe to its end on a dedicated thread, so a child that fills one of its pipes while the test
/// reads the other can never block both (read stdout, then stderr, and a child with a full stderr pipe
/// waits forever on a test that waits for stdout's end).
public final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readAllRetryingInterrupts()
            done.signal()
        }.start()
    }

    /// The text, once the pipe has ended (blocks this thread until then).
    public func waitForText() -> String {
        done.wait()
        done.signal()
        return String(decoding: data, as: UTF8.self)
    }

    /// The text, once the pipe has ended, without blocking the caller's thread.
    public func text() async -> String {
        await withCheckedContinuation { continuation in
            Thread { [self] in continuation.resume(returning: waitForText()) }.start()
        }
    }
}
