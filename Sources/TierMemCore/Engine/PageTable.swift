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

    /// Flag bits of `record`.
    /// The page compresses below the pool's threshold (a per-page assumption in a replay).
    public static let compressibleFlag: UInt64 = 1
    /// The page's last move was a demotion (for ping-pong accounting).
    public static let lastMoveWasDemotionFlag: UInt64 = 2
    /// `record`'s low bits hold the flags; the bits above hold the last move's clock.
    @usableFromInline static let flagBits: UInt64 = 8

    /// Tier index (`TierLayout.dram`, `.pmem`, `.compressed`) or `absent`: read on every access,
    /// so alone in its array (one byte a page). Read only: use `setTier`.
    public let tier: PageArray<UInt8>
    /// What a migration reads and writes, in one word so that it costs one cache miss: the flag
    /// bits, and above them the clock (ns) of the page's last migration (0: never moved), which
    /// saturates at 2^56 ns (2.3 years). Use `isCompressible`, `lastMove` and `recordMove`.
    public let record: PageArray<UInt64>
    /// Clock (ns) of the page's last access, and its accesses halved every decay period: kept
    /// (and allocated) only when `tracksAccessStatistics`, for policies that declare
    /// `usesAccessStatistics`; empty otherwise, saving 12 bytes a page.
    public let lastAccess: PageArray<UInt64>
    public let frequency: PageArray<Float>

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
        record = PageArray(reserving: expectedPages)
        let statistics = tracksAccessStatistics ? expectedPages : 0
        lastAccess = PageArray(reserving: statistics)
        frequency = PageArray(reserving: statistics)
    }

    @inlinable public var count: Int { tier.count }
    /// Pages in each tier, indexed by tier.
    public var pagesIn: [Int] { [dramCount, pmemCount, compressedCount] }
    @inlinable public var freeDRAMPages: Int { layout.dramPages - dramCount }

    /// A new page, in no tier yet, never moved.
    @inlinable
    public func addPage(compressible: Bool) -> PageID {
        tier.append(Self.absent)
        record.append(compressible ? Self.compressibleFlag : 0)
        if tracksAccessStatistics {
            lastAccess.append(0)
            frequency.append(0)
        }
        return PageID(tier.count - 1)
    }

    /// Whether page `id`'s contents are assumed to compress (`compressibleFlag`).
    @inlinable @inline(__always)
    public func isCompressible(_ id: PageID) -> Bool { record[Int(id)] & Self.compressibleFlag != 0 }

    /// Clock (ns) of page `id`'s last migration, 0 if it never moved.
    @inlinable
    public func lastMove(_ id: PageID) -> UInt64 { record[Int(id)] >> Self.flagBits }

    /// Records a migration of page `id` at `now`; returns the previous one's clock (0 if none)
    /// and whether it was a demotion.
    @inlinable @inline(__always)
    public func recordMove(_ id: PageID, now: UInt64, isDemotion: Bool) -> (previous: UInt64, wasDemotion: Bool) {
        let old = record[Int(id)]
        let clock = min(max(now, 1), UInt64.max >> Self.flagBits)
        let flags = old & Self.compressibleFlag | (isDemotion ? Self.lastMoveWasDemotionFlag : 0)
        record[Int(id)] = clock << Self.flagBits | flags
        return (old >> Self.flagBits, old & Self.lastMoveWasDemotionFlag != 0)
    }

    /// Bytes a page takes in the compressed pool: its compressed size if compressible, else whole.
    @inlinable
    public func compressedSize(_ id: PageID, ratio: Double) -> UInt64 {
        isCompressible(id) ? UInt64(Double(layout.pageSize) * ratio) : UInt64(layout.pageSize)
    }

    /// Whether `tier` has room for page `id`.
    @inlinable @inline(__always)
    public func hasRoom(_ tier: UInt8, for id: PageID, ratio: Double) -> Bool {
        switch tier {
        case TierLayout.dram: return dramCount < layout.dramPages
        case TierLayout.pmem: return pmemCount < layout.pmemPages
        default: return _compressedBytesUsed + compressedSize(id, ratio: ratio) <= layout.compressedBytes
        }
    }

    /// Puts page `id` into `newTier` (from wherever it is, or from nowhere). The caller has
    /// checked `hasRoom`; exceeding a capacity is a programmer error. On every page-in and
    /// demotion of a replay, so it touches only the counts the move changes.
    @inlinable @inline(__always)
    public mutating func setTier(_ id: PageID, _ newTier: UInt8, ratio: Double) {
        let i = Int(id)
        let old = tier[i]
        switch old {
        case TierLayout.dram: dramCount &-= 1
        case TierLayout.pmem: pmemCount &-= 1
        case TierLayout.compressed:
            compressedCount &-= 1
            _compressedBytesUsed -= compressedSize(id, ratio: ratio)
        default: break
        }
        // The capacity invariant, checked on the count just changed (not through `hasRoom`: a
        // call on `self` here copies the whole table, on every page-in and demotion). The counts
        // move with wrapping: a count falls only for a page in its tier, and rises to at most
        // the capacity checked here.
        switch newTier {
        case TierLayout.dram:
            dramCount &+= 1
            precondition(dramCount <= layout.dramPages, "DRAM is full")
        case TierLayout.pmem:
            pmemCount &+= 1
            precondition(pmemCount <= layout.pmemPages, "PMEM is full")
        case TierLayout.compressed:
            compressedCount &+= 1
            _compressedBytesUsed += compressedSize(id, ratio: ratio)
            precondition(_compressedBytesUsed <= layout.compressedBytes, "the compressed pool is full")
        default: break
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
        tier.memoryBytes + record.memoryBytes + lastAccess.memoryBytes + frequency.memoryBytes
    }
}
