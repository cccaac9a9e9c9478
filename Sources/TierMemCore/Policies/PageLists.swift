/// Several doubly linked lists of pages sharing one pair of link arrays: a page is in at most one
/// list at a time. LRU, ARC and S3-FIFO keep their queues here. 9 bytes a page, no allocation
/// per operation; every operation is O(1).
public struct PageLists {
    public static let none = PageID.max
    /// `_owner[id]` is the list holding the page, or `noList`.
    public static let noList: UInt8 = 0xFF

    @usableFromInline var previous: [PageID] = []
    @usableFromInline var next: [PageID] = []
    @usableFromInline var _owner: [UInt8] = []
    public var owner: [UInt8] { _owner }
    @usableFromInline var heads: [PageID]
    @usableFromInline var tails: [PageID]
    @usableFromInline var _counts: [Int]
    public var counts: [Int] { _counts }

    public init(lists: Int) {
        heads = [PageID](repeating: Self.none, count: lists)
        tails = heads
        _counts = [Int](repeating: 0, count: lists)
    }

    /// Makes room for page ids below `pages`.
    @inlinable
    public mutating func grow(to pages: Int) {
        while _owner.count < pages {
            previous.append(Self.none)
            next.append(Self.none)
            _owner.append(Self.noList)
        }
    }

    @inlinable public func contains(_ id: PageID) -> Bool { _owner[Int(id)] != Self.noList }
    @inlinable public func list(of id: PageID) -> UInt8 { _owner[Int(id)] }
    @inlinable public func head(_ list: Int) -> PageID? { heads[list] == Self.none ? nil : heads[list] }
    @inlinable public func tail(_ list: Int) -> PageID? { tails[list] == Self.none ? nil : tails[list] }
    /// The page after `id` towards the tail.
    @inlinable public func after(_ id: PageID) -> PageID? { next[Int(id)] == Self.none ? nil : next[Int(id)] }
    /// The page before `id` towards the head.
    @inlinable public func before(_ id: PageID) -> PageID? { previous[Int(id)] == Self.none ? nil : previous[Int(id)] }

    @inlinable
    public mutating func pushFront(_ id: PageID, list: Int) {
        let i = Int(id)
        precondition(_owner[i] == Self.noList, "page \(id) is already in list \(_owner[i])")
        _owner[i] = UInt8(list)
        previous[i] = Self.none
        next[i] = heads[list]
        if heads[list] != Self.none { previous[Int(heads[list])] = id } else { tails[list] = id }
        heads[list] = id
        _counts[list] += 1
    }

    @inlinable
    public mutating func remove(_ id: PageID) {
        let i = Int(id)
        let list = Int(_owner[i])
        guard list != Int(Self.noList) else { return }
        let p = previous[i], n = next[i]
        if p != Self.none { next[Int(p)] = n } else { heads[list] = n }
        if n != Self.none { previous[Int(n)] = p } else { tails[list] = p }
        _owner[i] = Self.noList
        _counts[list] -= 1
    }

    /// Moves `id` to the front of `list` (its own list or another).
    @inlinable
    public mutating func moveToFront(_ id: PageID, list: Int) {
        if _owner[Int(id)] == UInt8(list) && heads[list] == id { return }
        remove(id)
        pushFront(id, list: list)
    }

    public var memoryBytes: Int { previous.capacity * 4 + next.capacity * 4 + _owner.capacity }
}
