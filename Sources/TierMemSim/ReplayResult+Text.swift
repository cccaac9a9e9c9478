import Foundation
import TierMemCore

extension ReplayResult {
    /// The human-readable report `tiermem replay` prints.
    public var text: String {
        let c = counters
        func share(_ n: UInt64) -> String { Formatted.percent(counters.accesses == 0 ? 0 : Double(n) / Double(counters.accesses)) }
        var rows: [(String, String)] = [
            ("replay", "\(trace): policy \(policy), tiers \(tiers), PMEM \(pmemAccess)"),
            ("footprint", "\(Formatted.count(footprintPages)) pages of \(pageSize) B; DRAM holds \(Formatted.count(dramPages))"),
            ("accesses", "\(Formatted.count(c.accesses)) page accesses, \(share(c.writes)) writes"),
            ("served by", "DRAM \(share(c.dramHits)), PMEM in place \(share(c.pmemHits)), PMEM faults \(share(c.pmemFaults)), compressed faults \(share(c.compressedFaults)), new pages \(share(c.newPages))"),
            ("DRAM hit ratio", Formatted.percent(dramHitRatio)),
            ("mean access time", "\(Formatted.duration(meanAccessNs)) (modelled)"),
            ("slow-tier share", Formatted.percent(slowTierShare)),
            ("promotions", "\(Formatted.count(c.demandPromotions + c.promotions)) (on fault \(Formatted.count(c.demandPromotions)), optional \(Formatted.count(c.promotions)); refused: rate limit \(Formatted.count(c.promotionsRateLimited)), no room \(Formatted.count(c.promotionsWithoutRoom)))"),
            ("demotions", "\(Formatted.count(c.demotions)) (background \(Formatted.count(c.backgroundDemotions)), direct reclaim \(Formatted.count(c.directReclaimDemotions)))"),
            ("compressions", "\(Formatted.count(c.compressions)) in, \(Formatted.count(c.decompressions)) out"),
            ("bytes migrated", Formatted.bytes(c.bytesMigrated)),
            ("direct-reclaim stalls", "\(Formatted.count(c.directReclaimStalls)), \(Formatted.duration(c.directReclaimStallNs)) in all"),
            ("promotion rate", String(format: "%.2f%% of the working set per minute (over %@ of %@ time)", promotionRatePercentPerMinute,
                                      Formatted.duration(clockSpanNs), clockIsTraceTime ? "trace" : "modelled")),
            ("ping-pongs", Formatted.count(c.pingPongs)),
            ("engine state", String(format: "%.1f bytes per page", engineBytesPerPage)),
        ]
        if c.bypassedFaults > 0 { rows.append(("bypassed faults", "\(Formatted.count(c.bypassedFaults)) (served without admission)")) }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }

    /// The result with its derived metrics, for `--json`.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var object = try JSONSerialization.jsonObject(with: encoder.encode(self)) as? [String: Any] ?? [:]
        object["dramHitRatio"] = dramHitRatio
        object["meanAccessNs"] = meanAccessNs
        object["slowTierShare"] = slowTierShare
        object["promotionRatePercentPerMinute"] = promotionRatePercentPerMinute
        object["engineBytesPerPage"] = engineBytesPerPage
        object["dramMisses"] = counters.dramMisses
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
