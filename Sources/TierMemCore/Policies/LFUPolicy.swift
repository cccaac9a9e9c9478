/// Least frequently used, with decay: demote the DRAM page with the fewest recent accesses.
/// Counts live in a binary min-heap of DRAM pages (a hit sifts one page down: O(log n)); every
/// `decay` accesses all counts halve, which keeps the heap ordered and lets old popularity fade.
public struct LFUPolicy: PlacementPolicy {
    public static let name = "lfu"
    public static let summary = "least frequently used, counts halved every decay period"
    @usableFromInline static let notInHeap = UInt32.max
    @usableFromInline var heap: PageArray<PageID>
    @usableFromInline let position = PageArray<UInt32>()
    @usableFromInline let count = PageArray<UInt32>()
    @usableFromInline let decayPeriod: UInt64
    @usableFromInline var accessesSinceDecay: UInt64 = 0

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: ["decay"], policy: Self.name)
        // Default: halve once per 8 DRAM-fulls of accesses.
        decayPeriod = UInt64(try options.number("decay", default: Double(8 * layout.dramPages), in: 1...1e15))
        heap = PageArray(reserving: layout.dramPages)
    }

    @inlinable
    public mutating func pagesExist(_ n: Int) {
        position.extend(to: n, with: Self.notInHeap)
        count.extend(to: n, with: 0)
    }

    @inlinable
    public mutating func admitted(_ id: PageID, _ access: AccessContext) {
        count[Int(id)] = count[Int(id)] / 2 + 1  // a page that comes back keeps some of its history
        heap.append(id)
        position[Int(id)] = UInt32(heap.count - 1)
        siftUp(heap.count - 1)
        tick()
    }

    @inlinable
    public mutating func hit(_ id: PageID, _ access: AccessContext) {
        count[Int(id)] &+= 1
        siftDown(Int(position[Int(id)]))
        tick()
    }

    @inlinable
    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? { heap.isEmpty ? nil : heap[0] }

    @inlinable
    public mutating func removed(_ id: PageID) {
        let i = Int(position[Int(id)])
        guard i != Int(Self.notInHeap) else { return }
        let last = heap.removeLast()
        position[Int(id)] = Self.notInHeap
        if i < heap.count {
            heap[i] = last
            position[Int(last)] = UInt32(i)
            siftUp(i)
            siftDown(Int(position[Int(last)]))
        }
    }

    @inlinable
    public mutating func freed(_ id: PageID) {
        removed(id)
        count[Int(id)] = 0
    }

    @inlinable mutating func tick() {
        accessesSinceDecay += 1
        guard accessesSinceDecay >= decayPeriod else { return }
        accessesSinceDecay = 0
        // Halving preserves a ≤ b, so the heap stays ordered. Pages outside DRAM decay too.
        count.withUnsafeMutableBufferPointer { counts in for i in counts.indices { counts[i] >>= 1 } }
    }

    @inline(__always)
    @inlinable func less(_ a: PageID, _ b: PageID) -> Bool { count[Int(a)] < count[Int(b)] }

    @inlinable mutating func siftUp(_ start: Int) {
        var i = start
        let id = heap[i]
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(id, heap[parent]) else { break }
            heap[i] = heap[parent]
            position[Int(heap[i])] = UInt32(i)
            i = parent
        }
        heap[i] = id
        position[Int(id)] = UInt32(i)
    }

    @inlinable mutating func siftDown(_ start: Int) {
        var i = start
        let id = heap[i]
        while true {
            var child = 2 * i + 1
            guard child < heap.count else { break }
            if child + 1 < heap.count && less(heap[child + 1], heap[child]) { child += 1 }
            guard less(heap[child], id) else { break }
            heap[i] = heap[child]
            position[Int(heap[i])] = UInt32(i)
            i = child
        }
        heap[i] = id
        position[Int(id)] = UInt32(i)
    }

    public var memoryBytes: Int { heap.memoryBytes + position.memoryBytes + count.memoryBytes }
}
