/// Operation latencies in log-linear buckets (16 per power of two: at most 6% error), enough for
/// percentiles of millions of samples in 8 KiB. Not thread-safe: one per thread, then merge.
public struct LatencyHistogram: Sendable {
    private static let subBuckets = 16
    private var counts = [UInt64](repeating: 0, count: 64 * subBuckets)
    public private(set) var count: UInt64 = 0
    public private(set) var maximum: UInt64 = 0

    public init() {}

    @inline(__always)
    public mutating func record(_ nanoseconds: UInt64) {
        counts[Self.bucket(nanoseconds)] += 1
        count += 1
        if nanoseconds > maximum { maximum = nanoseconds }
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        count += other.count
        maximum = max(maximum, other.maximum)
    }

    /// The latency at `percentile` (0...100): the upper edge of its bucket.
    public func value(atPercentile percentile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = UInt64((percentile / 100 * Double(count)).rounded(.up))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() {
            seen += bucketCount
            if seen >= max(rank, 1) { return min(Self.upperEdge(index), maximum) }
        }
        return maximum
    }

    @inline(__always)
    static func bucket(_ value: UInt64) -> Int {
        guard value >= UInt64(subBuckets) else { return Int(value) }
        let magnitude = 63 - value.leadingZeroBitCount  // ≥ 4
        let sub = Int((value >> UInt64(magnitude - 4)) & 0xF)
        return (magnitude - 3) * subBuckets + sub
    }

    static func upperEdge(_ index: Int) -> UInt64 {
        guard index >= subBuckets else { return UInt64(index) }
        let magnitude = index / subBuckets + 3
        let sub = UInt64(index % subBuckets)
        return ((16 + sub + 1) << UInt64(magnitude - 4)) - 1
    }
}
