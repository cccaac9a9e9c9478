/// Per-page state of every page the engine has seen, as parallel arrays indexed by `PageID`
/// (struct-of-arrays: a policy scanning recency touches one dense array), plus the occupancy of
/// each _tier. Invariant: every live page is in exactly one tier and no tier exceeds its capacity
/// (`PageTable+Invariants.swift` checks it).
public struct PageTable {
    /// `_tier[id]` for a page that was freed, or not placed yet.
    public static let absent: UInt8 = 0xFF

    /// Flag bits.
    public static let writtenFlag: UInt8 = 1
    /// The page compresses below the pool's threshold (a per-page assumption in a replay).
    public static let compressibleFlag: UInt8 = 2
    /// The page's last move was a demotion (for ping-pong accounting).
    public static let lastMoveWasDemotionFlag: UInt8 = 4

    /// Tier index (`TierLayout.dram`, `.pmem`, `.compressed`) or `absent`.
    @usableFromInline var _tier: [UInt8] = []
    public var tier: [UInt8] { _tier }
    public var flags: [UInt8] = []
    /// Where the page sits inside its tier: the live heap's PMEM offset or pool handle; 0 in a replay.
    public var slot: [UInt32] = []
    /// Clock (ns) of the page's last access.
    public var lastAccess: [UInt64] = []
    /// Accesses, halved by `decayFrequencies()` every decay period.
    public var frequency: [Float] = []
    /// Clock (ns) of the page's last migration.
    public var lastMove: [UInt64] = []

    /// Pages in each _tier, and the bytes the compressed pool holds.
    @usableFromInline var _pagesIn: [Int] = [0, 0, 0]
    public var pagesIn: [Int] { _pagesIn }
    @usableFromInline var _compressedBytesUsed: UInt64 = 0
    public var compressedBytesUsed: UInt64 { _compressedBytesUsed }
    public let layout: TierLayout

    public init(layout: TierLayout, expectedPages: Int = 0) {
        self.layout = layout
        _tier.reserveCapacity(expectedPages)
        flags.reserveCapacity(expectedPages)
        slot.reserveCapacity(expectedPages)
        lastAccess.reserveCapacity(expectedPages)
        frequency.reserveCapacity(expectedPages)
        lastMove.reserveCapacity(expectedPages)
    }

    public var count: Int { _tier.count }
    public var freeDRAMPages: Int { layout.dramPages - _pagesIn[Int(TierLayout.dram)] }

    /// A new page, in no tier yet.
    @inlinable
    public mutating func addPage(flags initial: UInt8 = 0) -> PageID {
        _tier.append(Self.absent)
        flags.append(initial)
        slot.append(0)
        lastAccess.append(0)
        frequency.append(0)
        lastMove.append(0)
        return PageID(_tier.count - 1)
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
        case TierLayout.dram: return _pagesIn[0] < layout.dramPages
        case TierLayout.pmem: return _pagesIn[1] < layout.pmemPages
        default: return compressedBytesUsed + compressedSize(id, ratio: ratio) <= layout.compressedBytes
        }
    }

    /// Puts page `id` into `newTier` (from wherever it is, or from nowhere). The caller has
    /// checked `hasRoom`; exceeding a capacity is a programmer error.
    @inlinable
    public mutating func setTier(_ id: PageID, _ newTier: UInt8, ratio: Double) {
        let i = Int(id)
        let old = _tier[i]
        if old != Self.absent {
            _pagesIn[Int(old)] -= 1
            if old == TierLayout.compressed { _compressedBytesUsed -= compressedSize(id, ratio: ratio) }
        }
        if newTier != Self.absent {
            precondition(hasRoom(newTier, for: id, ratio: ratio), "tier \(newTier) is full")
            _pagesIn[Int(newTier)] += 1
            if newTier == TierLayout.compressed { _compressedBytesUsed += compressedSize(id, ratio: ratio) }
        }
        _tier[i] = newTier
    }

    /// Halves every page's access frequency: amortised O(1) when called once per `count` accesses.
    @inlinable
    public mutating func decayFrequencies() {
        frequency.withUnsafeMutableBufferPointer { f in
            for i in f.indices { f[i] *= 0.5 }
        }
    }

    /// Bytes held by the arrays.
    public var memoryBytes: Int {
        _tier.capacity + flags.capacity + slot.capacity * 4 + lastAccess.capacity * 8 + frequency.capacity * 4 + lastMove.capacity * 8
    }
}
