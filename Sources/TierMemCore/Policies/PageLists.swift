/// Several doubly linked lists of pages sharing one array of links: a page is in at most one
/// list at a time. LRU, ARC and S3-FIFO keep their queues here. A page's links and list sit in
/// one 12-byte node, so relinking a page touches one cache line of it, not three. No allocation
/// per operation; every operation is O(1). Storage is shared by copies (`PageArray`).
public struct PageLists {
    public static let none = PageID.max
    /// `list(of: id)` for a page in no list.
    public static let noList: UInt8 = 0xFF

    @usableFromInline
    struct Node {
        @usableFromInline var previous: PageID
        @usableFromInline var next: PageID
        @usableFromInline var owner: UInt8
        @inlinable init(previous: PageID, next: PageID, owner: UInt8) {
            self.previous = previous
            self.next = next
            self.owner = owner
        }
    }

    @usableFromInline let nodes = PageArray<Node>()
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
        guard nodes.count < pages else { return }
        nodes.extend(to: pages, with: Node(previous: Self.none, next: Self.none, owner: Self.noList))
    }

    /// Pages in `list`, and in all lists.
    @inlinable public func count(_ list: Int) -> Int { counts[list] }
    @inlinable public var totalCount: Int {
        var total = 0
        for list in 0..<counts.count { total += counts[list] }
        return total
    }

    @inlinable public func contains(_ id: PageID) -> Bool { nodes[Int(id)].owner != Self.noList }
    @inlinable public func list(of id: PageID) -> UInt8 { nodes[Int(id)].owner }
    @inlinable public func head(_ list: Int) -> PageID? { heads[list] == Self.none ? nil : heads[list] }
    @inlinable public func tail(_ list: Int) -> PageID? { tails[list] == Self.none ? nil : tails[list] }
    /// The page after `id` towards the tail.
    @inlinable public func after(_ id: PageID) -> PageID? { nodes[Int(id)].next == Self.none ? nil : nodes[Int(id)].next }
    /// The page before `id` towards the head.
    @inlinable public func before(_ id: PageID) -> PageID? { nodes[Int(id)].previous == Self.none ? nil : nodes[Int(id)].previous }

    /// Up to `limit` pages of `list` from its tail towards its front.
    public func fromTail(_ list: Int, limit: Int) -> [PageID] {
        var pages: [PageID] = []
        var candidate = tail(list)
        while let id = candidate, pages.count < limit {
            pages.append(id)
            candidate = before(id)
        }
        return pages
    }

    @inlinable @inline(__always)
    public func pushFront(_ id: PageID, list: Int) {
        let i = Int(id)
        precondition(nodes[i].owner == Self.noList, "page \(id) is already in list \(nodes[i].owner)")
        let head = heads[list]
        nodes[i] = Node(previous: Self.none, next: head, owner: UInt8(list))
        if head != Self.none { nodes[Int(head)].previous = id } else { tails[list] = id }
        heads[list] = id
        counts[list] += 1
    }

    @inlinable @inline(__always)
    public func remove(_ id: PageID) {
        let i = Int(id)
        let node = nodes[i]
        let list = Int(node.owner)
        guard list != Int(Self.noList) else { return }
        if node.previous != Self.none { nodes[Int(node.previous)].next = node.next } else { heads[list] = node.next }
        if node.next != Self.none { nodes[Int(node.next)].previous = node.previous } else { tails[list] = node.previous }
        nodes[i].owner = Self.noList
        counts[list] -= 1
    }

    /// Moves `id` to the front of `list` (its own list or another).
    @inlinable @inline(__always)
    public func moveToFront(_ id: PageID, list: Int) {
        let i = Int(id)
        let node = nodes[i]
        guard node.owner == UInt8(list) else {
            remove(id)
            pushFront(id, list: list)
            return
        }
        // Within its own list (an LRU hit): relink at the head; the list's count is unchanged.
        // `node.previous` exists, or the page would be the head already. The links were written
        // by this type, so only `id` is checked (`nodes[i]` above).
        let head = heads[list]
        if head == id { return }
        precondition(node.previous != Self.none, "page \(id) is in list \(list) but neither its head nor linked")
        let links = nodes.buffer
        links[Int(node.previous)].next = node.next
        if node.next != Self.none { links[Int(node.next)].previous = node.previous } else { tails[list] = node.previous }
        links[i] = Node(previous: Self.none, next: head, owner: node.owner)
        links[Int(head)].previous = id
        heads[list] = id
    }

    public var memoryBytes: Int { nodes.memoryBytes }
}
