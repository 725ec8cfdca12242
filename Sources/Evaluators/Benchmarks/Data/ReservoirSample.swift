import EvolveSupport

/// A seeded sample of a stream too large to hold: each item gets a pseudo-random priority from the seed and
/// its position, and the `capacity` items of smallest priority are kept (bottom-k reservoir sampling), in a
/// max-heap so a newcomer costs O(log k). Memory is bounded by `capacity`, not by the stream.
///
/// The kept items in priority order are a uniform random ordering's prefix: a sample of k is the first k of a
/// sample of k' > k with the same seed, so asking for more puzzles extends the set instead of redrawing it.
struct ReservoirSample<Element> {
    let capacity: Int
    private let base: UInt64
    private var heap: [(priority: UInt64, position: Int, element: Element)] = []
    /// Items offered so far.
    private(set) var offered = 0

    /// `salt` separates streams that share a seed (two files of one data set).
    init(capacity: Int, seed: UInt64, salt: UInt64) {
        self.capacity = capacity
        base = seed &* 0x9E37_79B9_7F4A_7C15 ^ salt
        heap.reserveCapacity(min(capacity, 1 << 16))
    }

    /// The priority of the item at `position`: one SplitMix64 step from a counter, so it does not depend on
    /// which other items the stream holds.
    func priority(of position: Int) -> UInt64 {
        var generator = SplitMix64(seed: base &+ UInt64(truncatingIfNeeded: position) &* 0xD1B5_4A32_D192_ED03)
        return generator.next()
    }

    /// Offers the item at `position` (positions must be distinct); `make` runs only when the item is kept.
    mutating func offer(position: Int, _ make: () throws -> Element) rethrows {
        offered += 1
        guard capacity > 0 else { return }
        let p = priority(of: position)
        if heap.count < capacity {
            heap.append((p, position, try make()))
            siftUp(heap.count - 1)
        } else if Self.less((p, position), (heap[0].priority, heap[0].position)) {
            heap[0] = (p, position, try make())
            siftDown(0)
        }
    }

    /// The kept items, smallest priority first.
    var ordered: [Element] {
        heap.sorted { Self.less(($0.priority, $0.position), ($1.priority, $1.position)) }.map(\.element)
    }

    private static func less(_ a: (UInt64, Int), _ b: (UInt64, Int)) -> Bool { a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }

    private func larger(_ i: Int, _ j: Int) -> Bool {
        Self.less((heap[j].priority, heap[j].position), (heap[i].priority, heap[i].position))
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard larger(child, parent) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var largest = parent
            if left < heap.count, larger(left, largest) { largest = left }
            if right < heap.count, larger(right, largest) { largest = right }
            guard largest != parent else { return }
            heap.swapAt(parent, largest)
            parent = largest
        }
    }
}
