/// Hotness thresholds in the manner of TPP (Maruf et al., ASPLOS 2023) and Linux memory tiering:
/// a page in a directly accessed slower tier is promoted when it is touched again within
/// `window` nanoseconds of its previous touch (the second hint fault), not on every touch; DRAM
/// pages are kept on an LRU list, and every epoch the coldest (untouched for `cold` ns) are
/// demoted early to keep `headroom` of DRAM free for promotions. The controller rate-limits the
/// promotions (`--promote-rate`).
public struct HotnessPolicy: PlacementPolicy {
    public static let name = "hotness"
    public static let summary = "TPP-like: promote on a second touch within a window, demote cold pages early"
    public static let usesAccessStatistics = true
    @usableFromInline var lists = PageLists(lists: 1)
    @usableFromInline let windowNs: UInt64
    @usableFromInline let coldNs: UInt64
    @usableFromInline let headroomPages: Int

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: ["window", "cold", "headroom"], policy: Self.name)
        windowNs = UInt64(try options.number("window", default: 1e6, in: 1...1e15))
        coldNs = UInt64(try options.number("cold", default: 1e8, in: 1...1e15))
        let headroom = try options.number("headroom", default: 0.02, in: 0...0.5)
        headroomPages = Int(Double(layout.dramPages) * headroom)
    }

    @inlinable
    public mutating func pagesExist(_ count: Int) { lists.grow(to: count) }
    @inlinable
    public mutating func admitted(_ id: PageID, _ access: AccessContext) { lists.pushFront(id, list: 0) }
    @inlinable
    public mutating func hit(_ id: PageID, _ access: AccessContext) { lists.moveToFront(id, list: 0) }

    @inlinable
    public mutating func accessedInPlace(_ id: PageID, tier: UInt8, _ access: AccessContext) -> Bool {
        access.previousAccess != 0 && access.now &- access.previousAccess <= windowNs
    }

    @inlinable
    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? { lists.tail(0) }
    @inlinable
    public mutating func removed(_ id: PageID) { lists.remove(id) }
    @inlinable
    public mutating func freed(_ id: PageID) { lists.remove(id) }

    @inlinable
    public mutating func epoch(now: UInt64, table: PageTable, counters: EngineCounters, demote: inout [PageID]) {
        var wanted = headroomPages - table.freeDRAMPages
        var candidate = lists.tail(0)
        while wanted > 0, let id = candidate, now &- table.lastAccess[Int(id)] >= coldNs {
            demote.append(id)
            candidate = lists.before(id)
            wanted -= 1
        }
    }

    public func demotionCandidates(limit: Int) -> [PageID] { lists.fromTail(0, limit: limit) }

    public var memoryBytes: Int { lists.memoryBytes }
}
