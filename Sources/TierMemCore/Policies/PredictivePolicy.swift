import TierMemModel

/// Reclaims ahead of demand: every epoch it turns the controller's counters into the window's
/// pressure signals, updates an online forecaster (`PressureForecaster`, recursive least
/// squares), and demotes in the background enough pages to leave free DRAM for the page-ins it
/// forecasts for the next window, instead of waiting for the low watermark; a page-in then finds
/// a free frame rather than stalling on direct reclaim.
///
/// Victims are chosen by predicted coldness: each page's time to its next access is estimated
/// online as its last access plus a moving average of its inter-access gaps (a page seen once is
/// assumed colder than any page seen twice; a page more than twice its gap overdue, as late as
/// it has been idle); among the pages at the cold end of an LRU list, the one predicted to be
/// needed last goes first.
///
/// Admission: a page that needs a frame while free DRAM is at the min watermark (a fault, or a
/// new page) is let in, at the price of a direct-reclaim demotion, only if it is expected back
/// well before that victim; otherwise it is served from (or placed in) a slower tier and left
/// there. The forecast keeps frames free for the page-ins it
/// expects; this keeps the ones it did not expect from stalling. Replays only (`bypass` option):
/// a live fault has already brought the page in.
public struct PredictivePolicy: PlacementPolicy {
    public static let name = "predictive"
    public static let summary = "forecasts page-in demand and reclaims ahead of it; victims by predicted time to next access"
    public static let usesAccessStatistics = true

    @usableFromInline var lists = PageLists(lists: 1)
    @usableFromInline var last = PageArray<UInt64>()
    /// Moving average of the page's inter-access gaps, ns; 0 before its second access.
    @usableFromInline var gap = PageArray<Float>()
    @usableFromInline var stamp = PageArray<UInt32>()
    @usableFromInline var window: UInt32 = 1
    @usableFromInline var windowWorkingSet = 0
    @usableFromInline var meanGap: Double = 0
    /// The latest access time seen (the policy's "now" outside an access).
    @usableFromInline var latest: UInt64 = 0
    @usableFromInline let candidates: Int
    @usableFromInline let margin: Double
    @usableFromInline let maxAheadPages: Int
    /// Admission (`bypass` option): a page that needs a frame while free DRAM is at the min
    /// watermark stays out unless it is expected back sooner than this share of the best victim's
    /// expected wait. 0 admits every page.
    @usableFromInline let bypassFactor: Double
    public private(set) var forecaster: PressureForecaster
    private var previous = EngineCounters()
    private let dramPages: Int
    /// The latest forecast of next-window page-ins, for reports.
    public private(set) var lastForecast = 0.0

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: ["margin", "sample", "ahead", "forgetting", "horizon", "bypass"], policy: Self.name)
        bypassFactor = try options.number("bypass", default: 0.25, in: 0...100)
        margin = try options.number("margin", default: 1.2, in: 0...10)
        candidates = Int(try options.number("sample", default: 8, in: 1...256))
        maxAheadPages = Int(Double(layout.dramPages) * (try options.number("ahead", default: 0.25, in: 0...1)))
        var settings = ForecasterSettings()
        settings.forgetting = try options.number("forgetting", default: 0.99, in: 0.51...1)
        settings.horizon = Int(try options.number("horizon", default: 2, in: 1...64))
        forecaster = PressureForecaster(settings: settings)
        dramPages = layout.dramPages
    }

    /// Starts from a trained model's forecaster (its settings replace the defaults).
    public init(layout: TierLayout, options: PolicyOptions, model: ModelFile) throws(PolicyOptionError) {
        try self.init(layout: layout, options: options)
        forecaster = model.forecaster()
    }

    public mutating func pagesExist(_ count: Int) {
        lists.grow(to: count)
        last.extend(to: count, with: 0)
        gap.extend(to: count, with: 0)
        stamp.extend(to: count, with: 0)
    }

    /// The gap since the page's previous access, if this access has one.
    @inlinable
    static func observedGap(_ access: AccessContext) -> Float? {
        access.previousAccess != 0 && access.now > access.previousAccess ? Float(access.now - access.previousAccess) : nil
    }

    /// The page's moving-average gap once `observed` is counted.
    @inlinable
    func gap(of id: PageID, counting observed: Float) -> Float {
        let g = gap[Int(id)]
        return g == 0 ? observed : 0.5 * g + 0.5 * observed
    }

    /// The gap a page with moving-average gap `g` is expected to leave (twice the mean for a page
    /// seen once).
    @inlinable
    func expectedGap(_ g: Float) -> Double { g > 0 ? Double(g) : 2 * max(meanGap, 1) }

    @inlinable
    mutating func touch(_ id: PageID, _ access: AccessContext) {
        let i = Int(id)
        if let observed = Self.observedGap(access) {
            gap[i] = gap(of: id, counting: observed)
            meanGap += (Double(observed) - meanGap) * 0.001
        }
        last[i] = access.now
        latest = max(latest, access.now)
        if stamp[i] != window {
            stamp[i] = window
            windowWorkingSet += 1
        }
    }

    public mutating func admitted(_ id: PageID, _ access: AccessContext) {
        touch(id, access)
        lists.pushFront(id, list: 0)
    }

    public mutating func hit(_ id: PageID, _ access: AccessContext) {
        touch(id, access)
        lists.moveToFront(id, list: 0)
    }

    public mutating func accessedInPlace(_ id: PageID, tier: UInt8, _ access: AccessContext) -> Bool {
        touch(id, access)
        return true
    }

    /// When the page is expected back: last access plus its gap (twice the mean for a page seen
    /// once). A page already more than twice its gap overdue has left its pattern: as for LRU,
    /// the longer it has been idle, the later it is expected (now plus its idle time).
    @inlinable
    func predictedNextAccess(_ id: PageID) -> Double {
        let expected = expectedGap(gap[Int(id)])
        let idle = Double(latest) - Double(last[Int(id)])
        return idle > 2 * expected ? Double(latest) + idle : Double(last[Int(id)]) + expected
    }

    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? {
        var best: PageID?
        var bestNext = -Double.infinity
        var candidate = lists.tail(0)
        var looked = 0
        while let id = candidate, looked < candidates {
            let next = predictedNextAccess(id)
            if next > bestNext {
                bestNext = next
                best = id
            }
            candidate = lists.before(id)
            looked += 1
        }
        // Admission. Taking a frame now costs a synchronous demotion (a direct-reclaim stall) on
        // top of the page-in; leaving the page in its tier costs a fault for each access until it
        // would have been evicted. So a page comes in only when it is expected back well before
        // the best victim: sooner than `bypassFactor` of the victim's wait (MIN with bypass uses
        // the true future and a factor of 1; the default 0.25 was chosen on the shipped traces,
        // README). The page is not admitted, so its access is recorded here.
        if bypassFactor > 0, let incoming, let access, best != nil,
           expectedReturn(incoming, access) - Double(access.now) > bypassFactor * (bestNext - Double(access.now)) {
            touch(incoming, access)
            return incoming
        }
        return best
    }

    /// When a page being accessed now is expected back, counting this access's gap.
    @inlinable
    func expectedReturn(_ id: PageID, _ access: AccessContext) -> Double {
        let g = Self.observedGap(access).map { gap(of: id, counting: $0) } ?? gap[Int(id)]
        return Double(access.now) + expectedGap(g)
    }

    public mutating func removed(_ id: PageID) { lists.remove(id) }

    public mutating func freed(_ id: PageID) {
        lists.remove(id)
        gap[Int(id)] = 0
    }

    public mutating func epoch(now: UInt64, table: PageTable, counters: EngineCounters, demote: inout [PageID]) {
        let signals = PressureSignals(window: counters, since: previous, workingSet: windowWorkingSet,
                                      dramOccupancy: Double(table.pagesIn[0]) / Double(max(dramPages, 1)))
        previous = counters
        window &+= 1
        windowWorkingSet = 0

        let forecast = forecaster.observe(signals)
        lastForecast = forecast.first ?? 0
        let wanted = freePagesWanted - table.freeDRAMPages
        guard wanted > 0 else { return }
        // The coldest by prediction among the 2×wanted least recently used.
        var pool: [(PageID, Double)] = []
        var candidate = lists.tail(0)
        while let id = candidate, pool.count < 2 * wanted {
            pool.append((id, predictedNextAccess(id)))
            candidate = lists.before(id)
        }
        pool.sort { $0.1 > $1.1 }
        demote.append(contentsOf: pool.prefix(wanted).map(\.0))
    }

    public func demotionCandidates(limit: Int) -> [PageID] { lists.fromTail(0, limit: limit) }

    /// Free DRAM pages it wants before the next window: enough for the forecast page-ins (with
    /// the margin), within a cap. A live daemon frees them from cold-hinted data first.
    public var freePagesWanted: Int { min(maxAheadPages, Int((lastForecast * margin).rounded(.up))) }

    public var memoryBytes: Int {
        lists.memoryBytes + last.memoryBytes + gap.memoryBytes + stamp.memoryBytes + forecaster.stateBytes
    }
}
