/// Several doubly linked lists of pages sharing one pair of link arrays: a page is in at most one
/// list at a time. LRU, ARC and S3-FIFO keep their queues here. 9 bytes a page, no allocation
/// per operation; every operation is O(1).
public struct PageLists {
    public static let none = PageID.max
    /// `owner[id]` is the list holding the page, or `noList`.
    public static let noList: UInt8 = 0xFF

    private var previous: [PageID] = []
    private var next: [PageID] = []
    public private(set) var owner: [UInt8] = []
    private var heads: [PageID]
    private var tails: [PageID]
    public private(set) var counts: [Int]

    public init(lists: Int) {
        heads = [PageID](repeating: Self.none, count: lists)
        tails = heads
        counts = [Int](repeating: 0, count: lists)
    }

    /// Makes room for page ids below `pages`.
    public mutating func grow(to pages: Int) {
        while owner.count < pages {
            previous.append(Self.none)
            next.append(Self.none)
            owner.append(Self.noList)
        }
    }

    @inline(__always) public func contains(_ id: PageID) -> Bool { owner[Int(id)] != Self.noList }
    @inline(__always) public func list(of id: PageID) -> UInt8 { owner[Int(id)] }
    @inline(__always) public func head(_ list: Int) -> PageID? { heads[list] == Self.none ? nil : heads[list] }
    @inline(__always) public func tail(_ list: Int) -> PageID? { tails[list] == Self.none ? nil : tails[list] }
    /// The page after `id` towards the tail.
    @inline(__always) public func after(_ id: PageID) -> PageID? { next[Int(id)] == Self.none ? nil : next[Int(id)] }
    /// The page before `id` towards the head.
    @inline(__always) public func before(_ id: PageID) -> PageID? { previous[Int(id)] == Self.none ? nil : previous[Int(id)] }

    @inline(__always)
    public mutating func pushFront(_ id: PageID, list: Int) {
        let i = Int(id)
        precondition(owner[i] == Self.noList, "page \(id) is already in list \(owner[i])")
        owner[i] = UInt8(list)
        previous[i] = Self.none
        next[i] = heads[list]
        if heads[list] != Self.none { previous[Int(heads[list])] = id } else { tails[list] = id }
        heads[list] = id
        counts[list] += 1
    }

    @inline(__always)
    public mutating func remove(_ id: PageID) {
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
    @inline(__always)
    public mutating func moveToFront(_ id: PageID, list: Int) {
        if owner[Int(id)] == UInt8(list) && heads[list] == id { return }
        remove(id)
        pushFront(id, list: list)
    }

    public var memoryBytes: Int { previous.capacity * 4 + next.capacity * 4 + owner.capacity }
}
