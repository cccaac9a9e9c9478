/// Least recently used: demote the DRAM page untouched for longest. One list, most recent at the
/// front. Hit: unlink and push (six array writes). Victim: the tail.
public struct LRUPolicy: PlacementPolicy {
    public static let name = "lru"
    public static let summary = "least recently used"
    @usableFromInline var lists = PageLists(lists: 1)

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: [], policy: Self.name)
    }

    @inlinable
    public mutating func pagesExist(_ count: Int) { lists.grow(to: count) }
    @inlinable @inline(__always)
    public mutating func admitted(_ id: PageID, _ access: AccessContext) { lists.pushFront(id, list: 0) }
    @inlinable @inline(__always)
    public mutating func hit(_ id: PageID, _ access: AccessContext) { lists.moveToFront(id, list: 0) }
    @inlinable
    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? { lists.tail(0) }
    @inlinable @inline(__always)
    public mutating func removed(_ id: PageID) { lists.remove(id) }
    @inlinable
    public mutating func freed(_ id: PageID) { lists.remove(id) }
    public func demotionCandidates(limit: Int) -> [PageID] { lists.fromTail(0, limit: limit) }

    public var memoryBytes: Int { lists.memoryBytes }
}
