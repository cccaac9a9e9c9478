/// What the controller has done and seen. Plain counters: the replay reports them, the live
/// heap exports them as metrics.
public struct EngineCounters: Sendable, Equatable, Codable {
    public var accesses: UInt64 = 0
    public var writes: UInt64 = 0
    /// Accesses served by DRAM.
    public var dramHits: UInt64 = 0
    /// Accesses served in place by PMEM (direct access).
    public var pmemHits: UInt64 = 0
    /// Accesses that faulted a page in from PMEM (paged access) or from the compressed pool.
    public var pmemFaults: UInt64 = 0
    public var compressedFaults: UInt64 = 0
    /// Faults whose page the policy left where it was (bypass: served without admission).
    public var bypassedFaults: UInt64 = 0
    /// First touches (new pages).
    public var newPages: UInt64 = 0
    public var newPagesOutsideDRAM: UInt64 = 0
    public var freedPages: UInt64 = 0
    /// Pages moved into DRAM on demand (faults) and optionally (promotions).
    public var demandPromotions: UInt64 = 0
    public var promotions: UInt64 = 0
    /// Pages the live heap brought into DRAM ahead of demand on its own (readahead, the page-in
    /// budget's returns) and the controller only recorded. Not page-in demand: they go only into
    /// DRAM that is free anyway, so a forecaster that counted them would reserve room for them.
    public var aheadPromotions: UInt64 = 0
    /// Optional promotions refused by the rate limit or for lack of free DRAM.
    public var promotionsRateLimited: UInt64 = 0
    public var promotionsWithoutRoom: UInt64 = 0
    public var backgroundDemotions: UInt64 = 0
    public var directReclaimDemotions: UInt64 = 0
    /// Demotions into the compressed pool (compressions) and out of it (decompressions).
    public var compressions: UInt64 = 0
    public var decompressions: UInt64 = 0
    public var bytesMigrated: UInt64 = 0
    /// Page-ins that had to wait for direct reclaim, and the time they waited (ns).
    public var directReclaimStalls: UInt64 = 0
    public var directReclaimStallNs: Double = 0
    /// Time the background reclaimer and promotions spent moving pages (ns): not on the access path.
    public var backgroundMigrationNs: Double = 0
    /// Moves that reverse the page's previous move within the ping-pong window.
    public var pingPongs: UInt64 = 0
    /// Migrations the executor could not do (then retried elsewhere).
    public var failedMigrations: UInt64 = 0
    /// The kernel's PSI memory `some avg10` at the last reading: a gauge, live only (0 offline).
    public var psiSomeAvg10: Double = 0

    public init() {}

    /// Accesses not served by DRAM.
    public var dramMisses: UInt64 { accesses - dramHits }
    public var demotions: UInt64 { backgroundDemotions + directReclaimDemotions }
    public var migrations: UInt64 { demotions + demandPromotions + promotions + aheadPromotions }
}
