/// Operation latencies in log-linear buckets (128 per power of two: under 0.8% error, so that the
/// demo's p99s of about 700 ns differ by their own amounts rather than by a 6% bucket), enough
/// for percentiles of millions of samples in 58 KiB. Not thread-safe: one per thread, then merge.
public struct LatencyHistogram: Sendable {
    private static let subBucketBits = 7
    private static let subBuckets = 1 << subBucketBits
    private var counts = [UInt64](repeating: 0, count: (64 - subBucketBits + 1) * subBuckets)
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

    /// Values below `subBuckets` have a bucket each; above, each power of two is cut into
    /// `subBuckets` equal parts.
    @inline(__always)
    static func bucket(_ value: UInt64) -> Int {
        guard value >= UInt64(subBuckets) else { return Int(value) }
        let magnitude = 63 - value.leadingZeroBitCount  // ≥ subBucketBits
        let sub = Int((value >> UInt64(magnitude - subBucketBits)) & UInt64(subBuckets - 1))
        return (magnitude - subBucketBits + 1) * subBuckets + sub
    }

    static func upperEdge(_ index: Int) -> UInt64 {
        guard index >= subBuckets else { return UInt64(index) }
        let magnitude = index / subBuckets + subBucketBits - 1
        let sub = UInt64(index % subBuckets)
        // The top bucket's edge would be 2^64: it ends at the largest value instead.
        guard magnitude < 63 || sub < UInt64(subBuckets - 1) else { return .max }
        return ((UInt64(subBuckets) + sub + 1) << UInt64(magnitude - subBucketBits)) - 1
    }
}
