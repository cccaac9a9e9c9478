/// S3-FIFO (Yang et al., SOSP 2023): three FIFO queues. New pages enter a small queue S (10% of
/// DRAM); pages accessed more than once while in S move to the main queue M, the rest are
/// demoted and remembered in a ghost queue G, whose pages go straight to M when they return.
/// M is a FIFO with up to three "second chances" per page. Quick demotion of one-hit pages is
/// what makes it strong on scans and churn.
public struct S3FIFOPolicy: PlacementPolicy {
    public static let name = "s3fifo"
    public static let summary = "S3-FIFO: small, main and ghost FIFO queues"
    @usableFromInline static let small = 0, main = 1, ghost = 2
    @usableFromInline var lists = PageLists(lists: 3)
    @usableFromInline let frequency = PageArray<UInt8>()
    @usableFromInline let smallTarget: Int
    @usableFromInline let ghostCapacity: Int

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: ["small"], policy: Self.name)
        let share = try options.number("small", default: 0.1, in: 0.01...0.9)
        smallTarget = max(1, Int(Double(layout.dramPages) * share))
        ghostCapacity = max(1, layout.dramPages - smallTarget)
    }

    @inlinable
    public mutating func pagesExist(_ count: Int) {
        lists.grow(to: count)
        frequency.extend(to: count, with: 0)
    }

    @inlinable
    public mutating func admitted(_ id: PageID, _ access: AccessContext) {
        frequency[Int(id)] = 0
        if lists.list(of: id) == UInt8(Self.ghost) {
            lists.remove(id)
            lists.pushFront(id, list: Self.main)
        } else {
            lists.remove(id)
            lists.pushFront(id, list: Self.small)
        }
    }

    @inlinable
    public mutating func hit(_ id: PageID, _ access: AccessContext) {
        if frequency[Int(id)] < 3 { frequency[Int(id)] += 1 }
    }

    @inlinable
    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? {
        while true {
            if lists.count(Self.small) >= smallTarget || lists.count(Self.main) == 0 {
                guard let oldest = lists.tail(Self.small) else { return nil }
                if frequency[Int(oldest)] > 1 {
                    frequency[Int(oldest)] = 0
                    lists.moveToFront(oldest, list: Self.main)
                    continue
                }
                return oldest
            }
            guard let oldest = lists.tail(Self.main) else { return nil }
            if frequency[Int(oldest)] > 0 {
                frequency[Int(oldest)] -= 1
                lists.moveToFront(oldest, list: Self.main)
                continue
            }
            return oldest
        }
    }

    @inlinable
    public mutating func removed(_ id: PageID) {
        let wasSmall = lists.list(of: id) == UInt8(Self.small)
        lists.remove(id)
        if wasSmall {
            lists.pushFront(id, list: Self.ghost)
            if lists.count(Self.ghost) > ghostCapacity, let oldest = lists.tail(Self.ghost) { lists.remove(oldest) }
        }
    }

    @inlinable
    public mutating func freed(_ id: PageID) { lists.remove(id) }

    public var memoryBytes: Int { lists.memoryBytes + frequency.memoryBytes }
}
