/// Per-page state of every page the engine has seen, as parallel arrays indexed by `PageID`
/// (struct-of-arrays: a policy scanning recency touches one dense array), plus the occupancy of
/// each tier. Invariant: every live page is in exactly one tier and no tier exceeds its capacity
/// (`PageTable+Invariants.swift` checks it).
///
/// The arrays are `PageArray`s, shared by copies: a copy of a table is a view of the same pages.
/// Change a page's tier only through `setTier`, which keeps the occupancy counts.
public struct PageTable {
    /// `tier[id]` for a page that was freed, or not placed yet.
    public static let absent: UInt8 = 0xFF

    /// Flag bits.
    public static let writtenFlag: UInt8 = 1
    /// The page compresses below the pool's threshold (a per-page assumption in a replay).
    public static let compressibleFlag: UInt8 = 2
    /// The page's last move was a demotion (for ping-pong accounting).
    public static let lastMoveWasDemotionFlag: UInt8 = 4

    /// Tier index (`TierLayout.dram`, `.pmem`, `.compressed`) or `absent`. Read only: use `setTier`.
    public let tier: PageArray<UInt8>
    public let flags: PageArray<UInt8>
    /// Where the page sits inside its tier: the live heap's PMEM offset or pool handle; 0 in a replay.
    public let slot: PageArray<UInt32>
    /// Clock (ns) of the page's last access, and its accesses halved every decay period: kept
    /// (and allocated) only when `tracksAccessStatistics`, for policies that declare
    /// `usesAccessStatistics`; empty otherwise, saving 12 bytes a page.
    public let lastAccess: PageArray<UInt64>
    public let frequency: PageArray<Float>
    /// Clock (ns) of the page's last migration.
    public let lastMove: PageArray<UInt64>

    /// Pages in DRAM, PMEM and the compressed pool, and the bytes the pool holds.
    @usableFromInline var dramCount = 0
    @usableFromInline var pmemCount = 0
    @usableFromInline var compressedCount = 0
    @usableFromInline var _compressedBytesUsed: UInt64 = 0
    public var compressedBytesUsed: UInt64 { _compressedBytesUsed }
    public let layout: TierLayout
    public let tracksAccessStatistics: Bool

    public init(layout: TierLayout, expectedPages: Int = 0, tracksAccessStatistics: Bool = true) {
        self.layout = layout
        self.tracksAccessStatistics = tracksAccessStatistics
        tier = PageArray(reserving: expectedPages)
        flags = PageArray(reserving: expectedPages)
        slot = PageArray(reserving: expectedPages)
        let statistics = tracksAccessStatistics ? expectedPages : 0
        lastAccess = PageArray(reserving: statistics)
        frequency = PageArray(reserving: statistics)
        lastMove = PageArray(reserving: expectedPages)
    }

    @inlinable public var count: Int { tier.count }
    /// Pages in each tier, indexed by tier.
    public var pagesIn: [Int] { [dramCount, pmemCount, compressedCount] }
    @inlinable public var freeDRAMPages: Int { layout.dramPages - dramCount }

    /// A new page, in no tier yet.
    @inlinable
    public func addPage(flags initial: UInt8 = 0) -> PageID {
        tier.append(Self.absent)
        flags.append(initial)
        slot.append(0)
        if tracksAccessStatistics {
            lastAccess.append(0)
            frequency.append(0)
        }
        lastMove.append(0)
        return PageID(tier.count - 1)
    }

    /// Bytes a page takes in the compressed pool: its compressed size if compressible, else whole.
    @inlinable
    public func compressedSize(_ id: PageID, ratio: Double) -> UInt64 {
        flags[Int(id)] & Self.compressibleFlag != 0
            ? UInt64(Double(layout.pageSize) * ratio) : UInt64(layout.pageSize)
    }

    /// Whether `tier` has room for page `id`.
    @inlinable
    public func hasRoom(_ tier: UInt8, for id: PageID, ratio: Double) -> Bool {
        switch tier {
        case TierLayout.dram: return dramCount < layout.dramPages
        case TierLayout.pmem: return pmemCount < layout.pmemPages
        default: return _compressedBytesUsed + compressedSize(id, ratio: ratio) <= layout.compressedBytes
        }
    }

    @inlinable
    mutating func adjustCount(_ tier: UInt8, by delta: Int) {
        switch tier {
        case TierLayout.dram: dramCount += delta
        case TierLayout.pmem: pmemCount += delta
        default: compressedCount += delta
        }
    }

    /// Puts page `id` into `newTier` (from wherever it is, or from nowhere). The caller has
    /// checked `hasRoom`; exceeding a capacity is a programmer error.
    @inlinable
    public mutating func setTier(_ id: PageID, _ newTier: UInt8, ratio: Double) {
        let i = Int(id)
        let old = tier[i]
        if old != Self.absent {
            adjustCount(old, by: -1)
            if old == TierLayout.compressed { _compressedBytesUsed -= compressedSize(id, ratio: ratio) }
        }
        if newTier != Self.absent {
            precondition(hasRoom(newTier, for: id, ratio: ratio), "tier \(newTier) is full")
            adjustCount(newTier, by: 1)
            if newTier == TierLayout.compressed { _compressedBytesUsed += compressedSize(id, ratio: ratio) }
        }
        tier[i] = newTier
    }

    /// Halves every page's access frequency: amortised O(1) when called once per `count` accesses.
    public func decayFrequencies() {
        frequency.withUnsafeMutableBufferPointer { f in
            for i in f.indices { f[i] *= 0.5 }
        }
    }

    /// Bytes held by the arrays.
    public var memoryBytes: Int {
        tier.memoryBytes + flags.memoryBytes + slot.memoryBytes + lastAccess.memoryBytes + frequency.memoryBytes + lastMove.memoryBytes
    }
}
