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
}

/// The controller ran out of memory: no tier has room for a page.
public struct ControllerError: Error, Equatable, CustomStringConvertible {
    public var reason: String
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
    public private(set) var table: PageTable
    public private(set) var index: PageIndex
    public private(set) var policy: Policy
    public var executor: Executor
    public let config: ControllerConfig
    public private(set) var counters = EngineCounters()

    private let layout: TierLayout
    private let minPages: Int
    private let lowPages: Int
    private let highPages: Int
    private let compressibleThreshold: UInt64
    private let promotionBytesPerNs: Double
    private var reclaimAwake = false
    private var reclaimBudgetNs = 0.0
    private var promotionTokens = 0.0
    private var lastNow: UInt64 = 0
    private var untilEpoch: Int
    private var untilDecay: Int
    private var plan = MigrationPlan()
    private var earlyDemotions: [PageID] = []

    /// Time the background reclaimer may bank while idle: it cannot catch up on an hour of
    /// idleness in one burst.
    private static var maxReclaimBankNs: Double { 10_000_000 }

    public init(layout: TierLayout, policy: Policy, executor: Executor, config: ControllerConfig = ControllerConfig(),
                expectedPages: Int = 1 << 12) {
        precondition(config.problem() == nil, config.problem() ?? "")
        self.layout = layout
        self.policy = policy
        self.executor = executor
        self.config = config
        self.table = PageTable(layout: layout, expectedPages: expectedPages)
        self.index = PageIndex(expectedPages: expectedPages)
        minPages = Int(Double(layout.dramPages) * config.minWatermark)
        lowPages = max(minPages, Int(Double(layout.dramPages) * config.lowWatermark))
        highPages = max(lowPages, Int(Double(layout.dramPages) * config.highWatermark))
        compressibleThreshold = UInt64(config.compressibleFraction * 0x1p53)
        promotionBytesPerNs = config.promotionRateLimitMBps * 1e6 / 1e9
        untilEpoch = config.epochAccesses
        untilDecay = max(config.epochAccesses, 1 << 16)
    }

    /// Whether a page's contents are assumed compressible: a fixed hash of its number, so the
    /// same page decides the same way in every run and every policy.
    @inline(__always)
    private func isCompressible(_ page: UInt64) -> Bool {
        var h = (page ^ 0x5851_F42D_4C95_7F2D) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return (h >> 11) < compressibleThreshold
    }

    // MARK: - Accesses

    /// One access to `page` at `now`. `position` counts page accesses from 0; `nextUse` is the
    /// position of the next access to the same page (only an oracle policy uses it).
    @inline(__always)
    public mutating func access(page: UInt64, isWrite: Bool, now: UInt64, position: UInt64,
                                nextUse: UInt64 = .max) throws(ControllerError) -> AccessOutcome {
        if now != lastNow { try advance(to: now) }
        let (id, inserted) = index.findOrInsert(page, newID: PageID(table.count))
        if inserted {
            _ = table.addPage(flags: isCompressible(page) ? PageTable.compressibleFlag : 0)
            policy.pagesExist(table.count)
        }
        let i = Int(id)
        counters.accesses += 1
        if isWrite {
            counters.writes += 1
            table.flags[i] |= PageTable.writtenFlag
        }
        let context = AccessContext(now: now, isWrite: isWrite, position: position, nextUse: nextUse,
                                    previousAccess: table.lastAccess[i])
        table.lastAccess[i] = now
        table.frequency[i] += 1
        untilEpoch -= 1
        if untilEpoch == 0 { try epoch(now: now) }

        let tier = table.tier[i]
        if tier == TierLayout.dram {
            counters.dramHits += 1
            policy.hit(id, context)
            return AccessOutcome(service: .dram, tier: tier)
        }
        if tier == PageTable.absent { return try firstTouch(id, page: page, context) }
        if layout.isPaged(tier) { return try fault(id, from: tier, context) }
        counters.pmemHits += 1
        if policy.accessedInPlace(id, tier: tier, context) { try promote(id, from: tier, context) }
        return AccessOutcome(service: .inPlace, tier: tier)
    }

    /// The program freed `pages` (a trace `free` event): they leave every tier.
    public mutating func free(page: UInt64) {
        guard let id = index.find(page), table.tier[Int(id)] != PageTable.absent else { return }
        if table.tier[Int(id)] == TierLayout.dram { policy.removed(id) }
        table.setTier(id, PageTable.absent, ratio: config.compressionRatio)
        policy.freed(id)
        counters.freedPages += 1
    }

    private mutating func firstTouch(_ id: PageID, page: UInt64, _ context: AccessContext) throws(ControllerError) -> AccessOutcome {
        counters.newPages += 1
        var stall = 0.0
        if policy.placeNewPage(id, page: page) == TierLayout.dram {
            let room = try makeRoom(for: id, context)
            stall = room.stallNs
            if !room.bypass {
                table.setTier(id, TierLayout.dram, ratio: config.compressionRatio)
                policy.admitted(id, context)
                wakeReclaimIfLow()
                return AccessOutcome(service: .newPage, tier: TierLayout.dram, stallNs: stall)
            }
        }
        let tiers = lowerTiers(for: id)
        for k in 0..<2 {
            let tier = k == 0 ? tiers.first : tiers.second
            guard tier != PageTable.absent, table.hasRoom(tier, for: id, ratio: config.compressionRatio) else { continue }
            table.setTier(id, tier, ratio: config.compressionRatio)
            counters.newPagesOutsideDRAM += 1
            return AccessOutcome(service: .newPage, tier: tier, stallNs: stall)
        }
        throw outOfMemory("a new page")
    }

    private mutating func fault(_ id: PageID, from tier: UInt8, _ context: AccessContext) throws(ControllerError) -> AccessOutcome {
        if tier == TierLayout.pmem { counters.pmemFaults += 1 } else { counters.compressedFaults += 1 }
        let room = try makeRoom(for: id, context)
        var outcome = AccessOutcome(service: .fault, tier: tier, stallNs: room.stallNs)
        if !room.bypass {
            plan.moves.removeAll(keepingCapacity: true)
            plan.moves.append(Migration(id: id, from: tier, to: TierLayout.dram, reason: .demandFault))
            executor.execute(&plan, table: table)
            let move = plan.moves[0]
            if move.done {
                commit(move, now: context.now)
                policy.admitted(id, context)
                counters.demandPromotions += 1
                outcome.pagedInNs = move.costNs
                wakeReclaimIfLow()
                return outcome
            }
            counters.failedMigrations += 1
        }
        counters.bypassedFaults += 1
        outcome.bypassed = true
        return outcome
    }

    /// An optional promotion of a page accessed in place: rate-limited, and only into free DRAM
    /// above the min watermark (making room is the background reclaimer's job, which it wakes).
    private mutating func promote(_ id: PageID, from tier: UInt8, _ context: AccessContext) throws(ControllerError) {
        if promotionBytesPerNs > 0 {
            guard promotionTokens >= Double(layout.pageSize) else {
                counters.promotionsRateLimited += 1
                return
            }
        }
        guard table.freeDRAMPages > minPages else {
            counters.promotionsWithoutRoom += 1
            if lowPages > 0 { reclaimAwake = true }
            return
        }
        plan.moves.removeAll(keepingCapacity: true)
        plan.moves.append(Migration(id: id, from: tier, to: TierLayout.dram, reason: .promotion))
        executor.execute(&plan, table: table)
        let move = plan.moves[0]
        guard move.done else {
            counters.failedMigrations += 1
            return
        }
        commit(move, now: context.now)
        policy.admitted(id, context)
        counters.promotions += 1
        counters.backgroundMigrationNs += move.costNs
        if promotionBytesPerNs > 0 { promotionTokens -= Double(layout.pageSize) }
        wakeReclaimIfLow()
    }

    // MARK: - Reclaim

    /// Frees a DRAM frame for `incoming` if none is free above the min watermark, demoting
    /// synchronously (direct reclaim). `bypass` means the policy chose to leave `incoming` out.
    private mutating func makeRoom(for incoming: PageID, _ context: AccessContext) throws(ControllerError) -> (bypass: Bool, stallNs: Double) {
        var stall = 0.0
        var demoted = false
        defer {
            if demoted {
                counters.directReclaimStalls += 1
                counters.directReclaimStallNs += stall
            }
        }
        while table.freeDRAMPages <= minPages {
            guard let victim = policy.victim(incoming: incoming, context) else {
                if table.freeDRAMPages > 0 { break }
                return (true, stall)
            }
            if victim == incoming { return (true, stall) }
            stall += try demote(victim, reason: .directReclaim, now: context.now)
            counters.directReclaimDemotions += 1
            demoted = true
        }
        return (false, stall)
    }

    /// Moves the clock on: the background reclaimer earns time to spend on demotions.
    private mutating func advance(to now: UInt64) throws(ControllerError) {
        let elapsed = now > lastNow ? Double(now - lastNow) : 0
        lastNow = now
        if promotionBytesPerNs > 0 {
            promotionTokens = min(promotionTokens + elapsed * promotionBytesPerNs, Double(layout.pageSize) * 64)
        }
        guard reclaimAwake else { return }
        reclaimBudgetNs = min(reclaimBudgetNs + elapsed * config.reclaimThreads, Self.maxReclaimBankNs)
        while table.freeDRAMPages < highPages && reclaimBudgetNs > 0 {
            guard let victim = policy.victim(incoming: nil, nil) else {
                reclaimAwake = false
                return
            }
            let cost = try demote(victim, reason: .backgroundDemotion, now: now)
            counters.backgroundDemotions += 1
            counters.backgroundMigrationNs += cost
            reclaimBudgetNs -= cost
        }
        if table.freeDRAMPages >= highPages { reclaimAwake = false }
    }

    @inline(__always)
    private mutating func wakeReclaimIfLow() {
        if table.freeDRAMPages < lowPages { reclaimAwake = true }
    }

    /// Background tick: the policy's early demotions, and frequency decay.
    private mutating func epoch(now: UInt64) throws(ControllerError) {
        untilEpoch = config.epochAccesses
        untilDecay -= config.epochAccesses
        if untilDecay <= 0 {
            table.decayFrequencies()
            untilDecay = max(config.epochAccesses, 1 << 16, table.count)
        }
        earlyDemotions.removeAll(keepingCapacity: true)
        policy.epoch(now: now, table: table, demote: &earlyDemotions)
        for id in earlyDemotions where table.tier[Int(id)] == TierLayout.dram {
            let cost = try demote(id, reason: .backgroundDemotion, now: now)
            counters.backgroundDemotions += 1
            counters.backgroundMigrationNs += cost
        }
    }

    /// Demotes DRAM page `id` to the best slower tier with room; returns the executor's cost.
    private mutating func demote(_ id: PageID, reason: MigrationReason, now: UInt64) throws(ControllerError) -> Double {
        precondition(table.tier[Int(id)] == TierLayout.dram, "policy \(Policy.name) offered page \(id), which is not in DRAM")
        let tiers = lowerTiers(for: id)
        for k in 0..<2 {
            let tier = k == 0 ? tiers.first : tiers.second
            guard tier != PageTable.absent, table.hasRoom(tier, for: id, ratio: config.compressionRatio) else { continue }
            plan.moves.removeAll(keepingCapacity: true)
            plan.moves.append(Migration(id: id, from: TierLayout.dram, to: tier, reason: reason))
            executor.execute(&plan, table: table)
            let move = plan.moves[0]
            if move.done {
                commit(move, now: now)
                policy.removed(id)
                return move.costNs
            }
            counters.failedMigrations += 1
        }
        throw outOfMemory("a demoted page")
    }

    /// Slower tiers for page `id`, best first (`PageTable.absent` where there is none): the
    /// compressed pool for compressible pages, PMEM for the rest, and the other as the fallback.
    @inline(__always)
    private func lowerTiers(for id: PageID) -> (first: UInt8, second: UInt8) {
        let compressible = table.flags[Int(id)] & PageTable.compressibleFlag != 0
        let none = PageTable.absent
        switch (layout.hasPMEM, layout.hasCompressed) {
        case (true, true): return compressible ? (TierLayout.compressed, TierLayout.pmem) : (TierLayout.pmem, TierLayout.compressed)
        case (true, false): return (TierLayout.pmem, none)
        case (false, true): return (TierLayout.compressed, none)
        case (false, false): return (none, none)
        }
    }

    /// Applies a completed move to the page table and the counters.
    private mutating func commit(_ move: Migration, now: UInt64) {
        let i = Int(move.id)
        table.setTier(move.id, move.to, ratio: config.compressionRatio)
        if move.to == TierLayout.compressed { counters.compressions += 1 }
        if move.from == TierLayout.compressed { counters.decompressions += 1 }
        counters.bytesMigrated += UInt64(layout.pageSize)
        let wasDemotion = table.flags[i] & PageTable.lastMoveWasDemotionFlag != 0
        let hasMoved = table.lastMove[i] != 0
        if hasMoved && wasDemotion != move.isDemotion && now &- table.lastMove[i] <= config.pingPongWindowNs {
            counters.pingPongs += 1
        }
        table.lastMove[i] = max(now, 1)
        if move.isDemotion { table.flags[i] |= PageTable.lastMoveWasDemotionFlag } else { table.flags[i] &= ~PageTable.lastMoveWasDemotionFlag }
    }

    private func outOfMemory(_ what: String) -> ControllerError {
        ControllerError(reason: "out of memory: no tier has room for \(what) (DRAM \(table.pagesIn[0])/\(layout.dramPages) pages, PMEM \(table.pagesIn[1])/\(layout.pmemPages) pages, compressed pool \(table.compressedBytesUsed)/\(layout.compressedBytes) bytes); give a slower tier more room")
    }

    /// Bytes of engine state: page index, page table and policy.
    public var memoryBytes: Int { index.memoryBytes + table.memoryBytes + policy.memoryBytes }
}
