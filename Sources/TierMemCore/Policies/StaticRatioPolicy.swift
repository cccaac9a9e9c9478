/// memkind memtier's STATIC_RATIO: each new page is placed in DRAM or in the next tier by a
/// fixed ratio at first touch, and never migrated. The ratio defaults to DRAM's share of the
/// footprint the layout was sized for; `dram=0.25` sets it. Accesses to slower tiers are served
/// where the page is (in place for direct PMEM, a fault without admission for paged tiers).
public struct StaticRatioPolicy: PlacementPolicy {
    public static let name = "static"
    public static let summary = "memtier STATIC_RATIO: placed at first touch by ratio, never migrated"
    public static let migrates = false
    @usableFromInline let dramShare: Double
    @usableFromInline let slowerTier: UInt8

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: ["dram"], policy: Self.name)
        dramShare = try options.number("dram", default: 0.25, in: 0...1)
        slowerTier = layout.hasPMEM ? TierLayout.pmem : TierLayout.compressed
    }

    @inlinable
    public mutating func pagesExist(_ count: Int) {}

    @inlinable
    public mutating func placeNewPage(_ id: PageID, page: UInt64) -> UInt8 {
        // A hash of the page number, not a random draw: the same page lands the same way every run.
        var h = page &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 31
        return Double(h >> 11) * 0x1p-53 < dramShare ? TierLayout.dram : slowerTier
    }

    @inlinable
    public mutating func admitted(_ id: PageID, _ access: AccessContext) {}
    @inlinable
    public mutating func hit(_ id: PageID, _ access: AccessContext) {}
    @inlinable
    public mutating func accessedInPlace(_ id: PageID, tier: UInt8, _ access: AccessContext) -> Bool { false }

    /// Never migrates: a page waiting for DRAM stays where it is, and background reclaim is
    /// offered nothing.
    @inlinable
    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? { incoming }

    @inlinable
    public mutating func removed(_ id: PageID) {}
    @inlinable
    public mutating func freed(_ id: PageID) {}
    public var memoryBytes: Int { 0 }
}
