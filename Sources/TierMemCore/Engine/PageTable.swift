/// Per-page state of every page the engine has seen, as parallel arrays indexed by `PageID`
/// (struct-of-arrays: a policy scanning recency touches one dense array), plus the occupancy of
/// each tier. Invariant: every live page is in exactly one tier and no tier exceeds its capacity
/// (`PageTable+Invariants.swift` checks it).
public struct PageTable {
    /// `tier[id]` for a page that was freed, or not placed yet.
    public static let absent: UInt8 = 0xFF

    /// Flag bits.
    public static let writtenFlag: UInt8 = 1
    /// The page compresses below the pool's threshold (a per-page assumption in a replay).
    public static let compressibleFlag: UInt8 = 2
    /// The page's last move was a demotion (for ping-pong accounting).
    public static let lastMoveWasDemotionFlag: UInt8 = 4

    /// Tier index (`TierLayout.dram`, `.pmem`, `.compressed`) or `absent`.
    public private(set) var tier: [UInt8] = []
    public var flags: [UInt8] = []
    /// Where the page sits inside its tier: the live heap's PMEM offset or pool handle; 0 in a replay.
    public var slot: [UInt32] = []
    /// Clock (ns) of the page's last access.
    public var lastAccess: [UInt64] = []
    /// Accesses, halved by `decayFrequencies()` every decay period.
    public var frequency: [Float] = []
    /// Clock (ns) of the page's last migration.
    public var lastMove: [UInt64] = []

    /// Pages in each tier, and the bytes the compressed pool holds.
    public private(set) var pagesIn: [Int] = [0, 0, 0]
    public private(set) var compressedBytesUsed: UInt64 = 0
    public let layout: TierLayout

    public init(layout: TierLayout, expectedPages: Int = 0) {
        self.layout = layout
        tier.reserveCapacity(expectedPages)
        flags.reserveCapacity(expectedPages)
        slot.reserveCapacity(expectedPages)
        lastAccess.reserveCapacity(expectedPages)
        frequency.reserveCapacity(expectedPages)
        lastMove.reserveCapacity(expectedPages)
    }

    public var count: Int { tier.count }
    public var freeDRAMPages: Int { layout.dramPages - pagesIn[Int(TierLayout.dram)] }

    /// A new page, in no tier yet.
    @inline(__always)
    public mutating func addPage(flags initial: UInt8 = 0) -> PageID {
        tier.append(Self.absent)
        flags.append(initial)
        slot.append(0)
        lastAccess.append(0)
        frequency.append(0)
        lastMove.append(0)
        return PageID(tier.count - 1)
    }

    /// Bytes a page takes in the compressed pool: its compressed size if compressible, else whole.
    @inline(__always)
    public func compressedSize(_ id: PageID, ratio: Double) -> UInt64 {
        flags[Int(id)] & Self.compressibleFlag != 0
            ? UInt64(Double(layout.pageSize) * ratio) : UInt64(layout.pageSize)
    }

    /// Whether `tier` has room for page `id`.
    @inline(__always)
    public func hasRoom(_ tier: UInt8, for id: PageID, ratio: Double) -> Bool {
        switch tier {
        case TierLayout.dram: return pagesIn[0] < layout.dramPages
        case TierLayout.pmem: return pagesIn[1] < layout.pmemPages
        default: return compressedBytesUsed + compressedSize(id, ratio: ratio) <= layout.compressedBytes
        }
    }

    /// Puts page `id` into `newTier` (from wherever it is, or from nowhere). The caller has
    /// checked `hasRoom`; exceeding a capacity is a programmer error.
    @inline(__always)
    public mutating func setTier(_ id: PageID, _ newTier: UInt8, ratio: Double) {
        let i = Int(id)
        let old = tier[i]
        if old != Self.absent {
            pagesIn[Int(old)] -= 1
            if old == TierLayout.compressed { compressedBytesUsed -= compressedSize(id, ratio: ratio) }
        }
        if newTier != Self.absent {
            precondition(hasRoom(newTier, for: id, ratio: ratio), "tier \(newTier) is full")
            pagesIn[Int(newTier)] += 1
            if newTier == TierLayout.compressed { compressedBytesUsed += compressedSize(id, ratio: ratio) }
        }
        tier[i] = newTier
    }

    /// Halves every page's access frequency: amortised O(1) when called once per `count` accesses.
    public mutating func decayFrequencies() {
        frequency.withUnsafeMutableBufferPointer { f in
            for i in f.indices { f[i] *= 0.5 }
        }
    }

    /// Bytes held by the arrays.
    public var memoryBytes: Int {
        tier.capacity + flags.capacity + slot.capacity * 4 + lastAccess.capacity * 8 + frequency.capacity * 4 + lastMove.capacity * 8
    }
}
