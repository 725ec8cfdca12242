import Foundation

/// Values made once per process and key, behind a lock. Making happens under the lock, so two evaluations
/// running side by side never make one value twice; nothing is evicted (a run asks for a handful of keys).
final class ProcessCache<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Key: Value] = [:]

    func value(for key: Key, _ make: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let hit = entries[key] { return hit }
        let made = try make()
        entries[key] = made
        return made
    }
}
