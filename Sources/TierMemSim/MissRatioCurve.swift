import TierMemTrace

/// The LRU miss ratio of a trace at every DRAM size, from one pass.
///
/// Exact: Mattson's stack algorithm (an LRU cache of C pages misses an access exactly when its
/// stack distance is C or more, or it is a first touch), with distances from a Fenwick tree:
/// O(N log M) for N accesses over M pages, 8 bytes per page for the distance counts.
/// Sampled: SHARDS (Waldspurger et al., FAST 2015) at a fixed rate R: only pages whose hash falls
/// below R are tracked, distances are scaled by 1/R; memory and time shrink by about R.
public struct MissRatioCurve: Sendable {
    /// `misses[c]` is the number of misses of an LRU cache of c pages, for c in 0...maxPages.
    public private(set) var misses: [UInt64]
    public let accesses: UInt64
    /// The sampling rate, 1 for the exact curve.
    public let rate: Double

    public var maxPages: Int { misses.count - 1 }

    /// Miss ratio at `pages` (the largest size computed, for anything beyond).
    public func missRatio(pages: Int) -> Double {
        guard accesses > 0 else { return 0 }
        return Double(misses[min(max(pages, 0), maxPages)]) / Double(accesses)
    }

    /// The exact curve of `source`'s page accesses (reads and writes; frees are ignored, as an
    /// LRU cache of pages would).
    public static func exact(_ source: any TraceEventSource, limit: FootprintLimit = FootprintLimit(),
                             progress: (UInt64) -> Void = { _ in }) throws -> MissRatioCurve {
        var analyzer = ReuseDistanceAnalyzer(exact: true)
        var accesses: UInt64 = 0
        var records: UInt64 = 0
        let shift = source.header.pageShift
        try source.forEachBatch { batch in
            for event in batch {
                records += 1
                guard event.operation.isAccess else { continue }
                try limit.checkRecord(pages: event.pageCount(pageShift: shift), record: records, header: source.header)
                for page in event.pages(pageShift: shift) {
                    analyzer.record(page: page)
                    accesses += 1
                }
                try limit.checkTotal(distinctPages: analyzer.distinctPages, record: records, header: source.header)
            }
            progress(accesses)
        }
        return MissRatioCurve(counts: analyzer.exactCounts ?? [], cold: analyzer.coldAccesses, accesses: accesses,
                              pages: analyzer.distinctPages, scale: 1, rate: 1)
    }

    /// The SHARDS approximation at sampling `rate` (0 < rate ≤ 1).
    public static func sampled(_ source: any TraceEventSource, rate: Double, progress: (UInt64) -> Void = { _ in }) throws -> MissRatioCurve {
        precondition(rate > 0 && rate <= 1)
        let threshold = UInt64(rate * 0x1p53)
        var analyzer = ReuseDistanceAnalyzer(exact: true)
        var accesses: UInt64 = 0
        var sampled: UInt64 = 0
        let shift = source.header.pageShift
        try source.forEachBatch { batch in
            for event in batch where event.operation.isAccess {
                for page in event.pages(pageShift: shift) {
                    accesses += 1
                    var h = page &* 0xD6E8_FEB8_6659_FD93
                    h ^= h >> 32
                    h = h &* 0xD6E8_FEB8_6659_FD93
                    h ^= h >> 32
                    guard h >> 11 < threshold else { continue }
                    analyzer.record(page: page)
                    sampled += 1
                }
            }
            progress(accesses)
        }
        // Scale the sampled counts to the whole trace: each sampled access stands for 1/R. SHARDS-adj:
        // the sample holds more or fewer accesses than the expected N·R; the difference goes to
        // distance 0, where it disturbs the curve least.
        let pages = Int((Double(analyzer.distinctPages) / rate).rounded())
        var counts = analyzer.exactCounts ?? []
        let expected = UInt64((Double(accesses) * rate).rounded())
        if counts.isEmpty { counts = [0] }
        if expected >= sampled {
            counts[0] += expected - sampled
        } else {
            counts[0] -= min(counts[0], sampled - expected)
        }
        return MissRatioCurve(counts: counts, cold: analyzer.coldAccesses, accesses: max(expected, 1),
                              pages: pages, scale: 1 / rate, rate: rate)
    }

    /// Builds misses[c] = cold + Σ_{d ≥ c} count[d / scale].
    private init(counts: [UInt64], cold: UInt64, accesses: UInt64, pages: Int, scale: Double, rate: Double) {
        let size = max(pages, 1)
        var atDistance = [UInt64](repeating: 0, count: size + 1)
        for (d, n) in counts.enumerated() where n > 0 {
            atDistance[min(size, Int((Double(d) * scale).rounded(.down)))] += n
        }
        var misses = [UInt64](repeating: 0, count: size + 1)
        var tail = cold
        for c in stride(from: size, through: 0, by: -1) {
            tail += atDistance[c]
            misses[c] = tail
        }
        // The sampled curve's ratios use the sampled accesses as their denominator.
        self.misses = misses
        self.accesses = accesses
        self.rate = rate
    }

    /// Mean and largest absolute difference of miss ratios against `reference`, over the sizes
    /// from `smallest` pages to `reference.maxPages`. A sampled curve cannot resolve sizes below
    /// about 1/rate pages, so its error is best judged from there.
    public func error(against reference: MissRatioCurve, from smallest: Int = 1) -> (mean: Double, max: Double) {
        var sum = 0.0, largest = 0.0
        let sizes = max(reference.maxPages, 1)
        let first = min(max(smallest, 1), sizes)
        for c in first...sizes {
            let difference = abs(missRatio(pages: c) - reference.missRatio(pages: c))
            sum += difference
            largest = max(largest, difference)
        }
        return (sum / Double(sizes - first + 1), largest)
    }
}
