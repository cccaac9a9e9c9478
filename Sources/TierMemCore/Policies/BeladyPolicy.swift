/// Belady's MIN, the offline optimum: demote the page whose next use is farthest in the future,
/// and leave the incoming page where it is if its own next use is farther still (MIN with
/// bypass, the bound for policies that may decline to promote). Needs every access's next use,
/// which the replay computes in a backward pass before it starts (`NextUseTable`).
///
/// DRAM pages sit in a binary max-heap keyed by next use. A hit pushes a fresh entry instead of
/// re-sorting; stale entries are dropped when they surface and the heap is rebuilt when stale
/// ones outnumber live ones, so memory stays proportional to DRAM, not to the trace.
public struct BeladyPolicy: PlacementPolicy {
    public static let name = "belady"
    public static let summary = "Belady's MIN with bypass: the offline optimum (needs the future)"
    public static let needsFuture = true

    /// 8 bytes: next-use positions fit in 32 bits (`TraceProfile` limits an oracle replay to
    /// 2^32 − 1 page accesses; `UInt32.max` means never).
    @usableFromInline
    struct Entry {
        @usableFromInline var nextUse: UInt32
        @usableFromInline var id: PageID
        @inlinable init(nextUse: UInt32, id: PageID) {
            self.nextUse = nextUse
            self.id = id
        }
    }

    @usableFromInline var heap: PageArray<Entry>
    @usableFromInline let nextUse = PageArray<UInt32>()
    @usableFromInline let resident = PageArray<Bool>()
    @usableFromInline var residentCount = 0

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: [], policy: Self.name)
        heap = PageArray(reserving: layout.dramPages * 2 + 16)
    }

    @inlinable
    public mutating func pagesExist(_ count: Int) {
        nextUse.extend(to: count, with: .max)
        resident.extend(to: count, with: false)
    }

    @inlinable
    public mutating func admitted(_ id: PageID, _ access: AccessContext) {
        resident[Int(id)] = true
        residentCount += 1
        record(id, access.nextUse)
    }

    @inlinable
    public mutating func hit(_ id: PageID, _ access: AccessContext) { record(id, access.nextUse) }

    @inlinable
    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? {
        dropStaleTop()
        guard !heap.isEmpty else { return incoming }
        let top = heap[0]
        if let incoming, let access, Self.compact(access.nextUse) >= top.nextUse { return incoming }
        return top.id
    }

    @inlinable
    public mutating func removed(_ id: PageID) {
        if resident[Int(id)] {
            resident[Int(id)] = false
            residentCount -= 1
        }
    }

    @inlinable
    public mutating func freed(_ id: PageID) { removed(id) }

    /// A next-use position in 32 bits; `UInt64.max` (never) becomes `UInt32.max`.
    @inlinable
    static func compact(_ position: UInt64) -> UInt32 { UInt32(clamping: position) }

    @inlinable mutating func record(_ id: PageID, _ position: UInt64) {
        let next = Self.compact(position)
        nextUse[Int(id)] = next
        push(Entry(nextUse: next, id: id))
        if heap.count > 2 * residentCount + 64 { rebuild() }
    }

    /// An entry is live if its page is in DRAM and the entry holds the page's latest next use.
    @inline(__always)
    @inlinable func isLive(_ e: Entry) -> Bool { resident[Int(e.id)] && nextUse[Int(e.id)] == e.nextUse }

    @inlinable mutating func dropStaleTop() {
        while !heap.isEmpty, !isLive(heap[0]) { popTop() }
    }

    @inlinable mutating func rebuild() {
        // A page's next use grows with every access, so each page has at most one live entry.
        var kept = 0
        for k in 0..<heap.count where isLive(heap[k]) {
            heap[kept] = heap[k]
            kept += 1
        }
        heap.truncate(to: kept)
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    @inlinable mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[parent].nextUse < e.nextUse else { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = e
    }

    @inlinable mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    @inlinable mutating func siftDown(_ start: Int) {
        var i = start
        let e = heap[i]
        while true {
            var child = 2 * i + 1
            guard child < heap.count else { break }
            if child + 1 < heap.count && heap[child + 1].nextUse > heap[child].nextUse { child += 1 }
            guard heap[child].nextUse > e.nextUse else { break }
            heap[i] = heap[child]
            i = child
        }
        heap[i] = e
    }

    public var memoryBytes: Int { heap.memoryBytes + nextUse.memoryBytes + resident.memoryBytes }
}
