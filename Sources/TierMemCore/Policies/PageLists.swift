/// Several doubly linked lists of pages sharing one pair of link arrays: a page is in at most one
/// list at a time. LRU, ARC and S3-FIFO keep their queues here. 9 bytes a page, no allocation
/// per operation; every operation is O(1). Storage is shared by copies (`PageArray`).
public struct PageLists {
    public static let none = PageID.max
    /// `list(of: id)` for a page in no list.
    public static let noList: UInt8 = 0xFF

    @usableFromInline let previous = PageArray<PageID>()
    @usableFromInline let next = PageArray<PageID>()
    @usableFromInline let owner = PageArray<UInt8>()
    @usableFromInline let heads: PageArray<PageID>
    @usableFromInline let tails: PageArray<PageID>
    @usableFromInline let counts: PageArray<Int>

    public init(lists: Int) {
        heads = PageArray(repeating: Self.none, count: lists)
        tails = PageArray(repeating: Self.none, count: lists)
        counts = PageArray(repeating: 0, count: lists)
    }

    /// Makes room for page ids below `pages`.
    @inlinable
    public func grow(to pages: Int) {
        guard owner.count < pages else { return }
        previous.extend(to: pages, with: Self.none)
        next.extend(to: pages, with: Self.none)
        owner.extend(to: pages, with: Self.noList)
    }

    /// Pages in `list`, and in all lists.
    @inlinable public func count(_ list: Int) -> Int { counts[list] }
    @inlinable public var totalCount: Int {
        var total = 0
        for list in 0..<counts.count { total += counts[list] }
        return total
    }

    @inlinable public func contains(_ id: PageID) -> Bool { owner[Int(id)] != Self.noList }
    @inlinable public func list(of id: PageID) -> UInt8 { owner[Int(id)] }
    @inlinable public func head(_ list: Int) -> PageID? { heads[list] == Self.none ? nil : heads[list] }
    @inlinable public func tail(_ list: Int) -> PageID? { tails[list] == Self.none ? nil : tails[list] }
    /// The page after `id` towards the tail.
    @inlinable public func after(_ id: PageID) -> PageID? { next[Int(id)] == Self.none ? nil : next[Int(id)] }
    /// The page before `id` towards the head.
    @inlinable public func before(_ id: PageID) -> PageID? { previous[Int(id)] == Self.none ? nil : previous[Int(id)] }

    @inlinable
    public func pushFront(_ id: PageID, list: Int) {
        let i = Int(id)
        precondition(owner[i] == Self.noList, "page \(id) is already in list \(owner[i])")
        owner[i] = UInt8(list)
        previous[i] = Self.none
        let head = heads[list]
        next[i] = head
        if head != Self.none { previous[Int(head)] = id } else { tails[list] = id }
        heads[list] = id
        counts[list] += 1
    }

    @inlinable
    public func remove(_ id: PageID) {
        let i = Int(id)
        let list = Int(owner[i])
        guard list != Int(Self.noList) else { return }
        let p = previous[i], n = next[i]
        if p != Self.none { next[Int(p)] = n } else { heads[list] = n }
        if n != Self.none { previous[Int(n)] = p } else { tails[list] = p }
        owner[i] = Self.noList
        counts[list] -= 1
    }

    /// Moves `id` to the front of `list` (its own list or another).
    @inlinable
    public func moveToFront(_ id: PageID, list: Int) {
        if owner[Int(id)] == UInt8(list) && heads[list] == id { return }
        remove(id)
        pushFront(id, list: list)
    }

    public var memoryBytes: Int { previous.memoryBytes + next.memoryBytes + owner.memoryBytes }
}
