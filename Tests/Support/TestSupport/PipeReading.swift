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
