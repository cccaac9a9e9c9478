/// Adaptive Replacement Cache (Megiddo and Modha, FAST 2003). DRAM pages seen once sit in T1,
/// pages seen again in T2; B1 and B2 remember recently demoted pages of each (ids only). A hit in
/// a ghost list shifts the target size `p` of T1 towards the list that would have kept the page,
/// so the policy balances recency against frequency by itself.
public struct ARCPolicy: PlacementPolicy {
    public static let name = "arc"
    public static let summary = "adaptive replacement cache (recency and frequency, self-tuning)"
    @usableFromInline static let t1 = 0, t2 = 1, b1 = 2, b2 = 3
    @usableFromInline var lists = PageLists(lists: 4)
    @usableFromInline let capacity: Int
    @usableFromInline var target = 0.0  // p: the share of DRAM ARC wants for T1

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: [], policy: Self.name)
        capacity = layout.dramPages
    }

    @inlinable
    public mutating func pagesExist(_ count: Int) { lists.grow(to: count) }

    @inlinable
    public mutating func admitted(_ id: PageID, _ access: AccessContext) {
        let b1Count = Double(lists.count(Self.b1)), b2Count = Double(lists.count(Self.b2))
        switch Int(lists.list(of: id)) {
        case Self.b1:
            target = min(Double(capacity), target + max(b2Count / max(b1Count, 1), 1))
            lists.remove(id)
            lists.pushFront(id, list: Self.t2)
        case Self.b2:
            target = max(0, target - max(b1Count / max(b2Count, 1), 1))
            lists.remove(id)
            lists.pushFront(id, list: Self.t2)
        default:
            lists.remove(id)
            lists.pushFront(id, list: Self.t1)
        }
        trimGhosts()
    }

    @inlinable
    public mutating func hit(_ id: PageID, _ access: AccessContext) { lists.moveToFront(id, list: Self.t2) }

    @inlinable
    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? {
        let t1Count = lists.count(Self.t1)
        let incomingInB2 = incoming.map { lists.list(of: $0) == UInt8(Self.b2) } ?? false
        if t1Count > 0 && (Double(t1Count) > target || (incomingInB2 && Double(t1Count) == target.rounded(.down))) {
            return lists.tail(Self.t1)
        }
        return lists.tail(Self.t2) ?? lists.tail(Self.t1)
    }

    @inlinable
    public mutating func removed(_ id: PageID) {
        switch Int(lists.list(of: id)) {
        case Self.t1:
            lists.remove(id)
            lists.pushFront(id, list: Self.b1)
        case Self.t2:
            lists.remove(id)
            lists.pushFront(id, list: Self.b2)
        default:
            break
        }
        trimGhosts()
    }

    @inlinable
    public mutating func freed(_ id: PageID) { lists.remove(id) }

    /// |T1| + |B1| ≤ c and |T1| + |T2| + |B1| + |B2| ≤ 2c.
    @inlinable mutating func trimGhosts() {
        while lists.count(Self.t1) + lists.count(Self.b1) > capacity, let oldest = lists.tail(Self.b1) {
            lists.remove(oldest)
        }
        while lists.totalCount > 2 * capacity, let oldest = lists.tail(Self.b2) ?? lists.tail(Self.b1) {
            lists.remove(oldest)
        }
    }

    public var memoryBytes: Int { lists.memoryBytes }
}
