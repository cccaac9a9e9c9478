/// How an access was served.
public struct AccessOutcome: Sendable, Equatable {
    public enum Service: UInt8, Sendable {
        /// DRAM had the page.
        case dram
        /// A directly accessed PMEM page, served in place.
        case inPlace
        /// The page was in a paged tier (compressed, or PMEM in paged mode): a fault.
        case fault
        /// First touch of a page.
        case newPage
    }

    public var service: Service
    /// The tier that served the access (for a fault: the tier the page was in).
    public var tier: UInt8
    /// Time the access waited for direct reclaim, ns.
    public var stallNs: Double = 0
    /// The executor's cost of bringing the page in on a fault (0 if bypassed), ns.
    public var pagedInNs: Double = 0
    /// The policy left the page where it was (served from its tier without admission).
    public var bypassed = false

    @inlinable
    public init(service: Service, tier: UInt8, stallNs: Double = 0, pagedInNs: Double = 0, bypassed: Bool = false) {
        self.service = service
        self.tier = tier
        self.stallNs = stallNs
        self.pagedInNs = pagedInNs
        self.bypassed = bypassed
    }
}

/// The controller ran out of memory: no tier has room for a page.
public struct ControllerError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The decision engine: for each access it updates the page's statistics, asks the policy what
/// to demote and promote, keeps free DRAM between the watermarks (background reclaim), waits on
/// direct reclaim when a page-in finds none, rate-limits optional promotions, and hands every
/// move to the executor as a migration plan. The same controller runs a trace replay (with the
/// replay executor) and the live heap (with the byte-moving executor).
///
/// Clock: `now` in nanoseconds, non-decreasing; the replay passes trace time or modelled time.
public struct Controller<Policy: PlacementPolicy, Executor: TierExecutor> {
    @usableFromInline var _table: PageTable
    public var table: PageTable { _table }
    @usableFromInline var _index: PageIndex
    public var index: PageIndex { _index }
    @usableFromInline var _policy: Policy
    public var policy: Policy { _policy }
    public var executor: Executor
    public let config: ControllerConfig
    @usableFromInline var _counters = EngineCounters()
    public var counters: EngineCounters { _counters }

    @usableFromInline let layout: TierLayout
    @usableFromInline let minPages: Int
    @usableFromInline let lowPages: Int
    @usableFromInline let highPages: Int
    @usableFromInline let compressibleThreshold: UInt64
    @usableFromInline let promotionBytesPerNs: Double
    @usableFromInline var reclaimAwake = false
    @usableFromInline var reclaimBudgetNs = 0.0
    /// Time the background reclaimer spent asleep (free DRAM above the high watermark), banked
    /// up to `maxReclaimBankNs`: what a policy's early demotions may use without delaying the
    /// reclaimer's own work.
    @usableFromInline var idleReclaimNs = 0.0
    /// True only while the reclaimer is asleep, owes nothing, has a full idle bank and there is
    /// no promotion limit: then passing time changes nothing but the clock (`advance`). Set by
    /// `advance`; every change that leaves that state clears it (`clockWakes`).
    @usableFromInline var clockIsIdle = false
    @usableFromInline var promotionTokens = 0.0
    /// The time `advance` last saw. Not kept while the clock is idle (one store an access
    /// fewer): `clockWakes` sets it.
    @usableFromInline var lastNow: UInt64 = 0
    @usableFromInline var untilEpoch: Int
    @usableFromInline var untilDecay: Int
    @usableFromInline var plan = MigrationPlan()
    @usableFromInline var earlyDemotions: [PageID] = []

    /// Time the background reclaimer may bank while idle: it cannot catch up on an hour of
    /// idleness in one burst.
    @usableFromInline static var maxReclaimBankNs: Double { 10_000_000 }

    /// `pageRange`, when known (a heap's arena, a profiled trace), lets the page index use a
    /// direct table instead of hashing. `pageIDsFromRange` lets it go further when the pages
    /// fill the range (`PageIndex`): ids are then page offsets in the range, and every page of
    /// the range exists from the start, in no tier until touched. Ids then follow page order,
    /// not first-touch order, which only a caller that maps ids back to pages by watching
    /// `table.count` grow (the live daemon) must not allow.
    public init(layout: TierLayout, policy: Policy, executor: Executor, config: ControllerConfig = ControllerConfig(),
                expectedPages: Int = 1 << 12, pageRange: ClosedRange<UInt64>? = nil, pageIDsFromRange: Bool = false) {
        precondition(config.problem() == nil, config.problem() ?? "")
        self.layout = layout
        self._policy = policy
        self.executor = executor
        self.config = config
        let index = PageIndex(expectedPages: expectedPages, denseRange: pageRange, identityAllowed: pageIDsFromRange)
        self._index = index
        self._table = PageTable(layout: layout, expectedPages: max(expectedPages, index.count), tracksAccessStatistics: Policy.usesAccessStatistics)
        minPages = Int(Double(layout.dramPages) * config.minWatermark)
        lowPages = max(minPages, Int(Double(layout.dramPages) * config.lowWatermark))
        highPages = max(lowPages, Int(Double(layout.dramPages) * config.highWatermark))
        compressibleThreshold = UInt64(config.compressibleFraction * 0x1p53)
        promotionBytesPerNs = config.promotionRateLimitMBps * 1e6 / 1e9
        untilEpoch = config.epochAccesses
        untilDecay = max(config.epochAccesses, 1 << 16)
        if _index.rangeIsIdentity, let range = pageRange {
            for page in range { _ = _table.addPage(compressible: isCompressible(page)) }
            _policy.pagesExist(_table.count)
        }
    }

    /// Whether a page's contents are assumed compressible: a fixed hash of its number, so the
    /// same page decides the same way in every run and every _policy.
    @inlinable @inline(__always) func isCompressible(_ page: UInt64) -> Bool {
        var h = (page ^ 0x5851_F42D_4C95_7F2D) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return (h >> 11) < compressibleThreshold
    }

    // MARK: - Accesses

    /// One access to `page` at `now`. `position` counts page accesses from 0; `nextUse` is the
    /// position of the next access to the same page (only an oracle policy uses it).
    @inlinable @inline(__always)
    public mutating func access(page: UInt64, isWrite: Bool, now: UInt64, position: UInt64,
                                nextUse: UInt64 = .max) throws(ControllerError) -> AccessOutcome {
        if !clockIsIdle && now != lastNow { try advance(to: now) }
        let (id, inserted) = _index.findOrInsert(page, nextID: _table.count)
        if inserted {
            _ = _table.addPage(compressible: isCompressible(page))
            _policy.pagesExist(_table.count)
        }
        let i = Int(id)
        // Wrapping adds on the per-access counters: 2^64 accesses cannot happen, and the checks
        // are instructions on every access.
        _counters.accesses &+= 1
        var context = AccessContext(now: now, isWrite: isWrite, position: position, nextUse: nextUse)
        if Policy.usesAccessStatistics {
            context.previousAccess = _table.lastAccess[i]
            _table.lastAccess[i] = now
            _table.frequency[i] += 1
        }
        untilEpoch &-= 1
        if untilEpoch == 0 { try epoch(now: now) }
        // Without a branch: reads and writes interleave at random, so a branch on them would be
        // mispredicted often. After the epoch's branch, so that it is not paired with `accesses`
        // into one vector add (which stalls reading what the miss path stored a word at a time).
        _counters.writes &+= isWrite ? 1 : 0

        let tier = _table.tier[i]
        if tier == TierLayout.dram {
            _counters.dramHits &+= 1
            _policy.hit(id, context)
            return AccessOutcome(service: .dram, tier: tier)
        }
        if tier == PageTable.absent { return try firstTouch(id, page: page, context) }
        if layout.isPaged(tier) { return try fault(id, from: tier, context) }
        _counters.pmemHits += 1
        if _policy.accessedInPlace(id, tier: tier, context) { try promote(id, from: tier, context) }
        return AccessOutcome(service: .inPlace, tier: tier)
    }

    /// The program freed `pages` (a trace `free` event): they leave every tier.
    @inlinable
    public mutating func free(page: UInt64) {
        guard let id = _index.find(page), _table.tier[Int(id)] != PageTable.absent else { return }
        if _table.tier[Int(id)] == TierLayout.dram { _policy.removed(id) }
        _table.setTier(id, PageTable.absent, ratio: config.compressionRatio)
        _policy.freed(id)
        _counters.freedPages += 1
    }

    // MARK: - The live body's own moves and readings

    /// The live heap moved `page` out of DRAM on its own (a direct reclaim inside a fault, before
    /// the daemon saw it): record it, in `preferred` or another lower tier with room, so that the
    /// table and the policy match the heap. Pages not in DRAM here are left alone.
    public mutating func observedDemotion(page: UInt64, to preferred: UInt8) {
        guard let id = _index.find(page), _table.tier[Int(id)] == TierLayout.dram else { return }
        let tiers = lowerTiers(for: id)
        for tier in [preferred, tiers.first, tiers.second]
        where tier != TierLayout.dram && tier != PageTable.absent && _table.hasRoom(tier, for: id, ratio: config.compressionRatio) {
            _policy.removed(id)
            _table.setTier(id, tier, ratio: config.compressionRatio)
            _counters.directReclaimDemotions &+= 1
            return
        }
    }

    /// The live heap brought `page` into DRAM on its own (readahead ahead of a sequential
    /// reader): record it there, admitted as if just used, if the table's DRAM has room; pages
    /// unknown or already in DRAM are left alone.
    public mutating func observedPromotion(page: UInt64, now: UInt64) {
        guard let id = _index.find(page) else { return }
        let tier = _table.tier[Int(id)]
        guard tier != TierLayout.dram, tier != PageTable.absent, _table.hasRoom(TierLayout.dram, for: id, ratio: config.compressionRatio) else { return }
        _table.setTier(id, TierLayout.dram, ratio: config.compressionRatio)
        _policy.admitted(id, AccessContext(now: now, isWrite: false, position: 0, nextUse: .max))
        _counters.aheadPromotions += 1
    }

    /// Lets time pass with no access: background reclaim spends the time it earned. The live
    /// daemon calls it every epoch; a replay never needs it (every access advances time).
    public mutating func tick(now: UInt64) throws(ControllerError) {
        if now > lastNow { try advance(to: now) }
    }

    /// The kernel's memory pressure (PSI `some avg10`), for the forecaster's next window.
    public mutating func observePressureStall(someAvg10: Double) {
        _counters.psiSomeAvg10 = someAvg10
    }

    @inlinable mutating func firstTouch(_ id: PageID, page: UInt64, _ context: AccessContext) throws(ControllerError) -> AccessOutcome {
        _counters.newPages &+= 1
        var stall = 0.0
        let wanted = _policy.placeNewPage(id, page: page)
        if wanted == TierLayout.dram {
            let room = try makeRoom(for: id, context)
            stall = room.stallNs
            if !room.bypass {
                _table.setTier(id, TierLayout.dram, ratio: config.compressionRatio)
                _policy.admitted(id, context)
                wakeReclaimIfLow(now: context.now)
                return AccessOutcome(service: .newPage, tier: TierLayout.dram, stallNs: stall)
            }
        }
        // The tier the policy asked for, if it has room; else the usual demotion order.
        let tiers = lowerTiers(for: id)
        for k in 0..<3 {
            let tier = k == 0 ? (wanted == TierLayout.dram ? PageTable.absent : wanted) : (k == 1 ? tiers.first : tiers.second)
            guard tier != PageTable.absent, _table.hasRoom(tier, for: id, ratio: config.compressionRatio) else { continue }
            _table.setTier(id, tier, ratio: config.compressionRatio)
            _counters.newPagesOutsideDRAM += 1
            return AccessOutcome(service: .newPage, tier: tier, stallNs: stall)
        }
        throw outOfMemory("a new page")
    }

    @inlinable mutating func fault(_ id: PageID, from tier: UInt8, _ context: AccessContext) throws(ControllerError) -> AccessOutcome {
        if tier == TierLayout.pmem { _counters.pmemFaults &+= 1 } else { _counters.compressedFaults &+= 1 }
        let room = Policy.migrates ? try makeRoom(for: id, context) : (bypass: true, stallNs: 0)
        var outcome = AccessOutcome(service: .fault, tier: tier, stallNs: room.stallNs)
        if !room.bypass {
            let move = executor.executeOne(Migration(id: id, from: tier, to: TierLayout.dram, reason: .demandFault),
                                           plan: &plan)
            if move.done {
                commit(move, now: context.now)
                _policy.admitted(id, context)
                _counters.demandPromotions &+= 1
                outcome.pagedInNs = move.costNs
                wakeReclaimIfLow(now: context.now)
                return outcome
            }
            _counters.failedMigrations += 1
        }
        _counters.bypassedFaults &+= 1
        outcome.bypassed = true
        return outcome
    }

    /// An optional promotion of a page accessed in place: rate-limited, and only into free DRAM
    /// above the min watermark (making room is the background reclaimer's job, which it wakes).
    @inlinable mutating func promote(_ id: PageID, from tier: UInt8, _ context: AccessContext) throws(ControllerError) {
        if promotionBytesPerNs > 0 {
            guard promotionTokens >= Double(layout.pageSize) else {
                _counters.promotionsRateLimited += 1
                return
            }
        }
        guard _table.freeDRAMPages > minPages else {
            _counters.promotionsWithoutRoom += 1
            if lowPages > 0 {
                reclaimAwake = true
                clockWakes(now: context.now)
            }
            return
        }
        let move = executor.executeOne(Migration(id: id, from: tier, to: TierLayout.dram, reason: .promotion), plan: &plan)
        guard move.done else {
            _counters.failedMigrations += 1
            return
        }
        commit(move, now: context.now)
        _policy.admitted(id, context)
        _counters.promotions += 1
        _counters.backgroundMigrationNs += move.costNs
        if promotionBytesPerNs > 0 { promotionTokens -= Double(layout.pageSize) }
        wakeReclaimIfLow(now: context.now)
    }

    // MARK: - Reclaim

    /// Frees a DRAM frame for `incoming` if none is free above the min watermark, demoting
    /// synchronously (direct reclaim). `bypass` means the policy chose to leave `incoming` out.
    @inlinable @inline(__always) mutating func makeRoom(for incoming: PageID, _ context: AccessContext) throws(ControllerError) -> (bypass: Bool, stallNs: Double) {
        var stall = 0.0
        var demoted = false
        defer {
            if demoted {
                _counters.directReclaimStalls &+= 1
                _counters.directReclaimStallNs += stall
            }
        }
        while _table.freeDRAMPages <= minPages {
            guard let victim = _policy.victim(incoming: incoming, context) else {
                if _table.freeDRAMPages > 0 { break }
                return (true, stall)
            }
            if victim == incoming {
                // Left out, but a frame this loop already freed is used rather than wasted.
                if demoted && _table.freeDRAMPages > 0 { break }
                return (true, stall)
            }
            stall += try demote(victim, reason: .directReclaim, now: context.now)
            _counters.directReclaimDemotions &+= 1
            demoted = true
        }
        return (false, stall)
    }

    /// Moves the clock on: the background reclaimer earns time to spend on demotions. Runs on
    /// every access of a trace whose clock is the modelled time, so the arithmetic is inlined and
    /// the reclaim loop, needed only while the reclaimer is awake, is not.
    @inlinable @inline(__always) mutating func advance(to now: UInt64) throws(ControllerError) {
        // Asleep, owing nothing, with the idle bank full and no promotion limit: passing time
        // changes nothing but the clock. A replay whose DRAM never runs low stays here, and
        // skips the floating-point chain below that would otherwise link every access to the last.
        if clockIsIdle {
            assert(reclaimerIdle, "clockIsIdle was not cleared when the reclaimer's state changed")
            lastNow = now  // `tick`'s call; `access` does not call while idle
            return
        }
        let elapsed = now > lastNow ? Double(now - lastNow) : 0
        lastNow = now
        if promotionBytesPerNs > 0 {
            promotionTokens = min(promotionTokens + elapsed * promotionBytesPerNs, Double(layout.pageSize) * 64)
        }
        let earned = elapsed * config.reclaimThreads
        if !reclaimAwake && reclaimBudgetNs >= 0 { idleReclaimNs = min(idleReclaimNs + earned, Self.maxReclaimBankNs) }
        reclaimBudgetNs = min(reclaimBudgetNs + earned, reclaimAwake ? Self.maxReclaimBankNs : 0)
        if reclaimAwake { try reclaimInBackground(now: now) }
        clockIsIdle = reclaimerIdle
    }

    /// What `clockIsIdle` caches: the state in which passing time changes nothing but the clock.
    @inlinable var reclaimerIdle: Bool {
        !reclaimAwake && reclaimBudgetNs == 0 && idleReclaimNs == Self.maxReclaimBankNs && promotionBytesPerNs == 0
    }

    /// The background reclaimer's work: demote until free DRAM reaches the high watermark or the
    /// time it has earned runs out.
    @inlinable @inline(never) mutating func reclaimInBackground(now: UInt64) throws(ControllerError) {
        while _table.freeDRAMPages < highPages && reclaimBudgetNs > 0 {
            guard let victim = _policy.victim(incoming: nil, nil) else {
                reclaimAwake = false
                return
            }
            let cost = try demote(victim, reason: .backgroundDemotion, now: now)
            _counters.backgroundDemotions += 1
            _counters.backgroundMigrationNs += cost
            reclaimBudgetNs -= cost
        }
        if _table.freeDRAMPages >= highPages { reclaimAwake = false }
    }

    @inlinable @inline(__always) mutating func wakeReclaimIfLow(now: UInt64) {
        if _table.freeDRAMPages < lowPages {
            reclaimAwake = true
            clockWakes(now: now)
        }
    }

    /// The clock leaves its idle state at `now`, the current access's time: from here `advance`
    /// counts the time that passes, from `now` on.
    @inlinable @inline(__always) mutating func clockWakes(now: UInt64) {
        lastNow = now
        clockIsIdle = false
    }

    /// Background tick: the policy's early demotions, and frequency decay.
    @inlinable mutating func epoch(now: UInt64) throws(ControllerError) {
        untilEpoch = config.epochAccesses
        untilDecay -= config.epochAccesses
        if untilDecay <= 0 && Policy.usesAccessStatistics {
            _table.decayFrequencies()
            untilDecay = max(config.epochAccesses, 1 << 16, _table.count)
        }
        earlyDemotions.removeAll(keepingCapacity: true)
        _policy.epoch(now: now, table: _table, counters: _counters, demote: &earlyDemotions)
        // Early demotions are the background reclaimer's work too: they spend the time it was
        // idle, and no more, so that they never delay the demotions the watermarks ask for.
        for id in earlyDemotions where _table.tier[Int(id)] == TierLayout.dram {
            guard idleReclaimNs > 0 else { break }
            let cost = try demote(id, reason: .backgroundDemotion, now: now)
            _counters.backgroundDemotions += 1
            _counters.backgroundMigrationNs += cost
            idleReclaimNs -= cost
            clockWakes(now: now)
        }
    }

    /// Demotes DRAM page `id` to the best slower tier with room; returns the executor's cost.
    @inlinable @inline(__always) mutating func demote(_ id: PageID, reason: MigrationReason, now: UInt64) throws(ControllerError) -> Double {
        precondition(_table.tier[Int(id)] == TierLayout.dram, "policy \(Policy.name) offered page \(id), which is not in DRAM")
        let tiers = lowerTiers(for: id)
        for k in 0..<2 {
            let tier = k == 0 ? tiers.first : tiers.second
            guard tier != PageTable.absent, _table.hasRoom(tier, for: id, ratio: config.compressionRatio) else { continue }
            let move = executor.executeOne(Migration(id: id, from: TierLayout.dram, to: tier, reason: reason), plan: &plan)
            if move.done {
                commit(move, now: now)
                _policy.removed(id)
                return move.costNs
            }
            _counters.failedMigrations += 1
        }
        throw outOfMemory("a demoted page")
    }

    /// Slower tiers for page `id`, best first (`PageTable.absent` where there is none): the
    /// compressed pool for compressible pages, PMEM for the rest, and the other as the fallback.
    @inlinable @inline(__always) func lowerTiers(for id: PageID) -> (first: UInt8, second: UInt8) {
        let compressible = _table.isCompressible(id)
        let none = PageTable.absent
        switch (layout.hasPMEM, layout.hasCompressed) {
        case (true, true): return compressible ? (TierLayout.compressed, TierLayout.pmem) : (TierLayout.pmem, TierLayout.compressed)
        case (true, false): return (TierLayout.pmem, none)
        case (false, true): return (TierLayout.compressed, none)
        case (false, false): return (none, none)
        }
    }

    /// Applies a completed move to the page table and the _counters. The counters of the miss
    /// path add with wrapping, as the per-access ones do: each counts at most one a page access
    /// (a page's bytes for `bytesMigrated`), far from 2^64, and the checks are instructions on every miss.
    @inlinable @inline(__always) mutating func commit(_ move: Migration, now: UInt64) {
        _table.setTier(move.id, move.to, ratio: config.compressionRatio)
        if move.to == TierLayout.compressed { _counters.compressions &+= 1 }
        if move.from == TierLayout.compressed { _counters.decompressions &+= 1 }
        _counters.bytesMigrated &+= UInt64(layout.pageSize)
        let previous = _table.recordMove(move.id, now: now, isDemotion: move.isDemotion)
        if previous.previous != 0 && previous.wasDemotion != move.isDemotion && now &- previous.previous <= config.pingPongWindowNs {
            _counters.pingPongs &+= 1
        }
    }

    @inlinable func outOfMemory(_ what: String) -> ControllerError {
        ControllerError(reason: "out of memory: no tier has room for \(what) (DRAM \(_table.pagesIn[0])/\(layout.dramPages) pages, PMEM \(_table.pagesIn[1])/\(layout.pmemPages) pages, compressed pool \(_table.compressedBytesUsed)/\(layout.compressedBytes) bytes); give a slower tier more room")
    }

    /// Bytes of engine state: page index, page table and _policy.
    public var memoryBytes: Int { _index.memoryBytes + _table.memoryBytes + _policy.memoryBytes }
}
