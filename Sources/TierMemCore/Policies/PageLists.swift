/// Several doubly linked lists of pages sharing one array of links: a page is in at most one
/// list at a time. LRU, ARC and S3-FIFO keep their queues here. A page's links and list sit in
/// one 12-byte node, so relinking a page touches one cache line of it, not three. No allocation
/// per operation; every operation is O(1). Storage is shared by copies (`PageArray`).
///
/// Each list is a ring through a sentinel node of its own: the sentinel's `next` is the head and
/// its `previous` the tail, and an empty list's sentinel links to itself. So no link is ever
/// "none", and relinking a page needs no branch on whether it is at an end of its list (an LRU
/// hit is the replay's most frequent operation).
public struct PageLists {
    /// The most lists one instance holds (ARC's four).
    public static let maxLists = 4
    /// `list(of: id)` for a page in no list.
    public static let noList: UInt8 = 0xFF

    /// A link: a page id (below 2^31), or `-1 - k` for list k's sentinel. Signed, so that a
    /// link is an index from the first page's node, and the sentinels sit just before it.
    @usableFromInline typealias Link = Int32

    @usableFromInline
    struct Node {
        @usableFromInline var previous: Link
        @usableFromInline var next: Link
        @usableFromInline var owner: UInt8
        @inlinable init(previous: Link, next: Link, owner: UInt8) {
            self.previous = previous
            self.next = next
            self.owner = owner
        }
    }

    /// `maxLists` sentinels (list k's at `maxLists - 1 - k`), then one node per page: the node of
    /// link `l` is at `maxLists + l`.
    @usableFromInline let nodes: PageArray<Node>
    @usableFromInline let counts: PageArray<Int>

    public init(lists: Int) {
        precondition((1...Self.maxLists).contains(lists), "\(lists) lists: PageLists holds 1 to \(Self.maxLists)")
        nodes = PageArray(reserving: Self.maxLists)
        for slot in 0..<Self.maxLists {
            let sentinel = Link(slot - Self.maxLists)  // the link of the sentinel in this slot
            nodes.append(Node(previous: sentinel, next: sentinel, owner: Self.noList))
        }
        counts = PageArray(repeating: 0, count: lists)
    }

    @inlinable static func sentinel(_ list: Int) -> Link { Link(truncatingIfNeeded: -1 - list) }

    /// The index of `list`'s sentinel from `links`, after checking `list` is one of these lists:
    /// a list from a caller would otherwise index memory before the nodes. (A hit's list needs no
    /// check: it equals the page's owner, which only `pushFront` writes.)
    @inlinable @inline(__always)
    func sentinel(checking list: Int) -> Int {
        precondition(UInt(bitPattern: list) < UInt(bitPattern: counts.count), "list \(list) is not one of the \(counts.count) lists")
        return Int(Self.sentinel(list))
    }

    /// The node of link 0 (the first page's), from which a link indexes its node. Read once per
    /// operation: after a store through it, the compiler could not tell that the array's storage
    /// pointer had not changed, and would read that again.
    @inlinable @inline(__always)
    var links: UnsafeMutablePointer<Node> { nodes.buffer.baseAddress.unsafelyUnwrapped + Self.maxLists }

    /// `links`, after checking `id` against the pages that exist: links come from this type,
    /// page ids from callers.
    @inlinable @inline(__always)
    func links(checking id: PageID) -> UnsafeMutablePointer<Node> {
        let buffer = nodes.buffer
        precondition(Int(id) &+ Self.maxLists < buffer.count, "page \(id) is beyond the lists' pages")
        return buffer.baseAddress.unsafelyUnwrapped + Self.maxLists
    }

    /// Makes room for page ids below `pages`.
    @inlinable
    public func grow(to pages: Int) {
        precondition(pages <= Int(Link.max), "\(pages) pages: PageLists links pages below 2^31")
        guard nodes.count < pages + Self.maxLists else { return }
        nodes.extend(to: pages + Self.maxLists, with: Node(previous: 0, next: 0, owner: Self.noList))
    }

    /// Pages in `list`, and in all lists.
    @inlinable public func count(_ list: Int) -> Int { counts[list] }
    @inlinable public var totalCount: Int {
        var total = 0
        for list in 0..<counts.count { total += counts[list] }
        return total
    }

    @inlinable public func contains(_ id: PageID) -> Bool { list(of: id) != Self.noList }
    @inlinable public func list(of id: PageID) -> UInt8 { links(checking: id)[Int(id)].owner }
    @inlinable public func head(_ list: Int) -> PageID? { pageID(links[sentinel(checking: list)].next) }
    @inlinable public func tail(_ list: Int) -> PageID? { pageID(links[sentinel(checking: list)].previous) }
    /// The page after `id` towards the tail.
    @inlinable public func after(_ id: PageID) -> PageID? { pageID(links(checking: id)[Int(id)].next) }
    /// The page before `id` towards the head.
    @inlinable public func before(_ id: PageID) -> PageID? { pageID(links(checking: id)[Int(id)].previous) }
    /// The page a link names; nil for a sentinel (the end of a list).
    @inlinable func pageID(_ link: Link) -> PageID? { link < 0 ? nil : PageID(truncatingIfNeeded: link) }

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
        let links = self.links(checking: id), page = Int(id), sentinel = sentinel(checking: list)
        precondition(links[page].owner == Self.noList, "page \(id) is already in list \(links[page].owner)")
        let head = links[sentinel].next
        links[page] = Node(previous: Self.sentinel(list), next: head, owner: UInt8(list))
        links[Int(head)].previous = Link(truncatingIfNeeded: id)
        links[sentinel].next = Link(truncatingIfNeeded: id)
        counts[list] += 1
    }

    @inlinable @inline(__always)
    public func remove(_ id: PageID) {
        let links = self.links(checking: id), page = Int(id)
        let removed = links[page]
        guard removed.owner != Self.noList else { return }
        links[Int(removed.previous)].next = removed.next
        links[Int(removed.next)].previous = removed.previous
        links[page].owner = Self.noList
        counts[Int(removed.owner)] -= 1
    }

    /// Moves `id` to the front of `list` (its own list or another).
    @inlinable @inline(__always)
    public func moveToFront(_ id: PageID, list: Int) {
        let links = self.links(checking: id), page = Int(id), sentinel = Int(Self.sentinel(list))
        let moved = links[page]
        guard moved.owner == UInt8(list) else { return moveAcross(id, to: list) }
        // Within its own list (an LRU hit): relink at the head; the list's count is unchanged.
        let head = links[sentinel].next
        if head == Link(truncatingIfNeeded: id) { return }
        links[Int(moved.previous)].next = moved.next
        links[Int(moved.next)].previous = moved.previous
        links[page] = Node(previous: Self.sentinel(list), next: head, owner: moved.owner)
        links[Int(head)].previous = Link(truncatingIfNeeded: id)
        links[sentinel].next = Link(truncatingIfNeeded: id)
    }

    /// `moveToFront` from another list or none: out of line, so that an LRU hit stays small.
    @inlinable @inline(never)
    func moveAcross(_ id: PageID, to list: Int) {
        remove(id)
        pushFront(id, list: list)
    }

    public var memoryBytes: Int { nodes.memoryBytes }
}
