/// A dense number for each distinct page the engine has seen: 0, 1, 2, … in order of first touch.
/// Per-page state lives in arrays indexed by it (struct-of-arrays), not in objects.
public typealias PageID = UInt32

/// Maps page numbers to `PageID`s.
///
/// Where the pages fill most of a known range (a heap's arena, most traces of one heap), a
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
    @usableFromInline var _count = 0
    public var count: Int { _count }
    /// Slot id meaning empty (page ids never reach it).
    @usableFromInline static let empty = PageID.max
    @usableFromInline static let maxLoad = 0.7

    /// A direct table is used for `denseRange` when it spans at most four page numbers per
    /// expected page (16 bytes a page at worst); otherwise every page is hashed.
    public init(expectedPages: Int = 1 << 12, denseRange: ClosedRange<UInt64>? = nil) {
        var directPages = 0
        if let range = denseRange, range.upperBound - range.lowerBound < UInt64(max(expectedPages, 1)) * 4 {
            directPages = Int(range.upperBound - range.lowerBound) + 1
        }
        direct = PageArray(repeating: Self.empty, count: directPages)
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
        if offset < UInt64(direct.count) {
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

    /// The id of `page`, giving it `newID` if it has none; `inserted` tells which happened.
    @inlinable
    public mutating func findOrInsert(_ page: UInt64, newID: PageID) -> (id: PageID, inserted: Bool) {
        let offset = page &- directBase
        if offset < UInt64(direct.count) {
            let id = direct[Int(offset)]
            if id != Self.empty { return (id, false) }
            direct[Int(offset)] = newID
            _count += 1
            return (newID, true)
        }
        let capacity = slots.count
        var i = Self.slot(page, capacity)
        while true {
            let slot = slots[i]
            if slot.id == Self.empty {
                slots[i] = Slot(key: page, id: newID)
                _count += 1
                if Double(_count) > Double(capacity) * Self.maxLoad { grow() }
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
