/// A dense number for each distinct page the engine has seen: 0, 1, 2, … in order of first touch,
/// or, where `PageIndex` gives a known range's pages their offsets, in page order.
/// Per-page state lives in arrays indexed by it (struct-of-arrays), not in objects.
public typealias PageID = UInt32

/// Maps page numbers to `PageID`s.
///
/// Where the pages fill a known range almost completely (a profiled trace of one heap), and the
/// owner allows it, each page's id is its offset in the range: no lookup at all, so an access
/// costs one cache miss fewer. Where they fill most of it (a heap's arena, most traces), a
/// direct table: one 4-byte entry per page number in the range, no hashing, and neighbouring
/// pages in neighbouring entries. Pages outside that range, or all pages when no range is given,
/// go to a hash table: open addressing with linear probing, a multiplicative hash and Lemire's
/// multiply-shift range reduction, kept at most 70% full; a slot holds the key and its id
/// together (16 bytes, about 23 bytes a page), so a lookup costs one cache miss, not two.
/// Neither path allocates or pays a copy-on-write check.
public struct PageIndex {
    @usableFromInline
    struct Slot {
        @usableFromInline var key: UInt64
        @usableFromInline var id: PageID
        @inlinable init(key: UInt64, id: PageID) {
            self.key = key
            self.id = id
        }
    }

    @usableFromInline var slots: PageArray<Slot>
    /// The direct table: `direct[page - directBase]` for pages in its range.
    @usableFromInline let direct: PageArray<PageID>
    @usableFromInline let directBase: UInt64
    /// Pages in the range: the direct table's length, or the ids the range owns.
    @usableFromInline let directCount: UInt64
    /// Whether a page in the range is its own id (`page - directBase`): no table.
    public let rangeIsIdentity: Bool
    @usableFromInline var _count = 0
    /// Ids issued (in identity mode, the whole range's, touched or not).
    public var count: Int { _count }
    /// Pages in the hash table, for its load factor.
    @usableFromInline var hashedCount = 0
    /// Slot id meaning empty (page ids never reach it).
    @usableFromInline static let empty = PageID.max
    @usableFromInline static let maxLoad = 0.7

    /// A direct table is used for `denseRange` when it spans at most four page numbers per
    /// expected page (16 bytes a page at worst); otherwise every page is hashed. With
    /// `identityAllowed`, a range of at most 9 page numbers per 8 expected pages gives its pages
    /// their offsets as ids: every one of them then owns an id, touched or not, so the caller's
    /// per-page state covers the whole range (at most 1/8 more than the pages, and less than a
    /// direct table's 4 bytes a page plus the state). `rangeIsIdentity` tells which was chosen.
    public init(expectedPages: Int = 1 << 12, denseRange: ClosedRange<UInt64>? = nil, identityAllowed: Bool = false) {
        var directPages = 0
        var identity = false
        if let range = denseRange, range.upperBound - range.lowerBound < UInt64(max(expectedPages, 1)) * 4 {
            directPages = Int(range.upperBound - range.lowerBound) + 1
            identity = identityAllowed && directPages <= max(expectedPages, 1) + max(expectedPages, 1) / 8
                && directPages < Int(Self.empty)
        }
        rangeIsIdentity = identity
        directCount = UInt64(directPages)
        direct = PageArray(repeating: Self.empty, count: identity ? 0 : directPages)
        _count = identity ? directPages : 0
        directBase = denseRange?.lowerBound ?? 0
        let hashed = directPages > 0 ? 16 : expectedPages
        let capacity = max(16, Int(Double(hashed) / Self.maxLoad) + 1)
        slots = PageArray(repeating: Slot(key: 0, id: Self.empty), count: capacity)
    }

    @inlinable @inline(__always)
    static func slot(_ page: UInt64, _ capacity: Int) -> Int {
        let hash = page &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: (hash ^ (hash >> 29)).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// The id of `page`, or nil if it has none yet.
    @inlinable
    public func find(_ page: UInt64) -> PageID? {
        let offset = page &- directBase
        if offset < directCount {
            if rangeIsIdentity { return PageID(offset) }
            let id = direct[Int(offset)]
            return id == Self.empty ? nil : id
        }
        let capacity = slots.count
        var i = Self.slot(page, capacity)
        while true {
            let slot = slots[i]
            if slot.id == Self.empty { return nil }
            if slot.key == page { return slot.id }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    /// The id of `page`, giving it id `nextID` if it has none; `inserted` tells which happened.
    /// (Evaluated and converted only on insertion: a lookup, the common case, pays for neither.)
    @inlinable
    public mutating func findOrInsert(_ page: UInt64, nextID: @autoclosure () -> Int) -> (id: PageID, inserted: Bool) {
        let offset = page &- directBase
        if offset < directCount {
            if rangeIsIdentity { return (PageID(truncatingIfNeeded: offset), false) }  // the range is below `empty` (init)
            let id = direct[Int(offset)]
            if id != Self.empty { return (id, false) }
            let newID = PageID(nextID())
            direct[Int(offset)] = newID
            _count += 1
            return (newID, true)
        }
        let capacity = slots.count
        var i = Self.slot(page, capacity)
        while true {
            let slot = slots[i]
            if slot.id == Self.empty {
                let newID = PageID(nextID())
                slots[i] = Slot(key: page, id: newID)
                _count += 1
                hashedCount += 1
                if Double(hashedCount) > Double(capacity) * Self.maxLoad { grow() }
                return (newID, true)
            }
            if slot.key == page { return (slot.id, false) }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    @usableFromInline
    mutating func grow() {
        let old = slots
        let capacity = old.count + old.count / 2
        slots = PageArray(repeating: Slot(key: 0, id: Self.empty), count: capacity)
        for k in 0..<old.count where old[k].id != Self.empty {
            var i = Self.slot(old[k].key, capacity)
            while slots[i].id != Self.empty {
                i += 1
                if i == capacity { i = 0 }
            }
            slots[i] = old[k]
        }
    }

    /// Bytes held, for the engine's per-page memory budget.
    public var memoryBytes: Int { slots.memoryBytes + direct.memoryBytes }
}
