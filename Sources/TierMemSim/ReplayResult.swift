import TierMemCore

/// One point of a replay's timeline, for the report's charts.
public struct TimelinePoint: Sendable, Codable, Equatable {
    /// Page accesses so far.
    public var position: UInt64
    /// Pages in DRAM, PMEM and the compressed pool.
    public var dramPages: Int
    public var pmemPages: Int
    public var compressedPages: Int
    /// DRAM hit ratio over the accesses since the previous point.
    public var hitRatio: Double
}

/// What a replay measured.
public struct ReplayResult: Sendable, Codable {
    public var trace: String
    public var policy: String
    public var tiers: String
    public var pmemAccess: String
    public var footprintPages: Int
    public var pageSize: Int
    public var dramPages: Int
    public var counters: EngineCounters
    /// Sum of the modelled time of every access (including direct-reclaim stalls), ns.
    public var modelledNs: Double
    /// The controller's clock span: trace time for a nanosecond trace, modelled time otherwise.
    public var clockSpanNs: Double
    public var clockIsTraceTime: Bool
    public var engineBytes: Int
    public var timeline: [TimelinePoint]

    public var dramHitRatio: Double { counters.accesses == 0 ? 0 : Double(counters.dramHits) / Double(counters.accesses) }
    public var meanAccessNs: Double { counters.accesses == 0 ? 0 : modelledNs / Double(counters.accesses) }
    /// Share of accesses served from, or faulted in from, a slower tier.
    public var slowTierShare: Double {
        counters.accesses == 0 ? 0 : Double(counters.pmemHits + counters.pmemFaults + counters.compressedFaults + counters.newPagesOutsideDRAM) / Double(counters.accesses)
    }
    /// Pages brought into DRAM per minute as a percentage of the working set (the footprint):
    /// the far-memory SLO metric of Google's zswap deployment.
    public var promotionRatePercentPerMinute: Double {
        let minutes = clockSpanNs / 60e9
        guard minutes > 0, footprintPages > 0 else { return 0 }
        return Double(counters.demandPromotions + counters.promotions) / Double(footprintPages) * 100 / minutes
    }
    public var engineBytesPerPage: Double { footprintPages == 0 ? 0 : Double(engineBytes) / Double(footprintPages) }

    enum CodingKeys: String, CodingKey {
        case trace, policy, tiers, pmemAccess, footprintPages, pageSize, dramPages, counters, modelledNs, clockSpanNs, clockIsTraceTime, engineBytes, timeline
    }
}
