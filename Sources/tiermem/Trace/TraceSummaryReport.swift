import Foundation
import TierMemTrace

/// The text and JSON forms of a `TraceSummary`.
enum TraceSummaryReport {
    /// LRU cache sizes, as shares of the footprint, at which `info` reports the hit ratio.
    static let cacheShares = [0.1, 0.25, 0.5]

    /// Page accesses an LRU cache of `share` × footprint pages would hit.
    static func lruHitRatio(_ s: TraceSummary, share: Double) -> Double {
        guard s.pageAccesses > 0 else { return 0 }
        let pages = UInt64((Double(s.distinctPages) * share).rounded())
        return s.reuse.fraction(below: pages) * Double(s.reuse.total) / Double(s.pageAccesses)
    }

    static func text(_ s: TraceSummary, name: String) -> String {
        let h = s.header
        let mix = TraceOperation.allCases.map { op in
            "\(op) \(Format.percent(s.records == 0 ? 0 : Double(s.operations[op, default: 0]) / Double(s.records)))"
        }.joined(separator: "  ")
        func q(_ quantile: Double) -> String { s.reuse.quantile(quantile).map(Format.count) ?? "-" }
        var rows: [[String]] = [
            ["trace", name],
            ["page size", "\(Format.bytes(UInt64(h.pageSize))), clock \(h.clock)"],
            ["producer", h.producer.isEmpty ? "-" : h.producer],
            ["records", Format.count(s.records)],
            ["duration", "\(Format.count(s.duration)) \(h.clock)"],
            ["footprint", "\(Format.count(s.distinctPages)) pages (\(Format.bytes(s.footprintBytes))) touched by reads and writes"],
            ["mix", mix],
            ["page accesses", "\(Format.count(s.pageAccesses)) (\(Format.bytes(s.bytesAccessed)) accessed)"],
            ["reuse distance", "cold \(Format.count(s.coldAccesses)), p50 \(q(0.5)), p90 \(q(0.9)), p99 \(q(0.99)), max \(Format.count(s.reuse.maximum)) pages"],
            ["LRU hit ratio", cacheShares.map { "\(Int($0 * 100))% of footprint: \(Format.percent(lruHitRatio(s, share: $0)))" }.joined(separator: ", ")],
        ]
        if s.timeReversals > 0 {
            rows.append(["note", "\(Format.count(s.timeReversals)) events go back in time (concatenated or multi-threaded recording)"])
        }
        return Format.table(rows)
    }

    static func json(_ s: TraceSummary, name: String) throws -> String {
        var object: [String: Any] = [
            "trace": name,
            "page_size": s.header.pageSize,
            "clock": s.header.clock.description,
            "producer": s.header.producer,
            "records": s.records,
            "duration": s.duration,
            "distinct_pages": s.distinctPages,
            "footprint_bytes": s.footprintBytes,
            "page_accesses": s.pageAccesses,
            "bytes_accessed": s.bytesAccessed,
            "time_reversals": s.timeReversals,
            "operations": Dictionary(uniqueKeysWithValues: TraceOperation.allCases.map { ($0.description, s.operations[$0, default: 0]) }),
            "reuse_distance_pages": [
                "cold": s.coldAccesses,
                "p50": s.reuse.quantile(0.5) as Any? ?? NSNull(),
                "p90": s.reuse.quantile(0.9) as Any? ?? NSNull(),
                "p99": s.reuse.quantile(0.99) as Any? ?? NSNull(),
                "max": s.reuse.maximum,
            ],
        ]
        object["lru_hit_ratio"] = Dictionary(uniqueKeysWithValues: cacheShares.map { ("\(Int($0 * 100))%", lruHitRatio(s, share: $0)) })
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
