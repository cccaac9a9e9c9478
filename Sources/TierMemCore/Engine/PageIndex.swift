/// A dense number for each distinct page the engine has seen: 0, 1, 2, … in order of first touch.
/// Per-page state lives in arrays indexed by it (struct-of-arrays), not in objects.
public typealias PageID = UInt32

/// Maps page numbers to `PageID`s: open addressing with linear probing, a multiplicative hash
/// and Lemire's multiply-shift range reduction, so the table can be any size and is kept at most
/// 70% full: 12 bytes a slot, about 17 bytes a page. Fast path: two multiplies, usually one
/// probe, no allocation.
public struct PageIndex {
    @usableFromInline var keys: [UInt64]
    @usableFromInline var values: [PageID]
    @usableFromInline var _count: Int = 0
    public var count: Int { _count }
    /// Slot value meaning empty (page ids never reach it).
    @usableFromInline static let empty = PageID.max
    @usableFromInline static let maxLoad = 0.7

    public init(expectedPages: Int = 1 << 12) {
        let capacity = max(16, Int(Double(expectedPages) / Self.maxLoad) + 1)
        keys = [UInt64](repeating: 0, count: capacity)
        values = [PageID](repeating: Self.empty, count: capacity)
    }

    @inline(__always)
    @inlinable static func slot(_ page: UInt64, _ capacity: Int) -> Int {
        let hash = page &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: (hash ^ (hash >> 29)).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// The id of `page`, or nil if it has none yet.
    @inlinable
    public func find(_ page: UInt64) -> PageID? {
        let capacity = keys.count
        var i = Self.slot(page, capacity)
        while true {
            let value = values[i]
            if value == Self.empty { return nil }
            if keys[i] == page { return value }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    /// The id of `page`, giving it `newID` if it has none; `inserted` tells which happened.
    @inlinable
    public mutating func findOrInsert(_ page: UInt64, newID: PageID) -> (id: PageID, inserted: Bool) {
        let capacity = keys.count
        var i = Self.slot(page, capacity)
        while true {
            let value = values[i]
            if value == Self.empty {
                keys[i] = page
                values[i] = newID
                _count += 1
                if Double(_count) > Double(capacity) * Self.maxLoad { grow() }
                return (newID, true)
            }
            if keys[i] == page { return (value, false) }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    @inlinable mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let capacity = oldKeys.count + oldKeys.count / 2
        keys = [UInt64](repeating: 0, count: capacity)
        values = [PageID](repeating: Self.empty, count: capacity)
        for (key, value) in zip(oldKeys, oldValues) where value != Self.empty {
            var i = Self.slot(key, capacity)
            while values[i] != Self.empty {
                i += 1
                if i == capacity { i = 0 }
            }
            keys[i] = key
            values[i] = value
        }
    }

    /// Bytes held, for the engine's per-page memory budget.
    public var memoryBytes: Int { keys.capacity * MemoryLayout<UInt64>.stride + values.capacity * MemoryLayout<PageID>.stride }
}
