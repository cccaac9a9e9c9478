/// Exact LRU stack (reuse) distances of page accesses: for each access, how many distinct other
/// pages were touched since the same page's previous access. An LRU cache of C pages hits
/// exactly the accesses whose distance is below C, so these distances are the trace's
/// miss-ratio curve.
///
/// Cost: O(log n) per access with a Fenwick tree over access positions holding a 1 at each page's
/// most recent position; positions are renumbered when the tree fills, so memory stays
/// proportional to the distinct pages, not the trace length.
public struct ReuseDistanceAnalyzer {
    private var lastPosition: [UInt64: Int] = [:]
    private var tree: [Int32]
    private var nextPosition = 0
    public private(set) var histogram = LogHistogram()
    /// First touches: no previous access, so no distance (compulsory misses).
    public private(set) var coldAccesses: UInt64 = 0
    /// With `exact`, `exactCounts[d]` counts the accesses at distance exactly d (8 bytes per
    /// distinct page): what an exact miss-ratio curve needs.
    public private(set) var exactCounts: [UInt64]?

    public init(initialCapacity: Int = 1 << 16, exact: Bool = false) {
        tree = [Int32](repeating: 0, count: initialCapacity + 1)
        if exact { exactCounts = [] }
    }

    public var distinctPages: Int { lastPosition.count }

    public mutating func record(page: UInt64) {
        if nextPosition + 1 >= tree.count { compact() }
        let position = nextPosition
        nextPosition += 1
        if let previous = lastPosition.updateValue(position, forKey: page) {
            // Distinct pages touched after `previous`: marks in (previous, position).
            let distance = prefixSum(position - 1) - prefixSum(previous)
            histogram.add(UInt64(distance))
            if exactCounts != nil {
                if distance >= exactCounts!.count { exactCounts!.append(contentsOf: repeatElement(0, count: distance + 1 - exactCounts!.count)) }
                exactCounts![distance] += 1
            }
            add(previous, -1)
        } else {
            coldAccesses += 1
        }
        add(position, 1)
    }

    private func prefixSum(_ index: Int) -> Int {
        var i = index + 1
        var sum = 0
        while i > 0 {
            sum += Int(tree[i])
            i &= i - 1
        }
        return sum
    }

    private mutating func add(_ index: Int, _ delta: Int32) {
        var i = index + 1
        while i < tree.count {
            tree[i] += delta
            i += i & -i
        }
    }

    /// Renumbers the live marks 0..<distinct in their order and rebuilds the tree, at least
    /// twice as large as the distinct pages so that compaction stays amortised O(1) per access.
    private mutating func compact() {
        let ordered = lastPosition.sorted { $0.value < $1.value }
        for (rank, entry) in ordered.enumerated() { lastPosition[entry.key] = rank }
        let capacity = max(tree.count - 1, 2 * ordered.count + 1024)
        tree = [Int32](repeating: 0, count: capacity + 1)
        // Linear Fenwick build from the marks at 0..<count.
        for i in 1...capacity {
            if i <= ordered.count { tree[i] += 1 }
            let parent = i + (i & -i)
            if parent <= capacity { tree[parent] += tree[i] }
        }
        nextPosition = ordered.count
    }
}

/// Counts of non-negative integers in log-linear buckets: eight buckets per power of two, so
/// any reported quantile is within 12.5% of the true value (values below 16 are exact).
public struct LogHistogram: Sendable, Equatable {
    public private(set) var counts: [UInt64] = []
    public private(set) var total: UInt64 = 0
    public private(set) var maximum: UInt64 = 0

    public init() {}

    private static func bucket(_ value: UInt64) -> Int {
        if value < 16 { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount  // ≥ 4
        let mantissa = Int((value >> UInt64(exponent - 3)) & 7)
        return 16 + (exponent - 4) * 8 + mantissa
    }

    /// The smallest value that falls in `bucket`.
    private static func lowerBound(_ bucket: Int) -> UInt64 {
        if bucket < 16 { return UInt64(bucket) }
        let exponent = (bucket - 16) / 8 + 4
        let mantissa = UInt64((bucket - 16) % 8)
        return (8 + mantissa) << UInt64(exponent - 3)
    }

    public mutating func add(_ value: UInt64) {
        let b = Self.bucket(value)
        if b >= counts.count { counts += [UInt64](repeating: 0, count: b + 1 - counts.count) }
        counts[b] += 1
        total += 1
        maximum = max(maximum, value)
    }

    /// The value at quantile `q` (0...1): the lower bound of the bucket holding it.
    public func quantile(_ q: Double) -> UInt64? {
        guard total > 0 else { return nil }
        let rank = UInt64((q * Double(total)).rounded(.up))
        var seen: UInt64 = 0
        for (b, count) in counts.enumerated() {
            seen += count
            if seen >= max(rank, 1) { return min(Self.lowerBound(b), maximum) }
        }
        return maximum
    }

    /// The share of values below `limit` (an LRU cache of `limit` pages hits these reuses).
    public func fraction(below limit: UInt64) -> Double {
        guard total > 0 else { return 0 }
        var below: UInt64 = 0
        for (b, count) in counts.enumerated() where Self.lowerBound(b + 1) <= limit { below += count }
        return Double(below) / Double(total)
    }
}
