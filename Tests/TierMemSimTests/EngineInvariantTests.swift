import Testing
import TierMemCore
import TierMemModel
@testable import TierMemSim
import TierMemTrace

/// Drives the controller directly and checks the page table after every step.
@Suite struct EngineInvariantTests {
    /// Replays `events`, checking the invariants after every step; returns the counters.
    /// `pageIDsFromRange` gives the pages their offsets in the trace's page range as ids.
    @discardableResult
    func drive<P: PlacementPolicy>(_ type: P.Type, events: [TraceEvent], layout: TierLayout, config: ControllerConfig,
                                   pageIDsFromRange: Bool = false) throws -> EngineCounters {
        var options = PolicyOptions()
        if P.self == StaticRatioPolicy.self { options.values["dram"] = 0.3 }
        let profile = try TraceProfile.measure(ArraySource(events), withNextUse: true)
        var controller = Controller(layout: layout, policy: try P(layout: layout, options: options),
                                    executor: ReplayExecutor(costs: CostModel(), codec: .lz4), config: config,
                                    expectedPages: profile.distinctPages, pageRange: profile.pageRange, pageIDsFromRange: pageIDsFromRange)
        #expect(controller.index.rangeIsIdentity == pageIDsFromRange)
        var position: UInt64 = 0
        var now: UInt64 = 1
        for event in events {
            for page in event.pages(pageShift: 12) {
                if event.operation == .free {
                    controller.free(page: page)
                } else if event.operation.isAccess {
                    let next = profile.nextUse![Int(position)]
                    _ = try controller.access(page: page, isWrite: event.operation == .write, now: now, position: position,
                                              nextUse: next == .max ? .max : UInt64(next))
                    position += 1
                }
                now += 500
                if let problem = controller.table.invariantViolation(ratio: config.compressionRatio) {
                    Issue.record("\(P.name) after event \(event): \(problem)")
                    return controller.counters
                }
            }
        }
        #expect(controller.counters.accesses == position)
        let c = controller.counters
        #expect(c.dramHits + c.pmemHits + c.pmemFaults + c.compressedFaults + c.newPages == c.accesses, "\(P.name): \(c)")
        return c
    }

    @Test(arguments: PolicyCatalog.names)
    func everyPageInOneTierAndNoCapacityExceeded(policy: String) throws {
        let trace = try events(.kv, records: 6_000, pages: 400)
        let type = try PolicyCatalog.policy(named: policy)
        for pmem in PMEMAccess.allCases {
            let layout = TierLayout(pageSize: 4096, dramPages: 60, pmemPages: 250, compressedBytes: 150 * 4096, pmemAccess: pmem)
            try drive(type, events: trace, layout: layout, config: ControllerConfig())
            try drive(type, events: trace, layout: layout, config: .demandOnly)
        }
    }

    /// Pages numbered by their offset in the trace's range (what a replay does when they fill
    /// it) and pages numbered in first-touch order reach the same decisions, counter for counter.
    @Test(arguments: PolicyCatalog.names)
    func pageIDsFromTheRangeDecideAsFirstTouchIDsDo(policy: String) throws {
        let trace = try events(.kv, records: 6_000, pages: 400)
        let type = try PolicyCatalog.policy(named: policy)
        let layout = TierLayout(pageSize: 4096, dramPages: 60, pmemPages: 250, compressedBytes: 150 * 4096, pmemAccess: .paged)
        for config in [ControllerConfig(), .demandOnly] {
            let firstTouch = try drive(type, events: trace, layout: layout, config: config)
            let fromRange = try drive(type, events: trace, layout: layout, config: config, pageIDsFromRange: true)
            #expect(fromRange == firstTouch, "\(policy)")
        }
    }
}

/// The live heap's own moves (direct reclaim, readahead) reported to the controller keep its
/// table and policy consistent.
@Suite struct ObservedMoveTests {
    @Test func observedDemotionsAndPromotionsKeepTheTableConsistent() throws {
        let layout = TierLayout(pageSize: 4096, dramPages: 4, pmemPages: 0, compressedBytes: 16 * 4096, pmemAccess: .paged)
        var controller = Controller(layout: layout, policy: try LRUPolicy(layout: layout, options: PolicyOptions()),
                                    executor: ReplayExecutor(costs: CostModel(), codec: .lz4), config: .demandOnly)
        for page in 0..<4 as Range<UInt64> { _ = try controller.access(page: page, isWrite: true, now: 1 + page, position: page) }
        controller.observedDemotion(page: 2, to: TierLayout.compressed)
        #expect(controller.table.tier[2] == TierLayout.compressed)
        #expect(controller.table.freeDRAMPages == 1)
        controller.observedPromotion(page: 2, now: 10)
        #expect(controller.table.tier[2] == TierLayout.dram)
        #expect(controller.table.freeDRAMPages == 0)
        // The promoted page is the most recent: LRU's next victim is page 0, not page 2.
        #expect(controller.policy.demotionCandidates(limit: 1) == [0])
        controller.observedPromotion(page: 2, now: 11)  // already in DRAM: nothing
        controller.observedPromotion(page: 99, now: 12)  // unknown: nothing
        #expect(controller.counters.aheadPromotions == 1 && controller.counters.promotions == 0)
        // Not page-in demand: a forecaster that counted the heap's own promotions would reserve
        // free DRAM for them, and the daemon would demote to make it.
        let signals = PressureSignals(window: controller.counters, since: EngineCounters(), workingSet: 0, dramOccupancy: 0)
        #expect(signals.pageIns == 4)
        #expect(controller.table.invariantViolation(ratio: controller.config.compressionRatio) == nil)
        // No room in the table's DRAM: left where it is.
        _ = try controller.access(page: 4, isWrite: false, now: 13, position: 4)
        let outside = (0..<5 as Range<UInt64>).first { controller.table.tier[Int($0)] != TierLayout.dram }!
        let fullBefore = controller.table.freeDRAMPages
        controller.observedPromotion(page: outside, now: 14)
        #expect(fullBefore == 0 && controller.table.tier[Int(outside)] != TierLayout.dram)
    }
}

@Suite struct StaticPlacementTests {
    @Test func staticRatioNeverMigratesAndHonoursItsRatio() throws {
        let trace = try events(.kv, records: 20_000, pages: 1_000)
        for pmem in PMEMAccess.allCases {
            let result = try replay(trace, policy: "static", tiers: "dram:30%;pmem:100%;compressed:25%", pmem: pmem)
            let c = result.counters
            #expect(c.migrations == 0, "\(pmem): \(c)")
            #expect(c.compressedFaults == 0, "static places into DRAM and PMEM only while they have room")
            // About 30% of new pages start in DRAM (a hash of the page number decides).
            let dramShare = Double(c.newPages - c.newPagesOutsideDRAM) / Double(c.newPages)
            #expect(abs(dramShare - 0.3) < 0.05, "\(dramShare)")
        }
    }
}
